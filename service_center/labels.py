"""People's words for the states stored as codes (one place, so every page and document
shows a status the same way in both languages)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    # tickets
    "waiting": _l("waiting"),
    "called": _l("called"),
    "serving": _l("serving"),
    "no_show": _l("no-show"),
    "cancelled": _l("cancelled"),
    # windows
    "open": _l("open"),
    "paused": _l("paused"),
    "closed": _l("closed"),
    # cases and department steps
    "awaiting_materials": _l("awaiting materials"),
    "in_progress": _l("in progress"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "refused": _l("refused"),
    "withdrawn": _l("withdrawn"),
    "completed": _l("completed"),
    "pending": _l("pending"),
    "active": _l("active"),
    "returned": _l("returned"),
    # complaints and rectifications
    "received": _l("received"),
    "assigned": _l("assigned"),
    "resolved": _l("resolved"),
}


def status_label(status: str | None) -> str:
    if status is None:
        return ""
    label = STATUS_LABELS.get(str(status))
    return str(label) if label is not None else str(status).replace("_", " ")


def init_app(app) -> None:
    app.jinja_env.filters["status_label"] = status_label
