"""Reports at scale (QUALITY.md "Speed"): generate one year of a large center — 3,000,000
tickets, 300,000 cases, 2,000,000 task and event rows at --scale 1 — into SQLite and into
PostgreSQL, build the daily summaries (`flask reports rebuild`, the nightly job), then time
GET /api/v1/reports/summary for a month and for the year through the Flask test client.
Prints one table: p50 and p95 of N runs per database and range, and the generation and
rebuild times.

    python bench/reports.py [--scale 0.1] [--runs 20] [--db sqlite,postgresql]

Rows go in with SQLAlchemy Core executemany (insertmanyvalues batches), 50,000 at a time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# bench/queue.py would shadow the standard library's queue: drop this folder from the path
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text  # noqa: E402

from service_center import create_app  # noqa: E402
from service_center.extensions import db  # noqa: E402

PG_ADMIN = os.environ.get("ONEWINDOW_TEST_PG",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TZ = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000


def make_app(url: str):
    app = create_app({"SERVICE_CENTER_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_STORAGE_URI": "memory://", "SOCKETIO_MESSAGE_QUEUE": None,
                      "SOCKETIO_ASYNC_MODE": "threading", "WTF_CSRF_ENABLED": False})
    return app


def seed(app) -> None:
    from tests.conftest import seed_demo_catalog

    with app.app_context():
        db.create_all()
    seed_demo_catalog(app)


def _flush(conn, table, rows: list) -> None:
    if rows:
        conn.execute(table.insert(), rows)
        rows.clear()


def generate(app, scale: float, seed_value: int = 6) -> dict:
    from service_center.approvals.models import Case, CaseTask, Suspension
    from service_center.audit import AuditEvent
    from service_center.auth.models import User
    from service_center.catalog.models import (
        Department,
        Hall,
        QueueCategory,
        ServiceItem,
        Window,
        WindowCategory,
    )
    from service_center.queueing.models import Ticket

    rng = random.Random(seed_value)
    n_tickets = int(3_000_000 * scale)
    n_cases = int(300_000 * scale)
    n_events = int(2_000_000 * scale)
    with app.app_context():
        s = db.session
        halls = s.execute(select(Hall)).scalars().all()
        windows = s.execute(select(Window)).scalars().all()
        links = s.execute(select(WindowCategory)).scalars().all()
        clerks = {u.window_id: u.id for u in s.execute(select(User)).unique().scalars()
                  if u.window_id}
        cats = s.execute(select(QueueCategory)).scalars().all()
        items = s.execute(select(ServiceItem)).unique().scalars().all()
        depts = [d.id for d in s.execute(select(Department)).scalars()]
        # categories and the windows that serve them
        served_by = {c.id: [lk.window_id for lk in links if lk.category_id == c.id] for c in cats}
        cat_list = [c for c in cats if served_by[c.id]]
        hall_of = {c.id: c.hall_id for c in cats}
        prefix = {c.id: c.prefix for c in cats}
        _ = halls, windows
        s.remove()

    last = datetime.now(TZ).date() - timedelta(days=1)
    days = [last - timedelta(days=i) for i in range(365)][::-1]
    per_day = max(1, n_tickets // len(days))
    t0 = time.perf_counter()
    with app.app_context():
        conn = db.engine.connect()
        ticket_t = Ticket.__table__
        rows: list = []
        tid = 0
        for day in days:
            open_at = datetime(day.year, day.month, day.day, 8, 30, tzinfo=TZ).astimezone(UTC)
            seqs: dict = {}
            for _ in range(per_day):
                cat = cat_list[rng.randrange(len(cat_list))]
                seqs[cat.id] = seqs.get(cat.id, 0) + 1
                issued = open_at + timedelta(seconds=rng.randrange(0, 8 * 3600),
                                             microseconds=rng.randrange(1_000_000))
                tid += 1
                roll = rng.random()
                window_id = rng.choice(served_by[cat.id])
                row = {"hall_id": hall_of[cat.id], "issued_category_id": cat.id,
                       "category_id": cat.id, "service_day": day, "seq": seqs[cat.id],
                       "number": f"{prefix[cat.id]}{seqs[cat.id]:03d}", "priority": False,
                       "status": "completed", "token": f"b{tid}-{uuid.uuid4().hex[:8]}",
                       "source": "kiosk", "issued_at": issued, "recall_count": 0,
                       "transfer_count": 0, "version": 1, "window_id": window_id,
                       "served_by_id": clerks.get(window_id), "first_called_at": None,
                       "called_at": None, "serving_at": None, "completed_at": None,
                       "no_show_at": None, "cancelled_at": None}
                if roll < 0.03:
                    row.update(status="cancelled", window_id=None, served_by_id=None,
                               cancelled_at=issued + timedelta(minutes=5))
                else:
                    called = issued + timedelta(seconds=min(rng.expovariate(1 / 600), 10800))
                    row.update(first_called_at=called, called_at=called)
                    if roll < 0.08:
                        row.update(status="no_show", no_show_at=called + timedelta(minutes=3))
                    else:
                        serving = called + timedelta(seconds=rng.randrange(5, 60))
                        row.update(serving_at=serving, completed_at=serving + timedelta(
                            seconds=rng.randrange(120, 1200), milliseconds=rng.randrange(999)))
                rows.append(row)
                if len(rows) >= CHUNK:
                    _flush(conn, ticket_t, rows)
        _flush(conn, ticket_t, rows)
        conn.commit()
        t_tickets = time.perf_counter() - t0

        # cases: 2 department tasks each, some supplements; audit events make up the rest
        t1 = time.perf_counter()
        case_rows: list = []
        for i in range(n_cases):
            day = days[rng.randrange(len(days))]
            item = items[rng.randrange(len(items))]
            accepted = datetime(day.year, day.month, day.day, 9, tzinfo=TZ).astimezone(UTC) \
                + timedelta(seconds=rng.randrange(8 * 3600))
            one_visit = rng.random() < 0.85
            registered = accepted if one_visit else accepted - timedelta(days=rng.randrange(1, 5))
            decided = accepted + timedelta(days=rng.randrange(1, 20), hours=rng.randrange(8))
            open_case = decided.astimezone(TZ).date() > last
            roll = rng.random()
            case_rows.append({
                "tracking_no": f"B{i:09d}", "query_hash": "0" * 64,
                "service_item_id": item.id, "hall_id": item and hall_of[cat_list[0].id],
                "applicant_name": "测试", "applicant_phone": "13800000000",
                "params": {}, "materials_received": [], "missing_materials": [],
                "status": "in_progress" if open_case else ("rejected" if roll < 0.05
                                                           else "completed"),
                "suspended": False, "registered_at": registered, "accepted_at": accepted,
                "accepted_on": day, "clock_started_on": day + timedelta(days=1),
                "promised_deadline": day + timedelta(days=14),
                "statutory_deadline": day + timedelta(days=28),
                "deadline_provisional": False, "paused_working_days": 0, "extension_days": 0,
                "approved_at": None if open_case or roll < 0.05 else decided,
                "rejected_at": decided if not open_case and roll < 0.05 else None,
                "version": 1})
            if len(case_rows) >= CHUNK:
                _flush(conn, Case.__table__, case_rows)
        _flush(conn, Case.__table__, case_rows)
        conn.commit()
        first_case = conn.execute(text('SELECT min(id) FROM "case"')).scalar_one()
        from service_center.approvals.models import CaseStage
        task_rows: list = []
        stage_rows: list = []
        susp_rows: list = []
        for i in range(n_cases):
            stage_rows.append({"case_id": first_case + i, "position": 1, "name": "审查",
                               "status": "approved"})
            if len(stage_rows) >= CHUNK:
                _flush(conn, CaseStage.__table__, stage_rows)
        _flush(conn, CaseStage.__table__, stage_rows)
        conn.commit()
        first_stage = conn.execute(text("SELECT min(id) FROM case_stage")).scalar_one()
        for i in range(n_cases):
            day = days[rng.randrange(len(days))]
            for pos in (1, 2):
                decided = datetime(day.year, day.month, day.day, 10, tzinfo=TZ) \
                    .astimezone(UTC) + timedelta(days=rng.randrange(10))
                task_rows.append({"case_id": first_case + i, "stage_id": first_stage + i,
                                  "stage_position": 1, "position": pos,
                                  "department_id": depts[rng.randrange(len(depts))], "days": 5,
                                  "status": "approved", "due_date": day + timedelta(days=7),
                                  "due_provisional": False, "decided_at": decided,
                                  "approved_at": decided})
            if rng.random() < 0.1:
                started = datetime(day.year, day.month, day.day, 11, tzinfo=UTC)
                susp_rows.append({"case_id": first_case + i, "kind": "supplement",
                                  "started_at": started, "started_on": day})
            if len(task_rows) >= CHUNK:
                _flush(conn, CaseTask.__table__, task_rows)
                _flush(conn, Suspension.__table__, susp_rows)
        _flush(conn, CaseTask.__table__, task_rows)
        _flush(conn, Suspension.__table__, susp_rows)
        conn.commit()
        n_tasks = 2 * n_cases
        ev_rows: list = []
        # every staffed window's day: open 08:30, pause 12:00, open 13:30, close 17:30 (the
        # staffed hours behind tickets per staff-hour)
        shift = (("open", 8, 30), ("paused", 12, 0), ("open", 13, 30), ("closed", 17, 30))
        for day in days:
            for wid, uid in clerks.items():
                for state, hh, mm in shift:
                    ev_rows.append({"at": datetime(day.year, day.month, day.day, hh, mm,
                                                   tzinfo=TZ).astimezone(UTC),
                                    "action": state, "entity_type": "window",
                                    "entity_id": str(wid), "actor_id": uid,
                                    "to_state": state, "result": "ok"})
        _flush(conn, AuditEvent.__table__, ev_rows)
        for i in range(max(0, n_events - n_tasks)):
            ev_rows.append({"at": datetime.now(UTC), "action": "decided",
                            "entity_type": "case", "entity_id": str(first_case + i % n_cases),
                            "result": "ok"})
            if len(ev_rows) >= CHUNK:
                _flush(conn, AuditEvent.__table__, ev_rows)
        _flush(conn, AuditEvent.__table__, ev_rows)
        conn.commit()
        conn.close()
        t_cases = time.perf_counter() - t1
        with db.engine.connect() as c:  # fresh statistics, as autovacuum would give
            c.execute(text("ANALYZE"))
            c.commit()
    return {"tickets": tid, "cases": n_cases, "tasks_events": n_events,
            "gen_tickets_s": t_tickets, "gen_cases_s": t_cases, "last_day": last}


def time_summary(app, last: date, runs: int) -> dict:
    from tests.conftest import Auth

    client = app.test_client()
    headers = Auth(client).headers("manager")
    # the last whole calendar month (the year's last day may fall early in a month)
    month_end = last if (last + timedelta(days=1)).day == 1 else \
        last.replace(day=1) - timedelta(days=1)
    month = (month_end.replace(day=1), month_end)
    year = (last - timedelta(days=364), last)
    out = {}
    for name, (start, end), n in (("month", month, runs), ("year", year, max(5, runs // 2))):
        times = []
        for i in range(n + 1):
            t = time.perf_counter()
            res = client.get("/api/v1/reports/summary", headers=headers,
                             query_string={"from": start.isoformat(), "to": end.isoformat()})
            elapsed = time.perf_counter() - t
            assert res.status_code == 200, res.get_json()
            if i:  # the first run is a warm-up (and builds any missing day)
                times.append(elapsed * 1000)
            else:
                out[f"{name}_first_ms"] = elapsed * 1000
                out[f"{name}_issued"] = res.get_json()["tickets_issued"]
        times.sort()
        out[f"{name}_p50"] = statistics.median(times)
        out[f"{name}_p95"] = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        out[f"{name}_base_p50"] = _baseline(app, start, end, n)
    return out


_RAW_COUNT = text("SELECT count(*), count(called_at), count(completed_at) FROM ticket "
                  "WHERE issued_at >= :a AND issued_at < :b")


def _baseline(app, start: date, end: date, n: int) -> float:
    """The same-run reference: one bare aggregate over the raw ticket log for the range
    (issued, called, completed — three of the summary's forty figures), on the same
    database, without Flask: what "count it from the events on every request" costs."""
    a = datetime(start.year, start.month, start.day, tzinfo=TZ).astimezone(UTC)
    b = datetime(end.year, end.month, end.day, tzinfo=TZ).astimezone(UTC) + timedelta(days=1)
    times = []
    with app.app_context(), db.engine.connect() as conn:
        for i in range(n + 1):
            t = time.perf_counter()
            conn.execute(_RAW_COUNT, {"a": a, "b": b}).one()
            if i:
                times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def run(backend: str, scale: float, runs: int) -> dict:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="bench-reports-")
        url = f"sqlite:///{folder}/bench.db"
        cleanup = None
    else:
        name = f"bench_reports_{os.getpid()}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

        def cleanup():
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    app = make_app(url)
    try:
        seed(app)
        gen = generate(app, scale)
        with app.app_context():
            from service_center.reports.services import rebuild

            t = time.perf_counter()
            days = rebuild()
            gen["rebuild_s"] = time.perf_counter() - t
            gen["rebuilt_days"] = days
            db.session.remove()
            with db.engine.connect() as c:
                c.execute(text("ANALYZE"))
                c.commit()
            if db.engine.dialect.name == "sqlite":
                # the bulk load leaves a WAL of hundreds of MB that every read would search;
                # a running server checkpoints it long before a report is asked for
                import sqlite3

                db.engine.dispose()
                raw = sqlite3.connect(db.engine.url.database)
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                raw.close()
        gen.update(time_summary(app, gen["last_day"], runs))
        return gen
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if cleanup:
            cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    for backend in args.db.split(","):
        print(f"[{backend}] generating scale {args.scale} …", flush=True)
        results[backend] = run(backend, args.scale, args.runs)
        r = results[backend]
        print(f"[{backend}] {r['tickets']:,} tickets, {r['cases']:,} cases, "
              f"{r['tasks_events']:,} task/event rows; generated in "
              f"{r['gen_tickets_s'] + r['gen_cases_s']:.0f} s; rebuild {r['rebuild_s']:.1f} s",
              flush=True)
    print()
    print(f"scale {args.scale}: /api/v1/reports/summary, {args.runs} runs (month), "
          f"{max(5, args.runs // 2)} (year), after one warm-up; times in ms")
    print(f"{'database':<11}{'range':<7}{'tickets':>11}{'first':>9}{'p50':>9}{'p95':>9}"
          f"{'bar':>8}  ok {'raw count p50':>14}{'ratio':>7}")
    for backend, r in results.items():
        for name, bar in (("month", 200), ("year", 1000)):
            ok = "yes" if r[f"{name}_p95"] <= bar else "NO "
            base = r[f"{name}_base_p50"]
            print(f"{backend:<11}{name:<7}{r[f'{name}_issued']:>11,}"
                  f"{r[f'{name}_first_ms']:>9.0f}{r[f'{name}_p50']:>9.0f}"
                  f"{r[f'{name}_p95']:>9.0f}{bar:>8}  {ok}{base:>14.1f}"
                  f"{r[f'{name}_p50'] / base if base else 0:>7.2f}")
    print("raw count: the baseline of the same run, a bare SELECT count(*) … over the ticket "
          "log for the range (ratio = summary p50 / raw count p50)")


if __name__ == "__main__":
    main()
