"""Call → screen latency (QUALITY.md): N Socket.IO clients (websocket transport)
subscribed to the lobby room, K call-next operations over HTTP; delivered/expected and
p50/p99 from the HTTP answer to receipt. First one `flask serve` process (gevent, no
message queue), then two processes sharing the Redis message queue with the clients
split across them (calls alternate between the two); before them, in the same run, the
baseline: bench/live_baseline.py, a bare Flask-SocketIO server sending the same events.
Prints a table.

    python bench/live.py [--clients 500] [--calls 50] [--workers 2] [--interval 0.5]
                         [--client raw|socketio] [--skip-single] [--skip-redis]
                         [--skip-baseline]

The clients run in worker processes (gevent, one greenlet per client) so that the
measuring side does not become the bottleneck; all use the same wall clock. By default
each client is a minimal websocket Socket.IO client (handshake, pong, subscribe, receipt
times); `--client socketio` uses python-socketio's client, which on the same machine
takes about twice the server's CPU and so measures the load generator as much as the
server. The table gives the CPU of the servers and of the client workers during the calls. A receipt
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
def worker(urls: list[str], count: int, kind: str) -> None:
    received: list = []
    ready: list = []
    clients: list = []
    connect = _raw_client if kind == "raw" else _socketio_client
    import gevent

    for start in range(0, count, 25):  # connect in small waves
        gevent.joinall([gevent.spawn(connect, urls[i % len(urls)], i, received, ready, clients)
                        for i in range(start, min(count, start + 25))])
    deadline = time.time() + 30
    while len(ready) < len(clients) and time.time() < deadline:
        gevent.sleep(0.1)
    print(json.dumps({"ready": len(ready)}), flush=True)
    import select  # patched by gevent: waiting on stdin lets the clients' greenlets run

    select.select([sys.stdin], [], [])
    sys.stdin.readline()  # the driver says when the calls are over
    print(json.dumps({"received": received}), flush=True)
    os._exit(0)  # the server drops the sockets; a polite disconnect of each is slow


def _socketio_client(url, i, received, ready, clients) -> None:
    """The python-socketio client (measured: its workers took twice the server's CPU)."""
    import gevent
    import socketio

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


_CALLED = b'42/live,["ticket_called",'


def _raw_client(url, i, received, ready, clients) -> None:
    """A minimal Socket.IO-over-websocket client (Engine.IO 4): the handshake, pong to the
    server's pings, `subscribe`, and the receipt time of every `ticket_called` - no more,
    so that 500 of them cost the machine little next to the server they measure."""
    import base64
    import socket
    import struct
    import zlib

    import gevent

    host, _, port = url.split("//", 1)[1].partition(":")
    for attempt in range(5):
        try:
            sock = socket.create_connection((host, int(port)), timeout=30)
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                          f"Host: {host}:{port}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                          f"Sec-WebSocket-Version: 13\r\n"  # and compression, as browsers ask
                          f"Sec-WebSocket-Extensions: permessage-deflate; "
                          f"client_max_window_bits\r\n\r\n").encode())
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("closed during the handshake")
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                raise ConnectionError(head[:80])
            break
        except Exception:
            gevent.sleep(0.5 + attempt)
    else:
        return
    sock.settimeout(None)

    def send(text: str) -> None:  # a masked text frame (clients must mask)
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81, 0x80 | n]) if n < 126 else struct.pack("!BBH", 0x81, 0xFE, n)
        masked = bytes(b ^ mask[j % 4] for j, b in enumerate(data))
        sock.sendall(header + mask + masked)

    clients.append(sock)
    inflate = zlib.decompressobj(-15) if b"permessage-deflate" in head.lower() else None
    gevent.spawn(_raw_reader, sock, buf, send, inflate, i, received, ready)


def _raw_reader(sock, buf: bytes, send, inflate, i, received, ready) -> None:
    import struct

    while True:
        while True:  # every complete frame in the buffer
            if len(buf) < 2:
                break
            compressed = bool(buf[0] & 0x40)  # RSV1: a permessage-deflate frame
            n, at = buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, at = struct.unpack_from("!H", buf, 2)[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, at = struct.unpack_from("!Q", buf, 2)[0], 10
            if len(buf) < at + n:
                break
            opcode, message, buf = buf[0] & 0x0F, buf[at:at + n], buf[at + n:]
            if inflate is not None and compressed and opcode == 1:
                message = inflate.decompress(message + b"\x00\x00\xff\xff")
            if opcode == 8:
                return
            if opcode != 1:
                continue
            if message.startswith(_CALLED):
                received.append((json.loads(message[8:])[1]["number"], time.time()))
            elif message == b"2":
                send("3")
            elif message.startswith(b"0{"):
                send("40/live,")
            elif message.startswith(b"40/live,"):
                send('42/live,["subscribe",{"room":"display"}]')
            elif message.startswith(b'42/live,["snapshot",'):
                ready.append(i)
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk


# --- driver side --------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def run_scenario(name: str, servers, clients: int, calls: int, workers: int,
                 interval: float, kind: str) -> dict:
    import requests

    from tests.live.servers import token

    urls = [s.url for s in servers]
    procs = []
    per = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    for i, n in enumerate(per):
        # each worker spreads its clients over all servers, offset so the split is even
        order = urls[i % len(urls):] + urls[:i % len(urls)]
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", ",".join(order), str(n), kind],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT))
    ready = sum(json.loads(p.stdout.readline())["ready"] for p in procs)
    base = servers[0].url
    for _ in range(calls):
        res = requests.post(base + "/api/v1/tickets", json={"category": "A"}, timeout=10)
        res.raise_for_status()
    headers = {"Authorization": f"Bearer {token(base, 'clerk1')}"}
    answered: dict[str, float] = {}
    time.sleep(1)
    # a profiler can attach to these processes now (and detach at "calls: end")
    print(f"calls: start servers={','.join(str(s.proc.pid) for s in servers)} "
          f"workers={','.join(str(p.pid) for p in procs)}", file=sys.stderr, flush=True)
    cpu_before = ([cpu_seconds(s.proc.pid) for s in servers], [cpu_seconds(p.pid) for p in procs])
    started = time.monotonic()
    for i in range(calls):
        url = urls[i % len(urls)]
        res = requests.post(url + "/api/v1/windows/1/call-next", headers=headers, timeout=10)
        answered[res.json()["number"]] = time.time()
        time.sleep(interval)
    time.sleep(2)
    elapsed = time.monotonic() - started
    server_cpu = sum(cpu_seconds(s.proc.pid) for s in servers) - sum(cpu_before[0])
    client_cpu = sum(cpu_seconds(p.pid) for p in procs) - sum(cpu_before[1])
    print("calls: end", file=sys.stderr, flush=True)
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
            "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan")),
            "server_cpu": 100 * server_cpu / elapsed, "client_cpu": 100 * client_cpu / elapsed,
            "server_ms_call": 1000 * server_cpu / calls, "load": os.getloadavg()[0]}


class BaselineProcess:
    """bench/live_baseline.py on a free port (same interface as tests.live.servers'
    ServerProcess for run_scenario: url, proc, stop)."""

    def __init__(self, log_path: Path):
        import requests

        from tests.live.servers import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "live_baseline.py"), "--port", str(self.port)],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the baseline server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5,
                        help="seconds between two calls (a busy hall calls every few seconds)")
    parser.add_argument("--skip-redis", action="store_true")
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="without the bare Flask-SocketIO server of the same run")
    parser.add_argument("--client", choices=("raw", "socketio"), default="raw",
                        help="raw: a minimal websocket client (default); socketio: the "
                             "python-socketio client, whose CPU competes with the server")
    args = parser.parse_args()

    from tests.live.servers import REDIS_URL, ServerProcess, redis_unreachable, seed_database

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_baseline:
            base_server = BaselineProcess(tmp / "baseline.log")
            try:
                rows.append(run_scenario("baseline (bare)", [base_server], args.clients,
                                         args.calls, args.workers, args.interval, args.client))
            finally:
                base_server.stop()
        db_url = seed_database(tmp / "one.db")
        if not args.skip_single:
            server = ServerProcess(db_url, None, tmp / "one.log").wait_ready()
            try:
                rows.append(run_scenario("1 process (gevent)", [server], args.clients,
                                         args.calls, args.workers, args.interval, args.client))
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
                                         args.workers, args.interval, args.client))
            finally:
                for s in pair:
                    s.stop()
    print()
    print(f"{'scenario':<22} {'clients':>7} {'calls':>5} {'delivered/expected':>20} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'server CPU':>10} {'ms/call':>8} "
          f"{'client CPU':>10} {'load':>5}")
    for r in rows:
        print(f"{r['scenario']:<22} {r['clients']:>7} {r['calls']:>5} "
              f"{str(r['delivered']) + '/' + str(r['expected']):>20} "
              f"{r['p50']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f} {r['server_cpu']:>9.0f}% "
              f"{r['server_ms_call']:>8.1f} {r['client_cpu']:>9.0f}% {r['load']:>5.1f}")
    base = next((r for r in rows if r["scenario"].startswith("baseline")), None)
    if base and base["p99"] > 0:
        for r in rows:
            if r is not base:
                print(f"p99 {r['scenario']} / baseline: {r['p99'] / base['p99']:.2f}")
    print("baseline: bench/live_baseline.py, a bare Flask-SocketIO gevent server sending the "
          "same three events per call, no database (stock Engine.IO writers)")
    print(f"(machine: {os.cpu_count()} cores; {args.client} clients in {args.workers} worker "
          f"processes, websocket transport; CPU: % of one core during the calls, all servers "
          f"/ all client workers; load: 1-minute load average at the end)")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        i = sys.argv.index("--worker")
        worker(sys.argv[i + 1].split(","), int(sys.argv[i + 2]), sys.argv[i + 3])
    else:
        main()
