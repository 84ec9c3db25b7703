"""Live screens: the Socket.IO namespace /live (handlers.py), room snapshots
(snapshots.py), per-room event sequence numbers (sequence.py), the lobby notice
(models.py, services.py), voice (voice.py), the printed slip (slip.py), the pages
(views.py) and their API (api.py)."""

from __future__ import annotations

from .snapshots import window_staff  # noqa: F401


def init_app(app) -> None:
    import os

    from ..events import emit_hooks
    from ..extensions import socketio
    from . import api, fanout, handlers, views
    from .sequence import emit_with_seq

    # one send() per client per batch of events (fanout.py); LIVE_COALESCE_SENDS=0 turns it
    # off (bench/live.py compares the two)
    if str(app.config.get("LIVE_COALESCE_SENDS",
                          os.environ.get("LIVE_COALESCE_SENDS", "1"))) != "0":
        fanout.install(socketio)

    if emit_with_seq not in emit_hooks:
        emit_hooks.append(emit_with_seq)
    handlers.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
