"""Cheaper broadcast to many websocket clients (issue 7, bench/live.py).

A call-next sends three events to the lobby room (ticket_called, window_changed,
queue_changed). Engine.IO gives each client a writer greenlet that takes every packet
queued for it and sends them one by one: one `send()` system call per event per client.
With 500 screens that is 1,500 system calls per call, and py-spy showed them as the
largest single cost of the server (about 30 % of its CPU during the calls; on loopback
the kernel also does the receiving side's TCP work in the sender's call).

`CoalescingWebSocket` replaces Engine.IO's gevent websocket wrapper: while the writer
works through one batch, each message is framed as usual (wsproto, with the client's
permessage-deflate when negotiated) but kept; the batch goes out in one `sendall()`
just before the writer waits for the next one (its `poll()`), or when the socket
closes. Frames, their order and their content are unchanged; only the number of system
calls drops (1,500 to 500 for a call seen by 500 screens).

It relies on two Engine.IO details, checked at install time and at each connection,
falling back to the stock wrapper otherwise: the websocket handler is a bound method of
the Engine.IO socket, and the writer calls that socket's `poll()` before each batch.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def _base():
    try:
        from engineio.async_drivers import gevent as driver
    except ImportError:  # pragma: no cover - gevent is a hard dependency
        return None
    base = driver._async.get("websocket")
    if base is None or getattr(driver, "SimpleWebSocketWSGI", None) is None \
            or not issubclass(base, driver.SimpleWebSocketWSGI):
        return None  # gevent-websocket (never installed here) or an unknown driver
    return base


def _make_class(base):
    from wsproto.events import BytesMessage, TextMessage

    class CoalescingWebSocket(base):
        def __call__(self, environ, start_response):
            self._pending: list[bytes] = []
            self._batching = False
            self._broken = False
            eio_socket = getattr(self.app, "__self__", None)
            poll = getattr(eio_socket, "poll", None)
            if callable(poll):
                def batched_poll():
                    self._flush()
                    if self._broken:
                        return []  # the writer takes an empty batch as "closed" and exits
                    packets = poll()  # blocks until the next batch
                    self._batching = True
                    return packets

                eio_socket.poll = batched_poll  # this connection's socket only
            try:
                return super().__call__(environ, start_response)
            finally:
                if eio_socket is not None and "poll" in vars(eio_socket):
                    del eio_socket.poll

        def send(self, message):
            if not self._batching:
                return super().send(message)
            ws = self.ws
            if not ws.connected or self._broken:
                raise OSError("websocket closed")
            event = BytesMessage(data=message) if isinstance(message, bytes) \
                else TextMessage(data=str(message))
            self._pending.append(ws.ws.send(event))
            return None

        def _flush(self) -> None:
            self._batching = False
            if not self._pending:
                return
            data = b"".join(self._pending)
            self._pending = []
            try:
                self.ws.sock.sendall(data)
            except OSError:
                self._broken = True

        def close(self):
            try:
                self._flush()
            finally:
                super().close()

    return CoalescingWebSocket


_class = None


def install(socketio) -> bool:
    """Give this app's Engine.IO server the coalescing wrapper (gevent mode only)."""
    global _class
    eio = getattr(getattr(socketio, "server", None), "eio", None)
    if eio is None or getattr(eio, "async_mode", None) != "gevent":
        return False
    base = _base()
    if base is None:
        return False
    if _class is None:
        _class = _make_class(base)
    # a copy: the driver's dict is shared by every Engine.IO server of the process
    eio._async = {**eio._async, "websocket": _class}
    return True
