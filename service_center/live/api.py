"""Live-layer endpoints under /api/v1: the lobby notice, announcement audio, the slip."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import Fields, json_body
from ..auth.permissions import authorize, login_required
from ..catalog.services import (
    category_by_prefix,
    local_now,
    localized_name,
    resolve_hall,
    window_by_number,
)
from ..catalog.services import center as the_center
from ..errors import DomainError, NotFound, ValidationError
from ..extensions import db, limiter
from ..queueing import services as q
from ..queueing.models import Ticket
from . import services, slip, voice

bp = Blueprint("live_api", __name__, url_prefix="/api/v1")


class VoiceUnavailableError(DomainError):
    status = 503
    code = "voice_unavailable"


@bp.post("/display/notice")
@login_required
def set_notice():
    body = json_body()
    fields = Fields(body)
    code = fields.string("hall", max_len=20)
    text = fields.string("text", max_len=services.NOTICE_MAX, default="")
    if "text" not in body:
        fields.errors["text"] = _("This field is required.")
    fields.check()
    hall = resolve_hall(code)
    authorize("display.notice", hall, entity_type="hall", entity_id=hall.id)
    saved = services.set_notice(hall=hall, text=text or "", actor=current_user)
    return jsonify({"hall": hall.code, "text": saved})


@bp.get("/display/notice")
def get_notice():
    hall = resolve_hall(request.args.get("hall"))
    return jsonify({"hall": hall.code, "text": services.notice_text(hall)})


@bp.get("/voice.wav")
@limiter.limit("120 per minute")
def voice_wav():
    """Only an announcement of the template: a ticket number of one of the hall's
    categories and one of its windows, never free text."""
    hall = resolve_hall(request.args.get("hall"))
    number = (request.args.get("number") or "").strip().upper()
    window_arg = (request.args.get("window") or "").strip()
    lang = request.args.get("lang") or "zh"
    errors = {}
    if lang not in voice.LANGS:
        errors["lang"] = _("Must be one of: %(choices)s.", choices=", ".join(voice.LANGS))
    match = voice.NUMBER_RE.match(number)
    prefix = number.rstrip("0123456789")
    if not match or category_by_prefix(hall, prefix) is None:
        errors["number"] = _("Must be a ticket number of this hall.")
    if not window_arg.isdigit() or len(window_arg) > 6 or \
            window_by_number(hall, int(window_arg)) is None:
        errors["window"] = _("Must be a window of this hall.")
    if errors:
        raise ValidationError(_("Some values are not valid."), details=errors)
    try:
        path = voice.synthesize(number, int(window_arg), lang)
    except voice.VoiceUnavailable as exc:
        current_app.logger.warning("voice synthesis unavailable: %s", exc)
        raise VoiceUnavailableError(_("Speech synthesis is not available on this server."),
                                    code="voice_unavailable") from exc
    return send_file(path, mimetype="audio/wav", max_age=86400)


def _may_print(ticket: Ticket) -> None:
    """The kiosk holds the ticket's token; staff of the ticket's hall may reprint."""
    token = request.args.get("token")
    if token is not None:
        if token != ticket.token:
            raise NotFound(_("No such ticket."))
        return
    authorize("queue.view", ticket.hall, entity_type="ticket", entity_id=ticket.id)


@bp.get("/tickets/<int:ticket_id>/slip.pdf")
def ticket_slip(ticket_id: int):
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("No such ticket."))
    _may_print(ticket)
    position = q.ticket_position(ticket)
    ahead = max(0, position - 1)
    wait = q.estimate_wait_minutes(ticket.hall, ticket.category, ahead) if position else 0
    center = the_center()
    data = slip.SlipData(
        center=localized_name(center) if center else localized_name(ticket.hall),
        number=ticket.number,
        category=localized_name(ticket.category),
        ahead=ahead,
        wait_minutes=wait,
        issued_at=local_now(ticket.issued_at).strftime("%Y-%m-%d %H:%M"),
        url=url_for("live.ticket_page", token=ticket.token, _external=True),
        labels={"ahead": _("People ahead of you"), "wait": _("Estimated wait"),
                "minutes": _("min"), "issued": _("Issued"),
                "scan": _("Scan to follow your place in the queue"),
                "footer": _("Please keep this slip until you are called")},
    )
    pdf = slip.render(data)
    by_staff = request.args.get("token") is None
    services.record_slip_print(ticket=ticket, via="staff" if by_staff else "kiosk",
                               actor=current_user if by_staff else None)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="ticket-{ticket.number}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tickets/by-token/<token>/print-result")
@limiter.limit("60 per minute")
def print_result(token: str):
    """The kiosk's report of a print (`{ok: false, error}` when the slip could not be
    fetched or printed), public with the ticket's token like the slip; the window console
    shows it and offers a reprint."""
    ticket = q.ticket_by_token(token)
    body = json_body()
    fields = Fields(body)
    ok = body.get("ok")
    if not isinstance(ok, bool):
        fields.errors["ok"] = _("Must be true or false.")
    error = fields.string("error", max_len=200)
    fields.check()
    return jsonify({"number": ticket.number,
                    "slip": services.record_print_result(ticket=ticket, ok=ok, error=error)})
