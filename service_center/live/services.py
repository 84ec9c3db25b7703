"""Live-layer operations: the lobby notice (one transaction each, audited, the change
reaching the screens after commit)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import record
from ..catalog.models import Hall
from ..db import transactional
from ..errors import ValidationError
from ..events import queue_event
from ..extensions import db
from ..queueing.services import display_room
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
