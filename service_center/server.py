"""The production-grade single-process server behind `flask serve`: gevent, with
websockets through simple-websocket. Run as `python -m service_center.server`."""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402

import gevent  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="OneWindow server (gevent)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ["SOCKETIO_ASYNC_MODE"] = "gevent"
    # psycopg 3 waits cooperatively under gevent once the standard library is patched.
    from . import create_app
    from .extensions import socketio

    app = create_app()
    from .notifications.services import start_delivery_loop

    start_delivery_loop(app)  # retries notifications whose delivery failed
    app.logger.info("OneWindow serving on http://%s:%s", args.host, args.port)
    print(f"OneWindow serving on http://{args.host}:{args.port}", flush=True)

    def stop(*_):
        gevent.spawn(socketio.stop)

    signal.signal(signal.SIGTERM, stop)
    socketio.run(app, host=args.host, port=args.port, debug=False, use_reloader=False,
                 log_output=False)


if __name__ == "__main__":
    main()
