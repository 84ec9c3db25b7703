"""Live screens: the Socket.IO namespace /live (handlers.py), room snapshots
(snapshots.py), per-room event sequence numbers (sequence.py), the lobby notice
(models.py, services.py), voice (voice.py), the printed slip (slip.py), the pages
(views.py) and their API (api.py)."""

from __future__ import annotations

from .snapshots import window_staff  # noqa: F401


def init_app(app) -> None:
    from ..events import emit_hooks
    from . import api, handlers, views
    from .sequence import emit_with_seq

    if emit_with_seq not in emit_hooks:
        emit_hooks.append(emit_with_seq)
    handlers.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
