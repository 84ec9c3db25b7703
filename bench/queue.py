"""Ticket issue throughput (QUALITY.md "Speed"): 32 kiosk clients issue tickets over HTTP
to `flask --app service_center serve` (gevent, SQLite) and, in the same run, to a baseline:
a bare Flask endpoint in the same server mode doing only the counter UPSERT + one INSERT in
one BEGIN IMMEDIATE transaction on its own SQLite WAL file. Prints tickets/s, p50/p99
latency, non-2xx answers, duplicates and gaps per server, and the ratio app/baseline.

    python bench/queue.py [--duration 20] [--clients 32] [--keep]

The script is run by hand (it is not part of the test suite). It also serves as the
baseline server when started with `--serve-baseline` (it then patches with gevent first).
"""

import os
import sys

# This file is named like the standard library's `queue` (QUALITY.md names it); drop its
# folder from the import path so that `import queue` (gevent, threading users) finds the real one.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

if __name__ == "__main__" and "--serve-baseline" in sys.argv:
    # The baseline runs like `flask serve`: gevent patches the standard library first.
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("A", "B", "C", "D", "F")  # the demo main hall's queue categories
BAR = 0.7


# --- the baseline server ------------------------------------------------------------------
BASELINE_SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    category TEXT NOT NULL, day TEXT NOT NULL, last_seq INTEGER NOT NULL,
    PRIMARY KEY (category, day));
CREATE TABLE IF NOT EXISTS ticket (
    id INTEGER PRIMARY KEY, category TEXT NOT NULL, day TEXT NOT NULL, seq INTEGER NOT NULL,
    number TEXT NOT NULL, issued_at REAL NOT NULL, UNIQUE (category, day, seq));
"""


def serve_baseline(port: int, db_path: str, kind: str) -> None:
    """kind "sqlalchemy": Flask-SQLAlchemy session and Core statements, the stack the app runs
    on; kind "sqlite3": the standard library driver, the floor under any Flask app."""
    from flask import Flask, jsonify, request
    from flask_socketio import SocketIO

    app = Flask("baseline")
    issue_one = _sqlalchemy_issuer(app, db_path) if kind == "sqlalchemy" \
        else _sqlite3_issuer(db_path)

    @app.post("/api/v1/tickets")
    def issue():
        category = (request.get_json(silent=True) or {}).get("category", "A")
        ticket_id, number = issue_one(category, date.today().isoformat())
        return jsonify({"id": ticket_id, "number": number, "category": category}), 201

    @app.get("/healthz")
    def health():
        return jsonify({"status": "ok"})

    socketio = SocketIO(app, async_mode="gevent")
    print(f"baseline ({kind}) serving on http://127.0.0.1:{port}", flush=True)
    socketio.run(app, host="127.0.0.1", port=port, debug=False, use_reloader=False,
                 log_output=False)


UPSERT = ("INSERT INTO counter (category, day, last_seq) VALUES (:category, :day, 1) "
          "ON CONFLICT (category, day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq")
INSERT = ("INSERT INTO ticket (category, day, seq, number, issued_at) "
          "VALUES (:category, :day, :seq, :number, :issued_at)")


def _sqlite3_issuer(db_path: str):
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(db_path, timeout=20, isolation_level=None,
                               check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=20000"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    setup = connect()
    setup.executescript(BASELINE_SCHEMA)
    setup.close()
    pool: list[sqlite3.Connection] = []

    def issue_one(category: str, day: str) -> tuple[int, str]:
        conn = pool.pop() if pool else connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                seq = conn.execute(UPSERT, {"category": category, "day": day}).fetchone()[0]
                number = f"{category}{seq:03d}"
                cur = conn.execute(INSERT, {"category": category, "day": day, "seq": seq,
                                            "number": number, "issued_at": time.time()})
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            pool.append(conn)
        return cur.lastrowid, number

    return issue_one


def _sqlalchemy_issuer(app, db_path: str):
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import event, text
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=20000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(Engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "connect_args": {"timeout": 20, "check_same_thread": False}}
    db = SQLAlchemy(app)
    with app.app_context():
        for statement in BASELINE_SCHEMA.split(";"):
            if statement.strip():
                db.session.execute(text(statement))
        db.session.commit()
    upsert, insert = text(UPSERT), text(INSERT)

    def issue_one(category: str, day: str) -> tuple[int, str]:
        try:
            seq = db.session.execute(upsert, {"category": category, "day": day}).scalar_one()
            number = f"{category}{seq:03d}"
            result = db.session.execute(insert, {"category": category, "day": day, "seq": seq,
                                                 "number": number, "issued_at": time.time()})
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result.lastrowid, number

    return issue_one


# --- the load ---------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    ok: int = 0
    non_2xx: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    numbers: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    duplicates: int = 0
    gaps: int = 0
    missing: int = 0
    server_cpu: float = 0.0  # seconds of CPU the server process used during the run

    @property
    def cpu_ms(self) -> float:
        """Server CPU per ticket: unlike tickets/s, hardly moved by a busy machine."""
        return self.server_cpu / self.ok * 1000 if self.ok else float("nan")

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def kiosk(port: int, index: int, stop_at: float, result: Result, lock: threading.Lock) -> None:
    """One kiosk: a keep-alive connection issuing tickets back to back."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, numbers = [], []
    ok = non_2xx = errors = 0
    n = index
    while time.perf_counter() < stop_at:
        category = CATEGORIES[n % len(CATEGORIES)]
        n += 1
        body = json.dumps({"category": category})
        began = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/tickets", body=body,
                         headers={"Content-Type": "application/json"})
            res = conn.getresponse()
            payload = res.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append(time.perf_counter() - began)
        if 200 <= res.status < 300:
            ok += 1
            numbers.append((category, json.loads(payload)["number"]))
        else:
            non_2xx += 1
    conn.close()
    with lock:
        result.ok += ok
        result.non_2xx += non_2xx
        result.errors += errors
        result.latencies.extend(latencies)
        result.numbers.extend(numbers)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc); 0 where there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def drive(name: str, port: int, clients: int, duration: float, pid: int = 0) -> Result:
    result = Result(name)
    lock = threading.Lock()
    cpu_before = cpu_seconds(pid) if pid else 0.0
    began = time.perf_counter()
    stop_at = began + duration
    threads = [threading.Thread(target=kiosk, args=(port, i, stop_at, result, lock))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - began
    if pid:
        result.server_cpu = cpu_seconds(pid) - cpu_before
    dupes = len(result.numbers) - len(set(result.numbers))
    result.duplicates = dupes  # as the clients saw them; the DB check adds to it below
    return result


def check_db(result: Result, db_path: str, lines_query: str, stored_query: str) -> None:
    """Duplicates (same number twice in a category and day) and gaps (numbers skipped since
    the day's first, 1) over every ticket of the run including the warm-up; tickets answered
    201 during the measured window but not stored count as missing."""
    conn = sqlite3.connect(db_path)
    rows = conn.execute(lines_query).fetchall()
    stored = conn.execute(stored_query).fetchone()[0]
    conn.close()
    per_line: dict[tuple, list[int]] = {}
    for category, day, seq in rows:
        per_line.setdefault((category, day), []).append(seq)
    dupes = gaps = 0
    for seqs in per_line.values():
        dupes += len(seqs) - len(set(seqs))
        distinct = set(seqs)
        gaps += max(distinct) - len(distinct)
    result.duplicates = max(result.duplicates, dupes)
    result.gaps = gaps
    result.missing = max(0, result.ok - stored)


# --- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not come up")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def max_id(db_path: str, table_name: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table_name}").fetchone()[0]
    finally:
        conn.close()


def run_flask(env: dict, *args: str, check: bool = True) -> bool:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "service_center", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode and check:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.returncode == 0


def app_env(db_path: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOCKETIO_MESSAGE_QUEUE", "SERVICE_CENTER_ENV", "FLASK_DEBUG")}
    env.update(DATABASE_URL=f"sqlite:///{db_path}", SERVICE_CENTER_ENV="development",
               RATELIMIT_STORAGE_URI="memory://", PYTHONUNBUFFERED="1")
    return env


def bench_app(workdir: str, clients: int, duration: float, warmup: float) -> Result:
    db_path = os.path.join(workdir, "app.db")
    env = app_env(db_path)
    # while sibling migrations are not merged yet, init-db can refuse "multiple heads"
    if not run_flask(env, "init-db", check=False):
        run_flask(env, "db", "upgrade", "heads")
    run_flask(env, "seed-demo")
    first = max_id(db_path, "ticket")  # the demo history's last ticket
    port = free_port()
    log = open(os.path.join(workdir, "app.log"), "w")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "service_center", "serve",
                             "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_up(port, proc)
        if warmup:
            drive("warm-up", port, min(clients, 4), warmup)
        before = max_id(db_path, "ticket")
        result = drive("app (flask serve)", port, clients, duration, proc.pid)
    finally:
        stop(proc)
        log.close()
    # duplicates by issued category and service day, over every ticket of the run
    check_db(result, db_path,
             f"SELECT issued_category_id, service_day, seq FROM ticket WHERE id > {first}",
             f"SELECT count(*) FROM ticket WHERE id > {before}")
    return result


def bench_baseline(workdir: str, clients: int, duration: float, warmup: float,
                   kind: str) -> Result:
    db_path = os.path.join(workdir, f"baseline-{kind}.db")
    port = free_port()
    log = open(os.path.join(workdir, f"baseline-{kind}.log"), "w")
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve-baseline",
                             kind, "--port", str(port), "--db", db_path], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_up(port, proc)
        if warmup:
            drive("warm-up", port, min(clients, 4), warmup)
        before = max_id(db_path, "ticket")
        result = drive(f"baseline ({kind})", port, clients, duration, proc.pid)
    finally:
        stop(proc)
        log.close()
    check_db(result, db_path, "SELECT category, day, seq FROM ticket",
             f"SELECT count(*) FROM ticket WHERE id > {before}")
    return result


def table(results: list[Result]) -> str:
    head = (f"{'server':<24}{'tickets':>9}{'tickets/s':>11}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'cpu ms/t':>10}{'non-2xx':>9}{'errors':>8}{'dupes':>7}{'gaps':>6}")
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.name:<24}{r.ok:>9}{r.rate:>11.1f}{r.pct(0.50):>9.1f}"
                     f"{r.pct(0.99):>9.1f}{r.cpu_ms:>10.2f}{r.non_2xx:>9}{r.errors:>8}"
                     f"{r.duplicates:>7}"
                     f"{r.gaps:>6}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per server")
    parser.add_argument("--clients", type=int, default=32, help="concurrent kiosk clients")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up load")
    parser.add_argument("--baseline", choices=("sqlalchemy", "sqlite3", "both"),
                        default="sqlalchemy",
                        help="the baseline's database layer: Flask-SQLAlchemy like the app "
                             "(the bar), the bare sqlite3 driver, or both (default: sqlalchemy)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary databases")
    parser.add_argument("--serve-baseline", choices=("sqlalchemy", "sqlite3"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(args.port, args.db, args.serve_baseline)
        return 0

    kinds = ("sqlalchemy", "sqlite3") if args.baseline == "both" else (args.baseline,)
    workdir = tempfile.mkdtemp(prefix="onewindow-bench-", dir="/tmp")
    try:
        print(f"{args.clients} clients, {args.duration:g} s per server, work dir {workdir}",
              flush=True)
        app = bench_app(workdir, args.clients, args.duration, args.warmup)
        bases = [bench_baseline(workdir, args.clients, args.duration, args.warmup, kind)
                 for kind in kinds]
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(table([app, *bases]))
    bar_ok = app.duplicates == 0 and app.gaps == 0 and app.missing == 0 and app.non_2xx == 0 \
        and app.errors == 0
    for base in bases:
        ratio = app.rate / base.rate if base.rate else 0.0
        if base is bases[0]:
            bar_ok = bar_ok and ratio >= BAR
        print(f"ratio app / {base.name}: {ratio:.2f}")
        if base.missing:
            print(f"  {base.name}: {base.missing} answered 201 but not stored")
    if app.missing:
        print(f"app: {app.missing} answered 201 but not stored")
    print(f"bar: >= {BAR} x {bases[0].name}, zero duplicates, zero gaps: "
          f"{'PASS' if bar_ok else 'FAIL'}")
    return 0 if bar_ok else 1


if __name__ == "__main__":
    sys.exit(main())
