"""service_center/live/fanout.py: a writer's batch of events goes out in one sendall(), with
the same frames, in the same order, as Engine.IO's stock wrapper would send one by one."""

from __future__ import annotations

from wsproto.connection import Connection, ConnectionType
from wsproto.events import TextMessage

from service_center.live import fanout


class FakeSock:
    def __init__(self):
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(data)

    send = sendall


class FakeServerWs:  # what simple_websocket.Server offers the wrapper
    def __init__(self):
        self.ws = Connection(ConnectionType.SERVER)
        self.sock = FakeSock()
        self.connected = True

    def send(self, data):
        self.sock.send(self.ws.send(TextMessage(data=str(data))))

    def close(self):
        self.connected = False


class FakeEioSocket:
    def __init__(self, batches):
        self.batches = list(batches)

    def poll(self):
        return self.batches.pop(0) if self.batches else []

    def handler(self, ws):  # Engine.IO's writer loop, reduced to what the wrapper relies on
        while True:
            packets = self.poll()
            if not packets:
                break
            for text in packets:
                ws.send(text)
        ws.close()
        return []


def _framed(*texts):
    conn = Connection(ConnectionType.SERVER)
    return b"".join(conn.send(TextMessage(data=t)) for t in texts)


def test_one_sendall_per_batch_with_identical_frames(monkeypatch):
    base = fanout._base()
    assert base is not None  # the gevent driver with simple-websocket, as deployed
    cls = fanout._make_class(base)
    fake = FakeServerWs()
    monkeypatch.setattr(base, "__call__", lambda self, environ, start_response: (
        setattr(self, "ws", fake), self.app(self))[1])
    eio = FakeEioSocket([['42/live,["ticket_called",{}]', '42/live,["window_changed",{}]',
                          '42/live,["queue_changed",{}]'], ['3']])
    wrapper = cls(eio.handler, None)
    wrapper({}, None)
    assert fake.sock.writes == [
        _framed('42/live,["ticket_called",{}]', '42/live,["window_changed",{}]',
                '42/live,["queue_changed",{}]'),
        _framed("3"),
    ]
    assert "poll" not in vars(eio)  # the connection's patch is removed when it ends


def test_installed_only_for_gevent(app):
    from service_center.extensions import socketio

    assert app.config["SOCKETIO_ASYNC_MODE"] == "threading"
    assert fanout.install(socketio) is False
