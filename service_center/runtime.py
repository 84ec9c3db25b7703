"""What every server process does around the app, under `python -m service_center.server` and
under gunicorn (deploy/gunicorn.conf.py) alike: start the background loops, count the
requests in flight, and at SIGTERM close the Socket.IO clients so that the process can drain
(the screens reconnect at once, through nginx to another instance)."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.wsgi import ClosingIterator

log = logging.getLogger(__name__)


def start_background(app: Flask) -> None:
    from .notifications.services import start_delivery_loop

    start_delivery_loop(app)  # retries notifications whose delivery failed


def close_socket_clients() -> int:
    """Disconnect every Socket.IO client of this process; answers how many there were."""
    from .extensions import socketio

    server = getattr(socketio, "server", None)
    if server is None:
        return 0
    count = len(server.eio.sockets)
    server.eio.disconnect()  # all of them; pending long-polls return at once
    log.info("closed %d Socket.IO connection(s) for shutdown", count)
    return count


class InFlight:
    """WSGI middleware counting the requests being answered (a streamed body counts until
    it is closed), so that a stopping server knows when its last one is done."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.count = 0

    def __call__(self, environ, start_response):
        self.count += 1
        try:
            result = self.wsgi_app(environ, start_response)
        except BaseException:
            self.count -= 1
            raise
        return ClosingIterator(result, self._done)

    def _done(self) -> None:
        self.count -= 1
