"""R2: the server killed with SIGKILL under traffic, then restarted on the same database:
every acknowledged (2xx) ticket, case and payment is there, and the numbering continues
after the highest number handed out (no number twice).

A real server process (`python -m service_center.server`, tests/live/servers.py) on a
SQLite file (WAL) or a PostgreSQL database; kiosks issue tickets, a clerk registers cases
and a cashier pays them (with an idempotency key) from several threads; the process is
killed with SIGKILL in the middle of that, and started again. Counts that must be zero:
acknowledged-but-missing tickets, cases and payments; duplicate numbers; numbers at or
below the highest acknowledged one handed out after the restart."""

from __future__ import annotations

import queue
import signal
import threading
import time
import uuid
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, select

from service_center.approvals.models import Case
from service_center.fees.models import FeePayment
from service_center.queueing.models import Ticket
from tests.approvals.conftest import JS_MATERIALS
from tests.live.servers import ServerProcess, seed_database, token

pytestmark = pytest.mark.slow
KIOSKS = 4


def _database(backend: str, tmp_path, request) -> str:
    if backend == "sqlite":
        return seed_database(tmp_path / "kill.db")
    from tests.conftest import _fresh_postgres

    return _fresh_postgres(request.getfixturevalue("pg_database"), "seeded")


class Traffic:
    """Client threads that record every acknowledged answer until told to stop."""

    def __init__(self, url: str):
        self.url = url
        self.stop = threading.Event()
        self.tickets: list[dict] = []
        self.cases: list[str] = []
        self.payments: list[dict] = []
        self.errors: Counter = Counter()
        self.to_pay: queue.Queue = queue.Queue()
        self.clerk = token(url, "clerk3")
        self.cashier = token(url, "cashier")
        self.threads = [threading.Thread(target=self.kiosk, daemon=True) for _ in range(KIOSKS)]
        self.threads += [threading.Thread(target=self.intake, daemon=True),
                         threading.Thread(target=self.cash_desk, daemon=True)]

    def _post(self, http, path: str, **kwargs):
        try:
            return http.post(self.url + path, timeout=10, **kwargs)
        except requests.RequestException as exc:
            self.errors[type(exc).__name__] += 1
            return None

    def kiosk(self):
        with requests.Session() as http:
            while not self.stop.is_set():
                res = self._post(http, "/api/v1/tickets", json={"category": "A"})
                if res is not None and res.status_code == 201:
                    self.tickets.append(res.json())
                elif res is not None:
                    self.errors[res.status_code] += 1
                elif self.stop.is_set():
                    return
                else:
                    time.sleep(0.05)

    def intake(self):
        body = {"service_item": "JS-001", "params": {"area_m2": "80"},
                "applicant": {"name": "示例建设有限公司 王经理", "phone": "13800138000"},
                "materials_received": JS_MATERIALS}
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {self.clerk}"
            while not self.stop.is_set():
                res = self._post(http, "/api/v1/cases", json=body)
                if res is not None and res.status_code == 201:
                    case = res.json()
                    self.cases.append(case["tracking_no"])
                    self.to_pay.put((case["tracking_no"], case["fees"]["outstanding_fen"]))
                elif res is not None:
                    self.errors[res.status_code] += 1
                else:
                    time.sleep(0.05)

    def cash_desk(self):
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {self.cashier}"
            while not self.stop.is_set():
                try:
                    no, amount = self.to_pay.get(timeout=0.2)
                except queue.Empty:
                    continue
                res = self._post(http, f"/api/v1/cases/{no}/payments",
                                 json={"amount_fen": amount, "method": "cash"},
                                 headers={"Idempotency-Key": uuid.uuid4().hex})
                if res is not None and res.status_code == 201:
                    self.payments.append(res.json()["payment"])
                elif res is not None:
                    self.errors[res.status_code] += 1

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)
            assert not t.is_alive(), "a client thread hung"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql",
                                                            marks=pytest.mark.postgres)])
def test_sigkill_under_traffic_loses_nothing_acknowledged(backend, tmp_path, request):
    url = _database(backend, tmp_path, request)
    server = ServerProcess(url, None, tmp_path / "first.log").wait_ready()
    traffic = Traffic(server.url)
    try:
        traffic.start()
        deadline = time.monotonic() + 30
        # kill once every kind of write has been acknowledged a few times, mid-stream
        while time.monotonic() < deadline and (len(traffic.payments) < 3
                                               or len(traffic.tickets) < 50):
            time.sleep(0.05)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        assert server.proc.returncode == -signal.SIGKILL
        time.sleep(0.5)  # requests in flight fail against the dead port
    finally:
        traffic.join()
        server.stop()
    acked = {"tickets": len(traffic.tickets), "cases": len(traffic.cases),
             "payments": len(traffic.payments)}
    assert acked["tickets"] >= 50 and acked["payments"] >= 3, (acked, traffic.errors)

    second = ServerProcess(url, None, tmp_path / "second.log").wait_ready()
    try:
        after = requests.post(second.url + "/api/v1/tickets", json={"category": "A"}, timeout=10)
        assert after.status_code == 201, after.text
        after = after.json()
        # the acknowledged tickets can be looked up on the restarted server
        for t in traffic.tickets[-5:]:
            res = requests.get(f"{second.url}/api/v1/tickets/by-token/{t['token']}", timeout=10)
            assert res.status_code == 200 and res.json()["number"] == t["number"]
    finally:
        second.stop()

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tickets = dict(conn.execute(select(Ticket.id, Ticket.number)).all())
            seqs = conn.execute(select(Ticket.seq).where(Ticket.number.like("A%"))).scalars().all()
            cases = set(conn.execute(select(Case.tracking_no)).scalars())
            payments = dict(conn.execute(select(FeePayment.id, FeePayment.amount_fen)
                                         .where(FeePayment.kind == "payment")).all())
    finally:
        engine.dispose()
    missing = {
        "tickets": sum(1 for t in traffic.tickets if tickets.get(t["id"]) != t["number"]),
        "cases": sum(1 for no in traffic.cases if no not in cases),
        "payments": sum(1 for p in traffic.payments if payments.get(p["id"]) != p["amount_fen"]),
    }
    duplicates = sum(n - 1 for n in Counter(tickets.values()).values() if n > 1)
    highest = max(int(t["number"][1:]) for t in traffic.tickets)
    report = {**missing, "duplicates": duplicates,
              "renumbered": int(int(after["number"][1:]) <= highest),
              "seq_duplicates": len(seqs) - len(set(seqs))}
    print(f"\nR2 {backend}: acknowledged {acked}, failed during the kill "
          f"{dict(traffic.errors)}, next after restart {after['number']} (highest "
          f"acknowledged A{highest:03d}), counts {report}")
    assert report == {"tickets": 0, "cases": 0, "payments": 0, "duplicates": 0,
                      "renumbered": 0, "seq_duplicates": 0}
