"""The production-grade single-process server behind `flask serve`: gevent, with
websockets through simple-websocket. Run as `python -m service_center.server`.

SIGTERM (systemd's stop, deploy/systemd/onewindow@.service) or SIGINT stops it gracefully:
it stops accepting, closes its Socket.IO clients (they reconnect elsewhere), lets the
requests in flight finish for up to GRACEFUL_TIMEOUT seconds, and exits 0."""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

log = logging.getLogger("service_center.server")


def load_app(spec: str):
    """`module:attribute`, like gunicorn's application argument."""
    module, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module), attribute or "app")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="OneWindow server (gevent)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--app", default="service_center.wsgi:app",
                        help="the WSGI application as module:attribute")
    args = parser.parse_args(argv)
    # psycopg 3 waits cooperatively under gevent once the standard library is patched;
    # service_center.wsgi sets Socket.IO's async mode to gevent for the same reason.
    app = load_app(args.app)
    from .runtime import InFlight, close_socket_clients, start_background

    start_background(app)
    in_flight = InFlight(app)
    server = WSGIServer((args.host, args.port), in_flight, spawn=Pool(), log=None,
                        error_log=log)
    graceful = float(app.config.get("GRACEFUL_TIMEOUT", 20))
    stopped = Event()

    def shutdown():
        log.info("stopping: no new connections; %d request(s) in flight", in_flight.count)
        server.close()
        close_socket_clients()
        deadline = time.monotonic() + graceful
        while in_flight.count and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if in_flight.count:
            log.warning("%d request(s) still running after %ss: closing them",
                        in_flight.count, graceful)
        server.stop(timeout=1)  # idle keep-alive connections, and whatever overran
        stopped.set()

    def on_signal(*_):
        if not getattr(on_signal, "seen", False):
            on_signal.seen = True
            gevent.spawn(shutdown)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    log.info("OneWindow serving on http://%s:%s", args.host, args.port)
    print(f"OneWindow serving on http://{args.host}:{args.port}", flush=True)
    stopped.wait()
    log.info("stopped")


if __name__ == "__main__":
    main()
