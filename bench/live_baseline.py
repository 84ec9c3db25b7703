"""The baseline of bench/live.py, run in the same run: a bare Flask-SocketIO server in the
app's server mode (gevent WSGIServer, simple-websocket, stock Engine.IO) speaking the same
protocol to the same clients — namespace /live, `subscribe` answered with a `snapshot`,
and per call-next the same three lobby events (ticket_called, window_changed,
queue_changed) — with no database, no authentication, no sequence numbers, no snapshots.
What a screen's latency costs on this stack before any of the product's work.

    python bench/live_baseline.py --port 5099
"""

import os.path
import sys

# bench/ holds queue.py: keep it off the path, or it would shadow the standard library's
sys.path[:] = [p for p in sys.path
               if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

from gevent import monkey  # noqa: E402

monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402

from flask import Flask, jsonify  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent", cors_allowed_origins="*")
numbers = itertools.count(1)


@socketio.on("subscribe", namespace="/live")
def subscribe(data):
    room = (data or {}).get("room", "display")
    join_room(room)
    emit("snapshot", {"room": room, "recent_calls": [], "windows": []})


@app.post("/api/v1/auth/token")
def auth_token():
    return jsonify({"token": "baseline"})


@app.post("/api/v1/tickets")
def issue():
    return jsonify({"number": "A000"}), 201


@app.post("/api/v1/windows/<int:number>/call-next")
def call_next(number: int):
    ticket = f"A{next(numbers):03d}"
    called = {"number": ticket, "window_number": number, "window_name": "综合受理一号窗",
              "category": "A"}
    socketio.emit("ticket_called", called, to="display", namespace="/live")
    socketio.emit("window_changed", {"window_number": number, "status": "serving",
                                     "current": called}, to="display", namespace="/live")
    socketio.emit("queue_changed", {"waiting": {"A": 10}, "estimated_wait_minutes": {"A": 5}},
                  to="display", namespace="/live")
    return jsonify(called)


@app.get("/healthz")
def health():
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    print(f"baseline serving on http://127.0.0.1:{port}", flush=True)
    WSGIServer(("127.0.0.1", port), app, log=None).serve_forever()
