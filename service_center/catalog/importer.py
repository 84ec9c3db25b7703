"""The catalog file (CONTRACT.md "Catalog file"): validate as a whole, then apply in
one transaction. A bad file is refused with every line and field at fault and
nothing is written; applying the same file twice changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select

from ..audit import record
from ..extensions import db
from ..money import fen_to_yuan_str, parse_yuan
from .models import (
    CalendarOverride,
    CalendarYear,
    Center,
    Department,
    FeeItem,
    Hall,
    Material,
    QueueCategory,
    ServiceItem,
    ServiceItemFee,
    Window,
    WindowCategory,
    WorkflowStage,
    WorkflowTask,
)

MAIN_HALL_CODE = "MAIN"
KINDS = ("licensing", "service", "annual_inspection")
PARAM_TYPES = ("decimal", "integer", "text")
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
PREFIX_RE = re.compile(r"[A-Z]{1,2}")
HOURS_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])")


class CatalogError(Exception):
    def __init__(self, problems: list[dict]):
        self.problems = problems
        super().__init__("; ".join(f"line {p['line']}: {p['path']}: {p['message']}"
                                   if p.get("line") else f"{p['path']}: {p['message']}"
                                   for p in problems))


# --- reading with line numbers -----------------------------------------------------------------
def _line_map(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}

    def walk(node, path):
        lines.setdefault(path or "$", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = f"{path}.{key.value}" if path else str(key.value)
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                walk(value, f"{path}[{i}]")

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, "")
    return lines


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves an impossible date such as 2027-13-01 as text, so that
    validation reports it with its path and line instead of the loader crashing."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _known(value, codes) -> bool:
    """`value in codes`, false (not a TypeError) for a list or mapping where a code belongs."""
    return isinstance(value, str) and value in codes


def load_text(text: str) -> dict:
    try:
        # bandit exception (B506): _Loader subclasses yaml.SafeLoader (adds dates only)
        data = yaml.load(text, Loader=_Loader)  # nosec B506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", exc)
        raise CatalogError([{"path": "$", "line": mark.line + 1 if mark else None,
                             "message": f"not valid YAML: {problem}"}]) from exc
    if not isinstance(data, dict):
        raise CatalogError([{"path": "$", "line": 1, "message": "the file must be a mapping"}])
    return data


# --- validation --------------------------------------------------------------------------------
@dataclass
class _Check:
    lines: dict[str, int]
    problems: list[dict] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        probe = path
        line = self.lines.get(probe)
        while line is None and re.search(r"[.\[]", probe):
            probe = re.sub(r"(\.[^.\[]*|\[[0-9]+\])$", "", probe)
            line = self.lines.get(probe)
        self.problems.append({"path": path, "line": line, "message": message})

    def mapping(self, value, path) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping")
            return {}
        return value

    def seq(self, value, path) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def text(self, obj: dict, key: str, path: str, *, required=True, max_len=200) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{path}.{key}", "must be a non-empty string")
            return None
        if len(value) > max_len:
            self.fail(f"{path}.{key}", f"is longer than {max_len} characters")
            return None
        return value.strip()

    def code(self, obj: dict, key: str, path: str) -> str | None:
        value = obj.get(key)
        if not isinstance(value, str) or not CODE_RE.fullmatch(value):
            self.fail(f"{path}.{key}", "must be a code of letters, digits, '-', '_' or '.'")
            return None
        return value

    def whole(self, obj: dict, key: str, path: str, *, minimum=0, maximum=10**6,
              required=True) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{key}", "must be a whole number")
            return None
        if not minimum <= value <= maximum:
            self.fail(f"{path}.{key}", f"must be between {minimum} and {maximum}")
            return None
        return value

    def money(self, obj: dict, key: str, path: str, *, required=True) -> int | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required")
            return None
        try:
            return parse_yuan(value)
        except ValueError:
            self.fail(f"{path}.{key}", 'must be a decimal string in yuan such as "25.00"')
            return None


def _categories(chk: _Check, rows, path) -> list[dict]:
    out, seen = [], set()
    for i, raw in enumerate(chk.seq(rows, path)):
        p = f"{path}[{i}]"
        row = chk.mapping(raw, p)
        prefix = row.get("prefix")
        if not isinstance(prefix, str) or not PREFIX_RE.fullmatch(prefix):
            chk.fail(f"{p}.prefix", "must be one or two capital letters")
            continue
        if prefix in seen:
            chk.fail(f"{p}.prefix", f"duplicate category {prefix}")
            continue
        seen.add(prefix)
        appointments = row.get("appointments")
        if appointments is not None:
            ap = chk.mapping(appointments, f"{p}.appointments")
            chk.whole(ap, "slot_minutes", f"{p}.appointments", minimum=5, maximum=240)
            chk.whole(ap, "capacity", f"{p}.appointments", minimum=1, maximum=1000)
            hours = chk.seq(ap.get("hours"), f"{p}.appointments.hours")
            for j, span in enumerate(hours):
                m = HOURS_RE.fullmatch(span) if isinstance(span, str) else None
                if not m or (m[1], m[2]) >= (m[3], m[4]):
                    chk.fail(f"{p}.appointments.hours[{j}]", 'must look like "09:00-11:30"')
        active = row.get("active", True)
        if not isinstance(active, bool):
            chk.fail(f"{p}.active", "must be true or false")
        out.append({"prefix": prefix, "name": chk.text(row, "name", p),
                    "name_en": chk.text(row, "name_en", p, required=False),
                    "appointments": appointments, "active": active is not False})
    return out


def _windows(chk: _Check, rows, path, prefixes: set[str]) -> list[dict]:
    out, seen = [], set()
    for i, raw in enumerate(chk.seq(rows, path)):
        p = f"{path}[{i}]"
        row = chk.mapping(raw, p)
        number = chk.whole(row, "number", p, minimum=1, maximum=9999)
        if number in seen:
            chk.fail(f"{p}.number", f"duplicate window {number}")
        seen.add(number)
        cats = chk.seq(row.get("categories"), f"{p}.categories")
        for j, prefix in enumerate(cats):
            if not _known(prefix, prefixes):
                chk.fail(f"{p}.categories[{j}]", f"unknown queue category {prefix!r}")
        if len(set(map(str, cats))) != len(cats):
            chk.fail(f"{p}.categories", "lists a category twice")
        out.append({"number": number, "name": chk.text(row, "name", p),
                    "name_en": chk.text(row, "name_en", p, required=False),
                    "categories": [c for c in cats if isinstance(c, str)]})
    return out


def _code_and_name(chk: _Check, row: dict, p: str) -> dict:
    """A department or a hall: a code, a name and an optional English name."""
    return {"code": chk.code(row, "code", p), "name": chk.text(row, "name", p),
            "name_en": chk.text(row, "name_en", p, required=False)}


def _fee_item(chk: _Check, row: dict, p: str, dept_codes: set) -> dict:
    """One fee item (also used by the administrator pages, with the same rules)."""
    code = chk.code(row, "code", p)
    dept = row.get("department")
    if not _known(dept, dept_codes):
        chk.fail(f"{p}.department", f"unknown department {dept!r}")
    basis = row.get("basis")
    item = {"code": code, "name": chk.text(row, "name", p),
            "name_en": chk.text(row, "name_en", p, required=False), "department": dept,
            "basis": basis, "unit": None, "quantity": None, "rate_fen": None,
            "amount_fen": None,
            "min_fen": chk.money(row, "min", p, required=False),
            "max_fen": chk.money(row, "max", p, required=False),
            "legal_basis": chk.text(row, "legal_basis", p, required=False, max_len=2000)}
    if basis == "fixed":
        item["amount_fen"] = chk.money(row, "amount", p)
    elif basis == "per_unit":
        item["rate_fen"] = chk.money(row, "rate", p)
        item["unit"] = chk.text(row, "unit", p, max_len=20)
        item["quantity"] = chk.text(row, "quantity", p, max_len=40)
    else:
        chk.fail(f"{p}.basis", "must be fixed or per_unit")
    if item["min_fen"] is not None and item["max_fen"] is not None \
            and item["min_fen"] > item["max_fen"]:
        chk.fail(f"{p}.min", "is more than max")
    return item


def _service_item(chk: _Check, row: dict, p: str, *, dept_codes: set, fee_codes: dict,
                  prefixes: set) -> dict:
    """One service item; `fee_codes` maps a fee code to {basis, quantity}."""
    code = chk.code(row, "code", p)
    kind = row.get("kind", "licensing")
    if kind not in KINDS:
        chk.fail(f"{p}.kind", f"must be one of {', '.join(KINDS)}")
    lead = row.get("lead_department")
    if not _known(lead, dept_codes):
        chk.fail(f"{p}.lead_department", f"unknown department {lead!r}")
    category = row.get("queue_category")
    if category is not None and not _known(category, prefixes):
        chk.fail(f"{p}.queue_category", f"unknown queue category {category!r}")
    statutory = chk.whole(row, "statutory_days", p, minimum=0, maximum=2000)
    promised = chk.whole(row, "promised_days", p, minimum=0, maximum=2000)
    if statutory is not None and promised is not None and promised > statutory:
        chk.fail(f"{p}.promised_days", "is more than statutory_days")
    proxy = row.get("proxy_service", False)
    if not isinstance(proxy, bool):
        chk.fail(f"{p}.proxy_service", "must be true or false")
    materials = []
    for j, m in enumerate(chk.seq(row.get("materials"), f"{p}.materials")):
        if not isinstance(m, str) or not m.strip():
            chk.fail(f"{p}.materials[{j}]", "must be a non-empty string")
        else:
            materials.append(m.strip())
    params, names = [], set()
    for j, raw_param in enumerate(chk.seq(row.get("parameters"), f"{p}.parameters")):
        pp = f"{p}.parameters[{j}]"
        prm = chk.mapping(raw_param, pp)
        name = prm.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name):
            chk.fail(f"{pp}.name", "must be a lower-case identifier")
        elif name in names:
            chk.fail(f"{pp}.name", f"duplicate parameter {name}")
        if isinstance(name, str):
            names.add(name)
        ptype = prm.get("type", "decimal")
        if ptype not in PARAM_TYPES:
            chk.fail(f"{pp}.type", f"must be one of {', '.join(PARAM_TYPES)}")
        params.append({"name": name, "label": chk.text(prm, "label", pp), "type": ptype})
    fees = chk.seq(row.get("fees"), f"{p}.fees")
    for j, fee in enumerate(fees):
        if not _known(fee, fee_codes):
            chk.fail(f"{p}.fees[{j}]", f"unknown fee item {fee!r}")
        elif fee_codes[fee]["basis"] == "per_unit" and fee_codes[fee]["quantity"] not in names:
            chk.fail(f"{p}.fees[{j}]",
                     f"fee {fee} multiplies parameter {fee_codes[fee]['quantity']!r}, "
                     "which this item does not have")
    stages = []
    for j, raw_stage in enumerate(chk.seq(row.get("workflow"), f"{p}.workflow")):
        sp = f"{p}.workflow[{j}]"
        stage = chk.mapping(raw_stage, sp)
        tasks = []
        raw_tasks = chk.seq(stage.get("tasks"), f"{sp}.tasks")
        if not raw_tasks:
            chk.fail(f"{sp}.tasks", "a stage needs at least one task")
        for k, raw_task in enumerate(raw_tasks):
            tp = f"{sp}.tasks[{k}]"
            task = chk.mapping(raw_task, tp)
            dept = task.get("department")
            if not _known(dept, dept_codes):
                chk.fail(f"{tp}.department", f"unknown department {dept!r}")
            days = chk.whole(task, "days", tp, minimum=1, maximum=2000)
            tasks.append({"department": dept, "days": days})
        stages.append({"name": chk.text(stage, "name", sp), "tasks": tasks})
    return {"code": code, "name": chk.text(row, "name", p),
            "name_en": chk.text(row, "name_en", p, required=False, max_len=240),
            "kind": kind, "lead_department": lead, "queue_category": category,
            "statutory_days": statutory, "promised_days": promised,
            "proxy_service": bool(proxy) if isinstance(proxy, bool) else False,
            "legal_basis": chk.text(row, "legal_basis", p, required=False, max_len=2000),
            "materials": materials, "parameters": params,
            "fees": [f for f in fees if isinstance(f, str)], "workflow": stages}


def validate(data: dict, lines: dict[str, int] | None = None) -> dict:
    """Check the whole file; return a normalised model of it or raise CatalogError."""
    chk = _Check(lines or {})
    center = chk.mapping(data.get("center", {}), "center")
    tz = center.get("timezone")
    if tz is not None:
        try:
            if not isinstance(tz, str):
                raise ValueError(tz)
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            chk.fail("center.timezone", f"unknown time zone {tz!r}")
    hall_code = center.get("hall_code", MAIN_HALL_CODE)
    if not isinstance(hall_code, str) or not CODE_RE.fullmatch(hall_code):
        chk.fail("center.hall_code", "must be a code")
    model: dict[str, Any] = {
        "center": {"name": chk.text(center, "name", "center"),
                   "name_en": chk.text(center, "name_en", "center", required=False),
                   "timezone": tz, "hall_code": hall_code},
    }

    departments, dept_codes = [], set()
    for i, raw in enumerate(chk.seq(data.get("departments"), "departments")):
        p = f"departments[{i}]"
        dept = _code_and_name(chk, chk.mapping(raw, p), p)
        if dept["code"] in dept_codes:
            chk.fail(f"{p}.code", f"duplicate department {dept['code']}")
        dept_codes.add(dept["code"])
        departments.append(dept)
    model["departments"] = departments

    halls = []
    main_cats = _categories(chk, data.get("queue_categories"), "queue_categories")
    main_windows = _windows(chk, data.get("windows"), "windows", {c["prefix"] for c in main_cats})
    halls.append({"code": hall_code, "name": model["center"]["name"],
                  "name_en": model["center"]["name_en"], "is_main": True,
                  "categories": main_cats, "windows": main_windows})
    hall_codes = {hall_code}
    for i, raw in enumerate(chk.seq(data.get("halls"), "halls")):
        p = f"halls[{i}]"
        row = chk.mapping(raw, p)
        code = chk.code(row, "code", p)
        if code in hall_codes:
            chk.fail(f"{p}.code", f"duplicate hall {code}")
        hall_codes.add(code)
        cats = _categories(chk, row.get("queue_categories"), f"{p}.queue_categories")
        halls.append({"code": code, "name": chk.text(row, "name", p),
                      "name_en": chk.text(row, "name_en", p, required=False), "is_main": False,
                      "categories": cats,
                      "windows": _windows(chk, row.get("windows"), f"{p}.windows",
                                          {c["prefix"] for c in cats})})
    model["halls"] = halls
    all_prefixes = {c["prefix"] for h in halls for c in h["categories"]}

    fee_items, fee_codes = [], {}
    for i, raw in enumerate(chk.seq(data.get("fee_items"), "fee_items")):
        p = f"fee_items[{i}]"
        item = _fee_item(chk, chk.mapping(raw, p), p, dept_codes)
        if item["code"] in fee_codes:
            chk.fail(f"{p}.code", f"duplicate fee item {item['code']}")
        fee_codes[item["code"]] = item
        fee_items.append(item)
    model["fee_items"] = fee_items

    items, item_codes = [], set()
    for i, raw in enumerate(chk.seq(data.get("service_items"), "service_items")):
        p = f"service_items[{i}]"
        item = _service_item(chk, chk.mapping(raw, p), p, dept_codes=dept_codes,
                             fee_codes=fee_codes, prefixes=all_prefixes)
        if item["code"] in item_codes:
            chk.fail(f"{p}.code", f"duplicate service item {item['code']}")
        item_codes.add(item["code"])
        items.append(item)
    model["service_items"] = items

    cal = chk.mapping(data.get("calendar") or {}, "calendar")
    days: dict[str, set[date]] = {"holidays": set(), "workdays": set()}
    for key in ("holidays", "workdays"):
        for j, value in enumerate(chk.seq(cal.get(key), f"calendar.{key}")):
            try:
                day = value if isinstance(value, date) else date.fromisoformat(value)
            except (TypeError, ValueError):
                chk.fail(f"calendar.{key}[{j}]", "must be a date YYYY-MM-DD")
                continue
            days[key].add(day)
    for day in days["holidays"] & days["workdays"]:
        chk.fail("calendar", f"{day} is both a holiday and a working day")
    years = []
    for j, y in enumerate(chk.seq(cal.get("complete_years"), "calendar.complete_years")):
        if isinstance(y, bool) or not isinstance(y, int) or not 2000 <= y <= 2100:
            chk.fail(f"calendar.complete_years[{j}]", "must be a year")
        else:
            years.append(y)
    model["calendar"] = {"holidays": sorted(days["holidays"]),
                         "workdays": sorted(days["workdays"]), "complete_years": sorted(years)}
    if chk.problems:
        raise CatalogError(chk.problems)
    return model


# --- applying ----------------------------------------------------------------------------------
def _set(obj, **values) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _by(model, column, value):
    return db.session.execute(select(model).where(column == value)).scalar_one_or_none()


def fee_values(f: dict, depts: dict) -> dict:
    """A validated fee item's column values; `depts` maps a code to its Department."""
    return dict(name=f["name"], name_en=f["name_en"], department_id=depts[f["department"]].id,
                basis=f["basis"], unit=f["unit"], quantity_param=f["quantity"],
                rate_fen=f["rate_fen"], amount_fen=f["amount_fen"], min_fen=f["min_fen"],
                max_fen=f["max_fen"], legal_basis=f["legal_basis"])


def item_values(s: dict, depts: dict) -> dict:
    """A validated service item's column values (without its materials, fees and workflow)."""
    return dict(name=s["name"], name_en=s["name_en"], kind=s["kind"],
                lead_department_id=depts[s["lead_department"]].id,
                queue_category=s["queue_category"], statutory_days=s["statutory_days"],
                promised_days=s["promised_days"], proxy_service=s["proxy_service"],
                legal_basis=s["legal_basis"], parameters=s["parameters"])


def item_children(row: ServiceItem) -> dict:
    """An item's materials, fee codes and workflow in the file's shape."""
    return {"materials": [m.name for m in row.materials],
            "fees": [link.fee_item.code for link in row.fee_links],
            "workflow": [{"name": st.name,
                          "tasks": [{"department": t.department.code, "days": t.days}
                                    for t in st.tasks]} for st in row.stages]}


def sync_item_children(row: ServiceItem, s: dict, depts: dict, fees: dict) -> int:
    """Replace whichever of materials, fees and workflow differ; returns how many did."""
    current = item_children(row)
    changed = 0
    if current["materials"] != s["materials"]:
        row.materials.clear()
        db.session.flush()
        row.materials.extend(Material(position=i, name=name)
                             for i, name in enumerate(s["materials"]))
        changed += 1
    if current["fees"] != s["fees"]:
        row.fee_links.clear()
        db.session.flush()
        row.fee_links.extend(ServiceItemFee(fee_item_id=fees[code].id, position=i)
                             for i, code in enumerate(s["fees"]))
        changed += 1
    if current["workflow"] != s["workflow"]:
        row.stages.clear()
        db.session.flush()
        for i, st in enumerate(s["workflow"]):
            stage = WorkflowStage(position=i, name=st["name"])
            stage.tasks.extend(WorkflowTask(position=k, department_id=depts[t["department"]].id,
                                            days=t["days"]) for k, t in enumerate(st["tasks"]))
            row.stages.append(stage)
        changed += 1
    return changed


def apply(model: dict, *, actor=None) -> dict[str, int]:
    """Write a validated catalog; the caller commits. Returns counts of changed rows."""
    changes = {"created": 0, "updated": 0}

    def upsert(row, created):
        changes["created" if created else "updated"] += 1

    c = model["center"]
    center = db.session.execute(select(Center).order_by(Center.id)).scalars().first()
    if center is None:
        center = Center(name=c["name"])
        db.session.add(center)
        upsert(center, True)
    if _set(center, name=c["name"], name_en=c["name_en"], timezone=c["timezone"]) and center.id:
        upsert(center, False)

    depts = {}
    for d in model["departments"]:
        row = _by(Department, Department.code, d["code"])
        if row is None:
            row = Department(code=d["code"], name=d["name"], name_en=d["name_en"])
            db.session.add(row)
            upsert(row, True)
        elif _set(row, name=d["name"], name_en=d["name_en"]):
            upsert(row, False)
        depts[d["code"]] = row
    db.session.flush()

    for position, h in enumerate(model["halls"]):
        hall = _by(Hall, Hall.code, h["code"])
        if hall is None:
            hall = Hall(code=h["code"], name=h["name"])
            db.session.add(hall)
            upsert(hall, True)
        if _set(hall, name=h["name"], name_en=h["name_en"], is_main=h["is_main"],
                position=position) and hall.id:
            upsert(hall, False)
        db.session.flush()
        cats = {}
        for cdata in h["categories"]:
            cat = db.session.execute(select(QueueCategory).where(
                QueueCategory.hall_id == hall.id,
                QueueCategory.prefix == cdata["prefix"])).scalar_one_or_none()
            if cat is None:
                cat = QueueCategory(hall_id=hall.id, prefix=cdata["prefix"], name=cdata["name"])
                db.session.add(cat)
                upsert(cat, True)
            if _set(cat, name=cdata["name"], name_en=cdata["name_en"],
                    appointments=cdata["appointments"], active=cdata["active"]) and cat.id:
                upsert(cat, False)
            cats[cdata["prefix"]] = cat
        db.session.flush()
        for wdata in h["windows"]:
            win = db.session.execute(select(Window).where(
                Window.hall_id == hall.id, Window.number == wdata["number"])).scalar_one_or_none()
            if win is None:
                win = Window(hall_id=hall.id, number=wdata["number"], name=wdata["name"],
                             status="closed")
                db.session.add(win)
                upsert(win, True)
            if _set(win, name=wdata["name"], name_en=wdata["name_en"]) and win.id:
                upsert(win, False)
            db.session.flush()
            if [link.category.prefix for link in win.category_links] != wdata["categories"]:
                win.category_links.clear()
                db.session.flush()
                for pos, prefix in enumerate(wdata["categories"]):
                    win.category_links.append(
                        WindowCategory(category_id=cats[prefix].id, position=pos))
                upsert(win, False)
    db.session.flush()

    fees = {}
    for f in model["fee_items"]:
        row = _by(FeeItem, FeeItem.code, f["code"])
        values = fee_values(f, depts)
        if row is None:
            row = FeeItem(code=f["code"], **values)
            db.session.add(row)
            upsert(row, True)
        elif _set(row, **values):
            upsert(row, False)
        fees[f["code"]] = row
    db.session.flush()

    for s in model["service_items"]:
        row = _by(ServiceItem, ServiceItem.code, s["code"])
        values = dict(item_values(s, depts), active=True)
        if row is None:
            row = ServiceItem(code=s["code"], **values)
            db.session.add(row)
            db.session.flush()
            upsert(row, True)
        elif _set(row, **values):
            upsert(row, False)
        for _ in range(sync_item_children(row, s, depts, fees)):
            upsert(row, False)
    db.session.flush()

    cal = model["calendar"]
    wanted = {d: "holiday" for d in cal["holidays"]} | {d: "workday" for d in cal["workdays"]}
    existing = {r.day: r for r in db.session.execute(select(CalendarOverride)).scalars()}
    for day, kind in wanted.items():
        row = existing.get(day)
        if row is None:
            db.session.add(CalendarOverride(day=day, kind=kind))
            changes["created"] += 1
        elif row.kind != kind:
            row.kind = kind
            changes["updated"] += 1
    have_years = set(db.session.execute(select(CalendarYear.year)).scalars())
    for year in cal["complete_years"]:
        if year not in have_years:
            db.session.add(CalendarYear(year=year))
            changes["created"] += 1
    db.session.flush()
    if changes["created"] or changes["updated"]:
        record("catalog_imported", "catalog", None, actor=actor, details=changes)
    from .services import invalidate_cache

    invalidate_cache()
    return changes


def import_text(text: str, *, actor=None) -> dict[str, int]:
    """Validate and apply in one transaction; nothing is written when anything is wrong."""
    data = load_text(text)
    model = validate(data, _line_map(text))
    try:
        changes = apply(model, actor=actor)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return changes


# --- export ------------------------------------------------------------------------------------
def export_data() -> dict:
    center = db.session.execute(select(Center).order_by(Center.id)).scalars().first()
    halls = list(db.session.execute(
        select(Hall).order_by(Hall.is_main.desc(), Hall.position, Hall.id)).scalars())
    main = next((h for h in halls if h.is_main), None)

    def cats(hall):
        out = []
        for c in hall.categories:
            row = {"prefix": c.prefix, "name": c.name}
            if c.name_en:
                row["name_en"] = c.name_en
            if c.appointments:
                row["appointments"] = c.appointments
            if not c.active:
                row["active"] = False
            out.append(row)
        return out

    def wins(hall):
        out = []
        for w in hall.windows:
            row = {"number": w.number, "name": w.name}
            if w.name_en:
                row["name_en"] = w.name_en
            row["categories"] = [c.prefix for c in w.categories]
            out.append(row)
        return out

    data: dict[str, Any] = {"center": {"name": center.name if center else ""}}
    if center and center.name_en:
        data["center"]["name_en"] = center.name_en
    if center and center.timezone:
        data["center"]["timezone"] = center.timezone
    if main and main.code != MAIN_HALL_CODE:
        data["center"]["hall_code"] = main.code
    data["departments"] = [
        {k: v for k, v in (("code", d.code), ("name", d.name), ("name_en", d.name_en)) if v}
        for d in db.session.execute(select(Department).order_by(Department.id)).scalars()]
    data["queue_categories"] = cats(main) if main else []
    data["windows"] = wins(main) if main else []
    fee_rows = []
    for f in db.session.execute(select(FeeItem).order_by(FeeItem.id)).scalars():
        row: dict[str, Any] = {"code": f.code, "name": f.name}
        if f.name_en:
            row["name_en"] = f.name_en
        row.update({"department": f.department.code, "basis": f.basis})
        if f.basis == "per_unit":
            row.update({"unit": f.unit, "quantity": f.quantity_param,
                        "rate": fen_to_yuan_str(f.rate_fen)})
        else:
            row["amount"] = fen_to_yuan_str(f.amount_fen)
        if f.min_fen is not None:
            row["min"] = fen_to_yuan_str(f.min_fen)
        if f.max_fen is not None:
            row["max"] = fen_to_yuan_str(f.max_fen)
        if f.legal_basis:
            row["legal_basis"] = f.legal_basis
        fee_rows.append(row)
    data["fee_items"] = fee_rows
    items = []
    for s in db.session.execute(select(ServiceItem).order_by(ServiceItem.id)).scalars():
        row = {"code": s.code, "name": s.name}
        if s.name_en:
            row["name_en"] = s.name_en
        row.update({"kind": s.kind, "lead_department": s.lead_department.code})
        if s.queue_category:
            row["queue_category"] = s.queue_category
        row.update({"statutory_days": s.statutory_days, "promised_days": s.promised_days,
                    "proxy_service": s.proxy_service})
        if s.legal_basis:
            row["legal_basis"] = s.legal_basis
        row["materials"] = [m.name for m in s.materials]
        row["parameters"] = s.parameters or []
        row["fees"] = [f.code for f in s.fee_items]
        row["workflow"] = [{"name": st.name, "tasks": [{"department": t.department.code,
                                                        "days": t.days} for t in st.tasks]}
                           for st in s.stages]
        items.append(row)
    data["service_items"] = items
    others = [h for h in halls if not h.is_main]
    if others:
        data["halls"] = [{"code": h.code, "name": h.name,
                          **({"name_en": h.name_en} if h.name_en else {}),
                          "queue_categories": cats(h), "windows": wins(h)} for h in others]
    overrides = list(db.session.execute(
        select(CalendarOverride).order_by(CalendarOverride.day)).scalars())
    years = sorted(db.session.execute(select(CalendarYear.year)).scalars())
    data["calendar"] = {
        "holidays": [r.day.isoformat() for r in overrides if r.kind == "holiday"],
        "workdays": [r.day.isoformat() for r in overrides if r.kind == "workday"],
    }
    if years:
        data["calendar"]["complete_years"] = years
    return data


def export_text() -> str:
    return yaml.safe_dump(export_data(), allow_unicode=True, sort_keys=False, width=100)
