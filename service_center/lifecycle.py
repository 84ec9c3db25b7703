"""The one door for changes of state: check the transition table, stamp
`<state>_at` / `<state>_by_id`, write the audit record."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .audit import record
from .db import utcnow
from .errors import InvalidTransition


def allowed(table: dict, current: str, new: str) -> bool:
    for state, following in table.items():
        if state == current:
            return new in following
    return False


def transition_to(obj: Any, table: dict, new: str, *, by=None, entity_type: str,
                  action: str | None = None, details: dict | None = None) -> str:
    current = obj.status
    if not allowed(table, current, new):
        raise InvalidTransition(
            _("Cannot go from %(current)s to %(new)s.", current=current, new=new),
            details={"from": str(current), "to": str(new)})
    now = utcnow()
    new = str(new)
    obj.status = new
    if hasattr(obj, f"{new}_at"):
        setattr(obj, f"{new}_at", now)
    if by is not None and hasattr(obj, f"{new}_by_id"):
        setattr(obj, f"{new}_by_id", by.id)
    record(action or new, entity_type, obj.id, actor=by, from_state=str(current), to_state=new,
           details=details)
    return str(current)
