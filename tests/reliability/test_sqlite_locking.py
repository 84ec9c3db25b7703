"""R6: no "database is locked" reaches a client under the R1 load on SQLite.

The R1 load (8 kiosks × 100 tickets at once) against the real server process
(`python -m service_center.server`, gevent, one SQLite file in WAL mode), with two windows
calling and the lobby display's snapshot read at the same time, so that readers and
writers contend. Counts that must be zero: answers mentioning a locked database, non-2xx
answers, "database is locked" in the server's log, duplicate numbers, gaps, and
acknowledged-but-missing tickets. (tests/queueing/test_concurrency.py runs 8 × 50 kiosks
through the in-process threaded server on both databases; this is the production server.)"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, select

from service_center.queueing.models import Ticket
from tests.live.servers import ServerProcess, seed_database, token

pytestmark = pytest.mark.slow
KIOSKS, PER_KIOSK = 8, 100


def test_r1_load_on_sqlite_never_answers_database_is_locked(tmp_path):
    url = seed_database(tmp_path / "r6.db")
    server = ServerProcess(url, None, tmp_path / "server.log").wait_ready()
    acknowledged: list[dict] = []
    bad: list[tuple] = []
    locked = Counter()
    done = threading.Event()
    barrier = threading.Barrier(KIOSKS + 3)

    def check(res, ok=(200, 201, 204)):
        if "database is locked" in res.text.lower():
            locked["answers"] += 1
        if res.status_code not in ok:
            bad.append((res.request.method, res.url, res.status_code, res.text[:200]))

    def kiosk():
        with requests.Session() as http:
            barrier.wait()
            for _ in range(PER_KIOSK):
                res = http.post(f"{server.url}/api/v1/tickets", json={"category": "A"},
                                timeout=60)
                check(res, ok=(201,))
                if res.status_code == 201:
                    acknowledged.append(res.json())

    def window(number: int, user: str):
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token(server.url, user)}"
            barrier.wait()
            while not done.is_set():
                check(http.post(f"{server.url}/api/v1/windows/{number}/call-next", timeout=60))

    def display():
        with requests.Session() as http:
            barrier.wait()
            while not done.is_set():
                check(http.get(f"{server.url}/api/v1/display/snapshot", timeout=60))

    kiosks = [threading.Thread(target=kiosk) for _ in range(KIOSKS)]
    others = [threading.Thread(target=window, args=(1, "clerk1")),
              threading.Thread(target=window, args=(2, "clerk2")),
              threading.Thread(target=display)]
    try:
        for t in kiosks + others:
            t.start()
        for t in kiosks:
            t.join(300)
        done.set()
        for t in others:
            t.join(60)
        assert not any(t.is_alive() for t in kiosks + others), "a client thread hung"
    finally:
        done.set()
        server.stop()
    locked["log"] = server.log_text().lower().count("database is locked")
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Ticket.id, Ticket.number)).all())
    engine.dispose()
    numbers = [t["number"] for t in acknowledged]
    total = KIOSKS * PER_KIOSK
    report = {
        "locked_answers": locked["answers"], "locked_in_log": locked["log"],
        "non_2xx": len(bad),
        "duplicates": sum(n - 1 for n in Counter(numbers).values() if n > 1),
        "gaps": len({f"A{i:03d}" for i in range(1, total + 1)} - set(numbers)),
        "missing": sum(1 for t in acknowledged if stored.get(t["id"]) != t["number"]),
    }
    print(f"\nR6 sqlite, {total} tickets from {KIOSKS} kiosks with 2 windows calling and a "
          f"display reading: {report}")
    assert report == {"locked_answers": 0, "locked_in_log": 0, "non_2xx": 0, "duplicates": 0,
                      "gaps": 0, "missing": 0}, bad[:3]
