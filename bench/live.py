"""Call → screen latency (QUALITY.md): N Socket.IO clients (websocket transport)
subscribed to the lobby room, K call-next operations over HTTP; delivered/expected and
p50/p99 from the HTTP answer to receipt. First one `flask serve` process (gevent, no
message queue), then two processes sharing the Redis message queue with the clients
split across them (calls alternate between the two). Prints a table.

    python bench/live.py [--clients 500] [--calls 50] [--workers 4] [--interval 0.5]

The clients run in worker processes (gevent, one greenlet per client) so that the
measuring side does not become the bottleneck; all use the same wall clock. A receipt
earlier than the HTTP answer (the event is sent right after commit, before the answer)
counts as 0 ms.
"""

from __future__ import annotations

import os.path
import sys

# bench/ holds queue.py: keep it off the path, or it would shadow the standard library's
sys.path[:] = [p for p in sys.path
               if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

if "--worker" in sys.argv:  # a client worker: gevent must patch before anything else
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- worker side ----------------------------------------------------------------------------
def worker(urls: list[str], count: int) -> None:
    import gevent
    import socketio

    received: list = []
    ready = []

    def one(i: int) -> None:
        url = urls[i % len(urls)]
        sio = socketio.Client(reconnection=False)
        sio.on("ticket_called", lambda d: received.append((d["number"], time.time())),
               namespace="/live")
        sio.on("snapshot", lambda d: ready.append(i), namespace="/live")
        for attempt in range(5):
            try:
                sio.connect(url, namespaces=["/live"], transports=["websocket"], wait_timeout=30)
                break
            except Exception:
                gevent.sleep(0.5 + attempt)
        else:
            return
        sio.emit("subscribe", {"room": "display"}, namespace="/live")
        clients.append(sio)

    clients: list = []
    for start in range(0, count, 25):  # connect in small waves
        gevent.joinall([gevent.spawn(one, i) for i in range(start, min(count, start + 25))])
    deadline = time.time() + 30
    while len(ready) < len(clients) and time.time() < deadline:
        gevent.sleep(0.1)
    print(json.dumps({"ready": len(ready)}), flush=True)
    import select  # patched by gevent: waiting on stdin lets the clients' greenlets run

    select.select([sys.stdin], [], [])
    sys.stdin.readline()  # the driver says when the calls are over
    print(json.dumps({"received": received}), flush=True)
    os._exit(0)  # the server drops the sockets; a polite disconnect of each is slow


# --- driver side --------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def run_scenario(name: str, servers, clients: int, calls: int, workers: int,
                 interval: float) -> dict:
    import requests

    from tests.live.servers import token

    urls = [s.url for s in servers]
    procs = []
    per = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    for i, n in enumerate(per):
        # each worker spreads its clients over all servers, offset so the split is even
        order = urls[i % len(urls):] + urls[:i % len(urls)]
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", ",".join(order), str(n)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    ready = sum(json.loads(p.stdout.readline())["ready"] for p in procs)
    base = servers[0].url
    for _ in range(calls):
        res = requests.post(base + "/api/v1/tickets", json={"category": "A"}, timeout=10)
        res.raise_for_status()
    headers = {"Authorization": f"Bearer {token(base, 'clerk1')}"}
    answered: dict[str, float] = {}
    for i in range(calls):
        url = urls[i % len(urls)]
        res = requests.post(url + "/api/v1/windows/1/call-next", headers=headers, timeout=10)
        answered[res.json()["number"]] = time.time()
        time.sleep(interval)
    time.sleep(3)
    received = []
    for p in procs:
        p.stdin.write("done\n")
        p.stdin.flush()
        received.extend(json.loads(p.stdout.readline())["received"])
        p.wait(30)
    latencies = [max(0.0, (t - answered[n]) * 1000) for n, t in received if n in answered]
    expected = ready * calls
    return {"scenario": name, "clients": ready, "calls": calls,
            "delivered": len(latencies), "expected": expected,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between two calls (a busy hall calls every few seconds)")
    parser.add_argument("--skip-redis", action="store_true")
    args = parser.parse_args()

    from tests.live.servers import REDIS_URL, ServerProcess, redis_unreachable, seed_database

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        db_url = seed_database(tmp / "one.db")
        server = ServerProcess(db_url, None, tmp / "one.log").wait_ready()
        try:
            rows.append(run_scenario("1 process (gevent)", [server], args.clients, args.calls,
                                     args.workers, args.interval))
        finally:
            server.stop()
        reason = redis_unreachable()
        if args.skip_redis or reason:
            print(f"(two-process run skipped: {reason or '--skip-redis'})")
        else:
            db_url = seed_database(tmp / "two.db")
            pair = [ServerProcess(db_url, REDIS_URL, tmp / f"two{i}.log") for i in (0, 1)]
            try:
                for s in pair:
                    s.wait_ready()
                rows.append(run_scenario("2 processes + Redis", pair, args.clients, args.calls,
                                         args.workers, args.interval))
            finally:
                for s in pair:
                    s.stop()
    print()
    print(f"{'scenario':<22} {'clients':>7} {'calls':>5} {'delivered/expected':>20} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for r in rows:
        print(f"{r['scenario']:<22} {r['clients']:>7} {r['calls']:>5} "
              f"{str(r['delivered']) + '/' + str(r['expected']):>20} "
              f"{r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f}")
    print(f"(machine: {os.cpu_count()} cores; clients in worker processes, websocket transport)")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        worker(sys.argv[i + 1].split(","), int(sys.argv[i + 2]))
    else:
        main()
