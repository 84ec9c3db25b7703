"""The screens: lobby display, window display, the applicant's live ticket page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from ..catalog.services import center, localized_name, resolve_hall, window_by_number
from ..errors import NotFound
from ..queueing import services as q
from . import voice
from .snapshots import DisplayFilter

bp = Blueprint("live", __name__)

# Rules under which a ratings page may exist once ratings land; linked only if present.
_RATING_RULES = ("/t/<token>/rate", "/rate/<token>")


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("1", "true", "yes", "on")


def _repeat() -> int:
    raw = request.args.get("repeat", "2")
    return min(5, max(1, int(raw))) if raw.isdigit() and len(raw) < 3 else 2


def _center_name(hall) -> str:
    the_center = center()
    return localized_name(the_center) if the_center else localized_name(hall)


@bp.get("/display")
def display():
    hall = resolve_hall(request.args.get("hall"))
    flt = DisplayFilter.parse(request.args.get("categories", ""), request.args.get("windows", ""))
    config = {
        "hall": hall.code,
        "filter": flt.as_json(),
        "speaker": _flag("speaker"),
        "repeat": _repeat(),
        "voice_en": _flag("voice_en"),
        "templates": voice.TEMPLATES,
        "chime": url_for("static", filename="audio/chime.wav"),
        "silence": url_for("static", filename="audio/silence.wav"),
        "voice_url": url_for("live_api.voice_wav"),
    }
    return render_template("live/display.html", hall=hall, center_name=_center_name(hall),
                           config=config, show_hall=not hall.is_main)


@bp.get("/display/window/<int:number>")
def window_display(number: int):
    hall = resolve_hall(request.args.get("hall"))
    window = window_by_number(hall, number)
    if window is None:
        raise NotFound(code="unknown_window")
    return render_template("live/window.html", hall=hall, window=window,
                           center_name=_center_name(hall),
                           config={"hall": hall.code, "window": window.number})


def _rating_url(token: str) -> str | None:
    for rule in current_app.url_map.iter_rules():
        if rule.rule in _RATING_RULES:
            return url_for(rule.endpoint, token=token)
    return None


@bp.get("/t/<token>")
def ticket_page(token: str):
    ticket = q.ticket_by_token(token)
    return render_template("live/ticket.html", ticket=ticket, hall=ticket.hall,
                           data=q.ticket_json(ticket), rating_url=_rating_url(token),
                           config={"token": token, "hall": ticket.hall.code,
                                   "chime": url_for("static", filename="audio/chime.wav")})
