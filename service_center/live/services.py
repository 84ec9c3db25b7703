"""Live-layer operations: the lobby notice (one transaction each, audited, the change
reaching the screens after commit), and the printed slips' record (issue 3: every slip
print request and every reported print result is an audit row of the ticket, so the
console can show "printed / not printed / failed" and offer a reprint)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import AuditEvent, record
from ..catalog.models import Hall
from ..db import reset_read_only, set_read_only, transactional
from ..errors import ValidationError
from ..events import queue_event
from ..extensions import db
from ..queueing.models import Ticket
from ..queueing.services import display_room, iso
from .models import HallNotice

NOTICE_MAX = 500


def notice_text(hall: Hall) -> str:
    row = db.session.execute(
        select(HallNotice).where(HallNotice.hall_id == hall.id)).scalar_one_or_none()
    return row.text if row else ""


@transactional()
def set_notice(*, hall: Hall, text: str, actor) -> str:
    cleaned = " ".join(text.split())  # one line on a ticker: no newlines or runs of spaces
    if len(cleaned) > NOTICE_MAX:
        raise ValidationError(_("Some values are not valid."), details={
            "text": _("At most %(n)d characters.", n=NOTICE_MAX)})
    row = db.session.execute(
        select(HallNotice).where(HallNotice.hall_id == hall.id)).scalar_one_or_none()
    before = row.text if row else ""
    if row is None:
        row = HallNotice(hall_id=hall.id, text=cleaned)
        db.session.add(row)
    row.text = cleaned
    row.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("notice_set", "hall", hall.id, actor=actor,
           details={"hall": hall.code, "from": before, "to": cleaned})
    queue_event(db.session, "notice_changed", {"hall": hall.code, "text": cleaned},
                display_room(hall))
    return cleaned


# --- printed slips -----------------------------------------------------------------------------
SLIP_PRINTED = "slip_printed"            # the slip PDF was handed out for printing
SLIP_PRINT_RESULT = "slip_print_result"  # a printer's (kiosk's) report: result ok | failed


@transactional()
def _record_slip(ticket_id: int, number: str, via: str, actor) -> None:
    record(SLIP_PRINTED, "ticket", ticket_id, actor=actor,
           details={"number": number, "via": via})


def record_slip_print(*, ticket: Ticket, via: str, actor=None) -> None:
    """Record one print request of a slip. Called from the GET that serves the PDF: its read
    transaction ends first, and the record is written in a write transaction of its own."""
    ticket_id, number = ticket.id, ticket.number
    db.session.rollback()
    token = set_read_only(False)
    try:
        _record_slip(ticket_id, number, via, actor)
    finally:
        reset_read_only(token)


@transactional()
def record_print_result(*, ticket: Ticket, ok: bool, error: str | None) -> dict:
    """The kiosk reports whether its print worked (a failure is what staff must see)."""
    record(SLIP_PRINT_RESULT, "ticket", ticket.id, actor=None, result="ok" if ok else "failed",
           details={"number": ticket.number, "error": None if ok else (error or None)})
    db.session.flush()
    return slip_state(ticket)


def slip_state(ticket: Ticket) -> dict:
    """{state: not_printed | printed | failed, prints, last_at, error}: from the ticket's
    slip records in order; a failure reported after the last print request wins."""
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.result, AuditEvent.at, AuditEvent.details)
        .where(AuditEvent.entity_type == "ticket", AuditEvent.entity_id == str(ticket.id),
               AuditEvent.action.in_((SLIP_PRINTED, SLIP_PRINT_RESULT)))
        .order_by(AuditEvent.id)).all()
    state, prints, last_at, error = "not_printed", 0, None, None
    for action, result, at, details in rows:
        last_at = at
        if action == SLIP_PRINTED:
            prints += 1
            state, error = "printed", None
        elif result == "failed":
            state, error = "failed", (details or {}).get("error")
        else:
            state, error = "printed", None
    return {"state": state, "prints": prints, "last_at": iso(last_at), "error": error}
