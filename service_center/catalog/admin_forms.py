"""Forms of the administrator pages (Flask-WTF: every one carries a CSRF token).

The forms parse what a person types (lines, lists, numbers) into the catalog file's
shape; the rules about what is allowed live in importer.py and are applied by
admin_services, whose refusals come back here as messages next to the fields."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import ValidationError as FieldError
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.models import ROLES
from ..money import fen_to_yuan_str

_WHOLE = re.compile(r"-?[0-9]{1,9}")


class WholeNumberField(IntegerField):
    """ASCII digits only, at most nine: int() would also take "1_000", "１２" or 10**400,
    and NumberRange cannot compare 10**400 with its bounds (an OverflowError, a 500)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if not _WHOLE.fullmatch(raw):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = int(raw)


ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Manager"),
    "window_staff": _l("Window staff"),
    "cashier": _l("Cashier"),
    "approver": _l("Department approver"),
    "proxy_agent": _l("Proxy agent"),
    "dept_head": _l("Department head"),
}
KIND_LABELS = {
    "licensing": _l("Licensing"),
    "service": _l("Public service"),
    "annual_inspection": _l("Annual inspection"),
}
_SPLIT = re.compile(r"[,，、\s]+")


class AdminForm(FlaskForm):
    """Adds the service's refusals ({field: message}) to the fields they are about."""

    form_error: str | None = None

    def add_errors(self, details: dict, message: str | None = None) -> None:
        self.form_error = message
        for name, text in details.items():
            field = self._fields.get(name)
            if field is None:
                self.form_error = f"{self.form_error or ''} {text}".strip()
                continue
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]

    def lock(self, *names: str) -> None:
        """Fields that cannot change once the row exists (codes that other rows name)."""
        for name in names:
            self._fields[name].render_kw = {**(self._fields[name].render_kw or {}),
                                            "readonly": True}
            self._fields[name].description = _l("Fixed once created.")


def _text(value) -> str | None:
    value = (value or "").strip()
    return value or None


def _name_fields():
    return (StringField(_l("Name"), validators=[InputRequired(), Length(max=120)]),
            StringField(_l("English name"), validators=[Optional(), Length(max=160)]))


class DepartmentForm(AdminForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=40)],
                       description=_l("Letters and digits, such as GHJ."))
    name, name_en = _name_fields()

    def to_data(self) -> dict:
        return {"code": _text(self.code.data), "name": _text(self.name.data),
                "name_en": _text(self.name_en.data)}


class HallForm(DepartmentForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=20)],
                       description=_l("Letters and digits, such as XD."))


class CategoryForm(AdminForm):
    prefix = StringField(_l("Prefix"), validators=[InputRequired(), Length(max=2)],
                         description=_l("One or two capital letters; tickets are numbered A001, "
                                        "A002 …"))
    name, name_en = _name_fields()
    active = BooleanField(_l("Active (offered at the kiosk)"), default=True)
    slot_minutes = WholeNumberField(_l("Appointment slot (minutes)"), validators=[Optional()],
                                description=_l("Leave the three appointment fields empty for "
                                               "no appointments."))
    capacity = WholeNumberField(_l("Appointments per slot"), validators=[Optional()])
    hours = StringField(_l("Appointment hours"), validators=[Optional(), Length(max=200)],
                        description=_l('Such as "09:00-11:30, 13:30-17:00".'))

    def to_data(self) -> dict:
        hours = [h for h in _SPLIT.split(self.hours.data or "") if h]
        return {"prefix": _text(self.prefix.data), "name": _text(self.name.data),
                "name_en": _text(self.name_en.data), "active": bool(self.active.data),
                "slot_minutes": self.slot_minutes.data, "capacity": self.capacity.data,
                "hours": hours}

    @staticmethod
    def initial(category) -> dict:
        ap = category.appointments or {}
        return {"prefix": category.prefix, "name": category.name, "name_en": category.name_en,
                "active": category.active, "slot_minutes": ap.get("slot_minutes"),
                "capacity": ap.get("capacity"), "hours": ", ".join(ap.get("hours") or [])}


class WindowForm(AdminForm):
    number = WholeNumberField(_l("Number"), validators=[InputRequired(), NumberRange(1, 9999)])
    name, name_en = _name_fields()
    categories = StringField(
        _l("Categories, in call priority order"), validators=[Optional(), Length(max=200)],
        description=_l('Prefixes separated by commas, the first served first: "D, A" helps '
                       "with A only when nobody waits for D."))

    def to_data(self) -> dict:
        return {"number": self.number.data, "name": _text(self.name.data),
                "name_en": _text(self.name_en.data),
                "categories": [c.upper() for c in _SPLIT.split(self.categories.data or "") if c]}

    @staticmethod
    def initial(window) -> dict:
        return {"number": window.number, "name": window.name, "name_en": window.name_en,
                "categories": ", ".join(c.prefix for c in window.categories)}


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else fen_to_yuan_str(fen)


class FeeItemForm(AdminForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=40)])
    name, name_en = _name_fields()
    department = SelectField(_l("Department"), validators=[InputRequired()])
    basis = SelectField(_l("Basis"), choices=[("fixed", _l("Fixed amount")),
                                              ("per_unit", _l("Rate per unit"))])
    amount = StringField(_l("Amount (yuan)"), validators=[Optional(), Length(max=20)],
                         description=_l('For a fixed fee, such as "800.00".'))
    rate = StringField(_l("Rate per unit (yuan)"), validators=[Optional(), Length(max=20)],
                       description=_l('For a per-unit fee, such as "25.00".'))
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)],
                       description=_l("Such as m2."))
    quantity = StringField(_l("Quantity parameter"), validators=[Optional(), Length(max=40)],
                           description=_l("The service item parameter the rate multiplies, "
                                          "such as area_m2."))
    min = StringField(_l("Minimum (yuan)"), validators=[Optional(), Length(max=20)])
    max = StringField(_l("Maximum (yuan)"), validators=[Optional(), Length(max=20)])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=2000)])

    def to_data(self) -> dict:
        data = {"code": _text(self.code.data), "name": _text(self.name.data),
                "name_en": _text(self.name_en.data), "department": self.department.data,
                "basis": self.basis.data, "min": _text(self.min.data),
                "max": _text(self.max.data), "legal_basis": _text(self.legal_basis.data)}
        if self.basis.data == "per_unit":
            data.update(rate=_text(self.rate.data), unit=_text(self.unit.data),
                        quantity=_text(self.quantity.data))
        else:
            data["amount"] = _text(self.amount.data)
        return data

    @staticmethod
    def initial(fee) -> dict:
        return {"code": fee.code, "name": fee.name, "name_en": fee.name_en,
                "department": fee.department.code, "basis": fee.basis,
                "amount": _yuan(fee.amount_fen), "rate": _yuan(fee.rate_fen), "unit": fee.unit,
                "quantity": fee.quantity_param, "min": _yuan(fee.min_fen),
                "max": _yuan(fee.max_fen), "legal_basis": fee.legal_basis}


# --- service items: lines typed by a person ---------------------------------------------------
_STAGE = re.compile(r"\s*(?P<name>[^:：]+?)\s*[:：]\s*(?P<tasks>.*)")
_TASK = re.compile(r"(?P<dept>[A-Za-z0-9_.-]+)\s+(?P<days>[0-9]{1,4})")


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_parameters(text: str | None) -> tuple[list[dict], list[str]]:
    """Lines "name|label|type" (type defaults to decimal)."""
    params, problems = [], []
    for n, line in enumerate(_lines(text), 1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) not in (2, 3) or not all(parts):
            problems.append(str(_l('Line %(n)s: write "name|label|type", such as '
                                   '"area_m2|建筑面积（平方米）|decimal".', n=n)))
            continue
        params.append({"name": parts[0], "label": parts[1],
                       "type": parts[2] if len(parts) == 3 else "decimal"})
    return params, problems


def parse_workflow(text: str | None) -> tuple[list[dict], list[str]]:
    """Lines "stage name: GHJ 5, HBJ 5": stages in order, a stage's tasks in parallel."""
    stages, problems = [], []
    for n, line in enumerate(_lines(text), 1):
        match = _STAGE.fullmatch(line)
        tasks = []
        if match:
            for chunk in re.split(r"[,，、;；]", match["tasks"]):
                if not chunk.strip():
                    continue
                task = _TASK.fullmatch(chunk.strip())
                if task is None:
                    tasks = None
                    break
                tasks.append({"department": task["dept"], "days": int(task["days"])})
        if not match or tasks is None:
            problems.append(str(_l('Line %(n)s: write a stage as "name: GHJ 5, HBJ 5" '
                                   "(department code and working days).", n=n)))
            continue
        stages.append({"name": match["name"], "tasks": tasks})
    return stages, problems


def format_parameters(params: list[dict] | None) -> str:
    return "\n".join(f"{p.get('name')}|{p.get('label')}|{p.get('type', 'decimal')}"
                     for p in params or [])


def format_workflow(stages) -> str:
    return "\n".join(f"{s.name}: " + ", ".join(f"{t.department.code} {t.days}" for t in s.tasks)
                     for s in stages)


class ServiceItemForm(AdminForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=240)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    lead_department = SelectField(_l("Lead department"), validators=[InputRequired()])
    queue_category = SelectField(_l("Queue category"), default="")
    statutory_days = WholeNumberField(_l("Statutory time limit (working days)"),
                                  validators=[InputRequired(), NumberRange(0, 2000)])
    promised_days = WholeNumberField(_l("Promised time limit (working days)"),
                                 validators=[InputRequired(), NumberRange(0, 2000)],
                                 description=_l("At most the statutory time limit."))
    proxy_service = BooleanField(_l("Free proxy agent service"))
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=2000)])
    materials = TextAreaField(_l("Materials"), validators=[Optional(), Length(max=8000)],
                              description=_l("One material per line."))
    parameters = TextAreaField(
        _l("Parameters"), validators=[Optional(), Length(max=4000)],
        description=_l('One per line: "name|label|type", type decimal, integer or text.'))
    fees = SelectMultipleField(_l("Fees"), widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput(), validate_choice=True,
                               description=_l("A per-unit fee needs the parameter it "
                                              "multiplies."))
    workflow = TextAreaField(
        _l("Workflow"), validators=[Optional(), Length(max=4000)],
        description=_l('One stage per line, in order; the departments of a stage work in '
                       'parallel: "并联审查: GHJ 5, HBJ 5".'))

    def validate_parameters(self, field):
        problems = parse_parameters(field.data)[1]
        if problems:
            raise FieldError(" ".join(problems))

    def validate_workflow(self, field):
        problems = parse_workflow(field.data)[1]
        if problems:
            raise FieldError(" ".join(problems))

    def to_data(self) -> dict:
        return {"code": _text(self.code.data), "name": _text(self.name.data),
                "name_en": _text(self.name_en.data), "kind": self.kind.data,
                "lead_department": self.lead_department.data,
                "queue_category": self.queue_category.data or None,
                "statutory_days": self.statutory_days.data,
                "promised_days": self.promised_days.data,
                "proxy_service": bool(self.proxy_service.data),
                "legal_basis": _text(self.legal_basis.data),
                "materials": _lines(self.materials.data),
                "parameters": parse_parameters(self.parameters.data)[0],
                "fees": list(self.fees.data or []),
                "workflow": parse_workflow(self.workflow.data)[0]}

    @staticmethod
    def initial(item) -> dict:
        return {"code": item.code, "name": item.name, "name_en": item.name_en, "kind": item.kind,
                "lead_department": item.lead_department.code,
                "queue_category": item.queue_category or "",
                "statutory_days": item.statutory_days, "promised_days": item.promised_days,
                "proxy_service": item.proxy_service, "legal_basis": item.legal_basis,
                "materials": "\n".join(m.name for m in item.materials),
                "parameters": format_parameters(item.parameters),
                "fees": [f.code for f in item.fee_items],
                "workflow": format_workflow(item.stages)}


class CatalogUploadForm(AdminForm):
    file = FileField(_l("Catalog file (YAML)"), validators=[FileRequired()])


# --- staff -----------------------------------------------------------------------------------
def _role_choices():
    return [(r, ROLE_LABELS[r]) for r in ROLES]


class StaffEditForm(AdminForm):
    display_name = StringField(_l("Display name"), validators=[InputRequired(), Length(max=80)])
    staff_no = StringField(_l("Staff number"), validators=[Optional(), Length(max=20)])
    role = SelectField(_l("Role"), choices=_role_choices)
    department = SelectField(_l("Department"), default="", description=_l("For approvers."))
    hall = SelectField(_l("Hall"), default="",
                       description=_l("For window staff, cashiers and a hall's own manager."))
    window = WholeNumberField(_l("Window number"), validators=[Optional(), NumberRange(1, 9999)],
                          description=_l("For window staff and cashiers."))
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def to_data(self) -> dict:
        return {"display_name": _text(self.display_name.data),
                "staff_no": _text(self.staff_no.data), "role": self.role.data,
                "department": self.department.data or None, "hall": self.hall.data or None,
                "window": self.window.data,
                "active": bool(self.active.data) if self.active is not None else True}

    @staticmethod
    def initial(user) -> dict:
        hall = user.window.hall if user.window else user.hall
        return {"display_name": user.display_name, "staff_no": user.staff_no, "role": user.role,
                "department": user.department.code if user.department else "",
                "hall": hall.code if hall else "",
                "window": user.window.number if user.window else None, "active": user.active}


class StaffCreateForm(StaffEditForm):
    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Initial password"), validators=[InputRequired()],
                             description=_l("At least 8 characters."))
    active = None  # a new account is active

    def to_data(self) -> dict:
        data = super().to_data()
        data.pop("active")
        return {"username": _text(self.username.data), "password": self.password.data or "",
                **data}


class PasswordForm(AdminForm):
    password = PasswordField(_l("New password"), validators=[InputRequired()],
                             description=_l("At least 8 characters."))

