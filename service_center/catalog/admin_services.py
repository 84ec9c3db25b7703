"""The administrators' edits of the catalog and of staff accounts. One transaction per
operation; every change is audited with what it was and what it became. The rules are
the catalog file's (importer.py): a form is checked exactly like a file would be."""

from __future__ import annotations

import re
from functools import wraps
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit import record
from ..auth import services as auth_services
from ..auth.models import User
from ..db import transactional
from ..errors import ValidationError
from ..extensions import db
from . import importer
from .importer import CatalogError, _Check
from .models import (
    Center,
    Department,
    FeeItem,
    Hall,
    QueueCategory,
    ServiceItem,
    ServiceItemFee,
    Window,
    WindowCategory,
)
from .services import invalidate_cache


def _service(fn):
    """One transaction; the catalog caches are dropped once it has committed."""
    tx = transactional()(fn)

    @wraps(fn)
    def wrapper(*args, **kwargs):
        result = tx(*args, **kwargs)
        invalidate_cache()
        return result

    return wrapper


# --- problems of the file's validator, as messages next to form fields ---------------------------
_MESSAGES: list[tuple[re.Pattern, Any]] = [
    (re.compile(r"is required"), lambda m: _("This field is required.")),
    (re.compile(r"must be a non-empty string"), lambda m: _("This field is required.")),
    (re.compile(r"is longer than (\d+) characters"),
     lambda m: _("At most %(n)s characters.", n=m[1])),
    (re.compile(r"must be a code of .*"),
     lambda m: _("Use letters, digits, '-', '_' or '.' (at most 40), starting with a letter "
                 "or digit.")),
    (re.compile(r"must be a whole number"), lambda m: _("Enter a whole number.")),
    (re.compile(r"must be between (\d+) and (\d+)"),
     lambda m: _("Enter a number from %(a)s to %(b)s.", a=m[1], b=m[2])),
    (re.compile(r"must be a decimal string in yuan.*"),
     lambda m: _('Enter an amount in yuan such as "25.00" (at most two decimals).')),
    (re.compile(r"must be one or two capital letters"),
     lambda m: _("One or two capital letters, such as A or AB.")),
    (re.compile(r"must look like .*"),
     lambda m: _('Opening hours look like "09:00-11:30", separated by commas.')),
    (re.compile(r"unknown department '?([^']*)'?"),
     lambda m: _("Unknown department %(code)s.", code=m[1])),
    (re.compile(r"unknown queue category '?([^']*)'?"),
     lambda m: _("Unknown queue category %(code)s.", code=m[1])),
    (re.compile(r"unknown fee item '?([^']*)'?"),
     lambda m: _("Unknown fee item %(code)s.", code=m[1])),
    (re.compile(r"lists a category twice"), lambda m: _("A category is listed twice.")),
    (re.compile(r"is more than statutory_days"),
     lambda m: _("The promised time limit cannot be longer than the statutory one.")),
    (re.compile(r"is more than max"), lambda m: _("The minimum is more than the maximum.")),
    (re.compile(r"must be fixed or per_unit"), lambda m: _("Choose fixed or per unit.")),
    (re.compile(r"must be a lower-case identifier"),
     lambda m: _("A parameter name is a lower-case identifier such as area_m2.")),
    (re.compile(r"duplicate parameter (.*)"),
     lambda m: _("The parameter %(name)s is listed twice.", name=m[1])),
    (re.compile(r"must be one of (.*)"), lambda m: _("Choose one of %(values)s.", values=m[1])),
    (re.compile(r"fee (\S+) multiplies parameter '?([^']*)'?, which this item does not have"),
     lambda m: _("The fee %(fee)s multiplies the parameter %(param)s, which this item does "
                 "not have.", fee=m[1], param=m[2])),
    (re.compile(r"a stage needs at least one task"),
     lambda m: _("A stage needs at least one department.")),
]

# which form field a path of the validator belongs to
_SUBFIELDS = {"appointments": ("slot_minutes", "capacity", "hours")}


def problem_message(message: str) -> str:
    """The validator's message in the page's language (the CLI keeps the English original)."""
    for pattern, render in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            return render(match)
    return message


def _field_errors(problems: list[dict], root: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        rest = problem["path"][len(root):].lstrip(".")
        parts = [p for p in re.split(r"[.\[\]]+", rest) if p]
        field = parts[0] if parts else "__all__"
        if field in _SUBFIELDS and len(parts) > 1 and parts[1] in _SUBFIELDS[field]:
            field = parts[1]
        message = problem_message(problem["message"])
        # lines of a multi-line field (materials, parameters, fees, workflow) are numbered
        if len(parts) > 1 and parts[1].isdigit() and field not in ("hours",):
            message = _("Line %(n)s: %(message)s", n=int(parts[1]) + 1, message=message)
        if field in errors:
            errors[field] += " " + message
        else:
            errors[field] = message
    return errors


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(_("Please correct the marked fields."), details=errors)


def _assign(obj, values: dict) -> tuple[dict, dict]:
    """Set changed attributes; return (before, after) of those that changed."""
    before, after = {}, {}
    for key, value in values.items():
        old = getattr(obj, key)
        if old != value:
            before[key], after[key] = old, value
            setattr(obj, key, value)
    return before, after


def _audit(action: str, entity: str, obj, before: dict, after: dict, *, actor,
           from_state: str | None = None, to_state: str | None = None) -> None:
    record(action, entity, obj.id, actor=actor, from_state=from_state, to_state=to_state,
           details={"from": before, "to": after})


def _dept_map() -> dict[str, Department]:
    return {d.code: d for d in db.session.execute(select(Department)).scalars()}


def _exists(model, column, value, *, other_than=None, **where) -> bool:
    query = select(model.id).where(column == value)
    for key, val in where.items():
        query = query.where(getattr(model, key) == val)
    if other_than is not None:
        query = query.where(model.id != other_than.id)
    return db.session.execute(query.limit(1)).first() is not None


# --- departments and halls ---------------------------------------------------------------------
@_service
def save_department(*, data: dict, department: Department | None = None,
                    actor=None) -> Department:
    """Create a department, or rename one (its code never changes: files and fees name it)."""
    chk = _Check({})
    row = dict(data, code=department.code if department else data.get("code"))
    values = importer._code_and_name(chk, row, "d")
    errors = _field_errors(chk.problems, "d")
    if department is None and values["code"] and \
            _exists(Department, Department.code, values["code"]):
        errors["code"] = _("This code is already in use.")
    _refuse(errors)
    if department is None:
        department = Department(**values)
        db.session.add(department)
        db.session.flush()
        _audit("department_created", "department", department, {}, values, actor=actor,
               to_state=department.code)
        return department
    before, after = _assign(department, {"name": values["name"], "name_en": values["name_en"]})
    if after:
        _audit("department_updated", "department", department, before, after, actor=actor,
               from_state=department.code, to_state=department.code)
    return department


@_service
def save_hall(*, data: dict, hall: Hall | None = None, actor=None) -> Hall:
    chk = _Check({})
    values = importer._code_and_name(chk, dict(data), "h")
    errors = _field_errors(chk.problems, "h")
    if values["code"] and _exists(Hall, Hall.code, values["code"], other_than=hall):
        errors["code"] = _("This code is already in use.")
    _refuse(errors)
    if hall is None:
        count, last = db.session.execute(
            select(func.count(Hall.id), func.max(Hall.position))).one()
        hall = Hall(**values, is_main=count == 0, position=(last or 0) + 1 if count else 0)
        db.session.add(hall)
        db.session.flush()
        _audit("hall_created", "hall", hall, {}, values, actor=actor, to_state=hall.code)
        return hall
    old_code = hall.code
    before, after = _assign(hall, values)
    if hall.is_main:
        # in the catalog file the main hall and the center are one: keep them so
        center = db.session.execute(select(Center).order_by(Center.id)).scalars().first()
        if center is not None:
            _assign(center, {"name": values["name"], "name_en": values["name_en"]})
    if after:
        _audit("hall_updated", "hall", hall, before, after, actor=actor, from_state=old_code,
               to_state=hall.code)
    return hall


# --- queue categories and windows --------------------------------------------------------------
def _appointments(data: dict) -> dict | None:
    slot, capacity, hours = data.get("slot_minutes"), data.get("capacity"), data.get("hours")
    if slot is None and capacity is None and not hours:
        return None
    return {"slot_minutes": slot, "capacity": capacity, "hours": list(hours or [])}


@_service
def save_category(*, hall: Hall, data: dict, category: QueueCategory | None = None,
                  actor=None) -> QueueCategory:
    """A queue category of one hall. Its prefix is fixed once created: tickets carry it."""
    chk = _Check({})
    row = {"prefix": category.prefix if category else data.get("prefix"),
           "name": data.get("name"), "name_en": data.get("name_en"),
           "active": bool(data.get("active", True))}
    appointments = _appointments(data)
    if appointments is not None:
        row["appointments"] = appointments
    checked = importer._categories(chk, [row], "c")
    errors = _field_errors(chk.problems, "c[0]")
    if category is None and checked and _exists(QueueCategory, QueueCategory.prefix,
                                                checked[0]["prefix"], hall_id=hall.id):
        errors["prefix"] = _("This hall already has a category with this prefix.")
    _refuse(errors)
    values = checked[0]
    if category is None:
        category = QueueCategory(hall_id=hall.id, **values)
        db.session.add(category)
        db.session.flush()
        _audit("category_created", "queue_category", category, {},
               dict(values, hall=hall.code), actor=actor,
               to_state="active" if category.active else "inactive")
        return category
    state = "active" if category.active else "inactive"
    before, after = _assign(category, {k: values[k] for k in
                                       ("name", "name_en", "appointments", "active")})
    if after:
        _audit("category_updated", "queue_category", category, before, after, actor=actor,
               from_state=state, to_state="active" if category.active else "inactive")
    return category


@_service
def save_window(*, hall: Hall, data: dict, window: Window | None = None, actor=None) -> Window:
    """A window of one hall, with the categories it serves in call-priority order."""
    chk = _Check({})
    cats = {c.prefix: c for c in hall.categories}
    row = {"number": data.get("number"), "name": data.get("name"),
           "name_en": data.get("name_en"), "categories": list(data.get("categories") or [])}
    checked = importer._windows(chk, [row], "w", set(cats))
    errors = _field_errors(chk.problems, "w[0]")
    number = checked[0]["number"] if checked else None
    if number is not None and _exists(Window, Window.number, number, other_than=window,
                                      hall_id=hall.id):
        errors["number"] = _("This hall already has a window with this number.")
    _refuse(errors)
    values = checked[0]
    wanted = values.pop("categories")
    created = window is None
    if created:
        window = Window(hall_id=hall.id, status="closed", **values)
        db.session.add(window)
        db.session.flush()
        before, after = {}, dict(values, hall=hall.code)
        current: list[str] = []
    else:
        before, after = _assign(window, values)
        current = [link.category.prefix for link in window.category_links]
    if current != wanted:
        window.category_links.clear()
        db.session.flush()
        window.category_links.extend(WindowCategory(category_id=cats[p].id, position=i)
                                     for i, p in enumerate(wanted))
        before["categories"], after["categories"] = current, wanted
    if after:
        _audit("window_created" if created else "window_updated", "window", window, before,
               after, actor=actor, from_state=None if created else str(before.get(
                   "number", window.number)), to_state=str(window.number))
    return window


# --- fee items and service items ---------------------------------------------------------------
@_service
def save_fee_item(*, data: dict, fee: FeeItem | None = None, actor=None) -> FeeItem:
    """A fee item; amounts are yuan strings in `data`, integer fen in the table."""
    chk = _Check({})
    row = {k: v for k, v in dict(data, code=fee.code if fee else data.get("code")).items()
           if v not in (None, "")}
    depts = _dept_map()
    checked = importer._fee_item(chk, row, "f", set(depts))
    errors = _field_errors(chk.problems, "f")
    if fee is None and checked["code"] and _exists(FeeItem, FeeItem.code, checked["code"]):
        errors["code"] = _("This code is already in use.")
    if fee is not None and checked["basis"] == "per_unit" and not errors:
        # the items that charge this fee must have the parameter it multiplies
        users = db.session.execute(select(ServiceItem).join(ServiceItemFee).where(
            ServiceItemFee.fee_item_id == fee.id)).scalars()
        lacking = [i.code for i in users
                   if checked["quantity"] not in {p.get("name") for p in i.parameters or []}]
        if lacking:
            errors["quantity"] = _("These service items charge this fee but have no parameter "
                                   "%(param)s: %(items)s.", param=checked["quantity"],
                                   items=", ".join(lacking))
    _refuse(errors)
    values = importer.fee_values(checked, depts)
    if fee is None:
        fee = FeeItem(code=checked["code"], **values)
        db.session.add(fee)
        db.session.flush()
        _audit("fee_item_created", "fee_item", fee, {}, values, actor=actor, to_state=fee.code)
        return fee
    before, after = _assign(fee, values)
    if after:
        _audit("fee_item_updated", "fee_item", fee, before, after, actor=actor,
               from_state=fee.code, to_state=fee.code)
    return fee


@_service
def save_service_item(*, data: dict, item: ServiceItem | None = None,
                      actor=None) -> ServiceItem:
    """A service item with its materials, parameters, fees and workflow; checked by the
    catalog file's rules (known departments, fees' parameters, promised ≤ statutory …)."""
    chk = _Check({})
    row = {k: v for k, v in dict(data, code=item.code if item else data.get("code")).items()
           if v is not None}
    depts = _dept_map()
    fees = {f.code: f for f in db.session.execute(select(FeeItem)).scalars()}
    prefixes = set(db.session.execute(select(QueueCategory.prefix)).scalars())
    checked = importer._service_item(
        chk, row, "s", dept_codes=set(depts), prefixes=prefixes,
        fee_codes={c: {"basis": f.basis, "quantity": f.quantity_param} for c, f in fees.items()})
    errors = _field_errors(chk.problems, "s")
    if item is None and checked["code"] and _exists(ServiceItem, ServiceItem.code,
                                                    checked["code"]):
        errors["code"] = _("This code is already in use.")
    _refuse(errors)
    values = importer.item_values(checked, depts)
    created = item is None
    if created:
        item = ServiceItem(code=checked["code"], active=True, **values)
        db.session.add(item)
        db.session.flush()
        before, after = {}, dict(values)
        children_before: dict = {"materials": [], "fees": [], "workflow": []}
    else:
        children_before = importer.item_children(item)
        before, after = _assign(item, values)
    importer.sync_item_children(item, checked, depts, fees)
    db.session.flush()
    children_after = importer.item_children(item)
    for key in children_after:
        if children_after[key] != children_before[key]:
            before[key], after[key] = children_before[key], children_after[key]
    if after or created:
        _audit("service_item_created" if created else "service_item_updated", "service_item",
               item, before, after, actor=actor, from_state=None if created else item.code,
               to_state=item.code)
    return item


# --- the catalog file --------------------------------------------------------------------------
def import_catalog(text: str, *, actor=None) -> dict[str, int]:
    """Import a whole catalog file (importer.import_text runs its own transaction)."""
    try:
        return importer.import_text(text, actor=actor)
    finally:
        invalidate_cache()


def catalog_problems(exc: CatalogError) -> list[dict]:
    return [{"line": p.get("line"), "path": p["path"], "message": problem_message(p["message"])}
            for p in exc.problems]


# --- staff accounts ----------------------------------------------------------------------------
@_service
def create_staff(*, actor=None, **fields) -> User:
    return auth_services.create_user(actor=actor, **fields)


@_service
def update_staff(*, user: User, actor=None, **fields) -> User:
    return auth_services.update_user(user, actor=actor, **fields)


@_service
def reset_staff_password(*, user: User, password: str, actor=None) -> User:
    return auth_services.reset_password(user, password=password, actor=actor)
