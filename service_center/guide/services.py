"""The guide's operations: search, the data of one guide, administrators' edits (each a
dated, recorded change), uploaded files, and the public disclosure figures."""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..appointments.services import slot_rule
from ..auth.models import User
from ..catalog.models import (
    Department,
    FeeItem,
    Hall,
    ServiceItem,
    Window,
    WorkflowStage,
)
from ..catalog.services import center_timezone, halls, local_now, work_calendar
from ..db import transactional, utcnow
from ..errors import NotFound, ValidationError
from ..extensions import db
from .models import (
    FILE_KINDS,
    MATERIAL_FORMS,
    Guide,
    GuideChange,
    GuideFile,
    GuideMaterial,
    GuideTopic,
    GuideTopicItem,
)

MATERIAL_FORM_LABELS = {
    "original": _l("Original"),
    "copy": _l("Copy"),
    "original_and_copy": _l("Original and copy"),
    "electronic": _l("Electronic file"),
}
FILE_KIND_LABELS = {"blank_form": _l("Blank form"), "example": _l("Filled example")}
ALLOWED_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "wps",
                                "jpg", "jpeg", "png"})
MAX_QUERY_CHARS = 100
MAX_TERMS = 8
MAX_CONDITIONS = 5000
MAX_NOTE = 500
MAX_COPIES = 99


# --- text normalisation ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _t2s():
    """Traditional → simplified with OpenCC when it is installed; identity otherwise."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - opencc is a declared dependency
        return lambda text: text
    converter = opencc.OpenCC("t2s")
    return converter.convert


def normalize(text: str | None) -> str:
    """Fold what people type into one comparable form: NFKC (full-width → half-width,
    ideographic space → space), traditional → simplified, case-folded, spaces collapsed."""
    if not text:
        return ""
    text = text.replace("\x00", "")
    text = unicodedata.normalize("NFKC", text)
    text = _t2s()(text)
    return " ".join(text.casefold().split())


_TERM_SPLIT = re.compile(r"[\s,;，、；。]+")


def query_terms(q: str | None) -> list[str]:
    norm = normalize((q or "")[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    terms = [t for t in _TERM_SPLIT.split(norm) if t]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _term_score(term: str, fields: dict[str, str]) -> float:
    """How well one term matches an item: whole substring in a weighted field, or (for
    longer terms) most of its character pairs somewhere — so 施工许可证 finds 施工许可."""
    weights = {"name": 10, "code": 8, "topics": 4, "department": 3, "other": 1}
    best = 0.0
    for key, text in fields.items():
        if term in text:
            best = max(best, weights[key])
    if best or len(term) < 3 or not _CJK.fullmatch(term):
        return best
    grams = _bigrams(term)
    everything = " ".join(fields.values())
    found = sum(1 for g in grams if g in everything)
    if grams and found / len(grams) >= 0.6:
        in_name = sum(1 for g in grams if g in fields["name"]) / len(grams)
        return 2 + 3 * in_name
    return 0.0


# --- search ------------------------------------------------------------------------------------
@dataclass
class SearchResult:
    item: ServiceItem
    topics: list[GuideTopic]
    score: float = 0.0


@dataclass
class SearchFilters:
    q: str = ""
    department: str | None = None
    topic: str | None = None
    kind: str | None = None
    terms: list[str] = field(default_factory=list)


def _items_with_children() -> list[ServiceItem]:
    return list(db.session.execute(
        select(ServiceItem).where(ServiceItem.active.is_(True))
        .options(selectinload(ServiceItem.materials),
                 selectinload(ServiceItem.fee_links),
                 selectinload(ServiceItem.stages).selectinload(WorkflowStage.tasks))
        .order_by(ServiceItem.code)).scalars())


def _topics_by_item() -> dict[int, list[GuideTopic]]:
    out: dict[int, list[GuideTopic]] = {}
    rows = db.session.execute(select(GuideTopicItem)).scalars()
    for link in rows:
        out.setdefault(link.service_item_id, []).append(link.topic)
    for topics in out.values():
        topics.sort(key=lambda t: (t.position, t.code))
    return out


def _conditions_by_item() -> dict[int, str]:
    return dict(db.session.execute(select(Guide.service_item_id, Guide.conditions)).all())


def _departments_of(item: ServiceItem) -> list[Department]:
    depts = {item.lead_department.id: item.lead_department}
    for stage in item.stages:
        for task in stage.tasks:
            depts.setdefault(task.department.id, task.department)
    return list(depts.values())


def search(filters: SearchFilters) -> list[SearchResult]:
    """Active items matching every term and every filter, best first. The catalog of a
    district is hundreds of items, so matching runs in Python over normalised text,
    which makes NFKC, traditional characters and partial words easy and keeps user
    text away from SQL and regular expressions."""
    terms = filters.terms or query_terms(filters.q)
    topics = _topics_by_item()
    conditions = _conditions_by_item()
    results = []
    for item in _items_with_children():
        item_topics = topics.get(item.id, [])
        depts = _departments_of(item)
        if filters.kind and item.kind != filters.kind:
            continue
        if filters.department and filters.department not in {d.code for d in depts}:
            continue
        if filters.topic and filters.topic not in {t.code for t in item_topics}:
            continue
        fields = {
            "name": normalize(f"{item.name} {item.name_en or ''}"),
            "code": normalize(item.code),
            "topics": normalize(" ".join(f"{t.name} {t.name_en or ''}" for t in item_topics)),
            "department": normalize(" ".join(f"{d.name} {d.name_en or ''}" for d in depts)),
            "other": normalize(" ".join([
                item.legal_basis or "", conditions.get(item.id) or "",
                *(m.name for m in item.materials),
                *(f"{f.name} {f.name_en or ''}" for f in item.fee_items)])),
        }
        score = 0.0
        for term in terms:
            s = _term_score(term, fields)
            if not s:
                break
            score += s
        else:
            results.append(SearchResult(item=item, topics=item_topics, score=score))
    results.sort(key=lambda r: (-r.score, r.item.code))
    return results


def topics() -> list[GuideTopic]:
    return list(db.session.execute(
        select(GuideTopic).order_by(GuideTopic.position, GuideTopic.code)).scalars())


def departments() -> list[Department]:
    return list(db.session.execute(select(Department).order_by(Department.code)).scalars())


# --- one guide ---------------------------------------------------------------------------------
def item_by_code(code: str) -> ServiceItem:
    item = db.session.execute(select(ServiceItem).where(
        ServiceItem.code == code, ServiceItem.active.is_(True))).scalar_one_or_none()
    if item is None:
        raise NotFound(_("There is no service item with this code."), code="unknown_item",
                       details={"code": code[:60]})
    return item


def _guide_row(item: ServiceItem) -> Guide | None:
    return db.session.execute(
        select(Guide).where(Guide.service_item_id == item.id)).scalar_one_or_none()


def _material_details(item: ServiceItem) -> dict[str, GuideMaterial]:
    return {m.material_name: m for m in db.session.execute(
        select(GuideMaterial).where(GuideMaterial.service_item_id == item.id)).scalars()}


def item_topics(item: ServiceItem) -> list[GuideTopic]:
    return list(db.session.execute(
        select(GuideTopic).join(GuideTopicItem, GuideTopicItem.topic_id == GuideTopic.id)
        .where(GuideTopicItem.service_item_id == item.id)
        .order_by(GuideTopic.position, GuideTopic.code)).scalars())


def item_files(item: ServiceItem) -> list[GuideFile]:
    return list(db.session.execute(
        select(GuideFile).where(GuideFile.service_item_id == item.id)
        .order_by(GuideFile.kind, GuideFile.id)).scalars())


def history(item: ServiceItem, limit: int = 50) -> list[GuideChange]:
    return list(db.session.execute(
        select(GuideChange).where(GuideChange.service_item_id == item.id)
        .order_by(GuideChange.at.desc(), GuideChange.id.desc()).limit(limit)).scalars())


def accepting_windows(item: ServiceItem) -> list[dict[str, Any]]:
    """Per hall, the windows serving the item's queue category (by its prefix), and whether
    that category takes appointments."""

    if not item.queue_category:
        return []
    out = []
    for hall in halls():
        category = next((c for c in hall.categories
                         if c.prefix == item.queue_category and c.active), None)
        if category is None:
            continue
        windows = [w for w in hall.windows
                   if any(link.category_id == category.id for link in w.category_links)]
        if windows:
            out.append({"hall": hall, "category": category, "windows": windows,
                        # the booking page offers only categories with a valid slot rule
                        "appointments": slot_rule(category) is not None})
    return out


def last_changed(item: ServiceItem, guide: Guide | None) -> datetime:
    stamps = [item.updated_at] + ([guide.published_at] if guide else [])
    return max(s for s in stamps if s is not None)


def guide_data(item: ServiceItem) -> dict[str, Any]:
    """Everything a guide page (and its PDF) shows, read once."""
    guide = _guide_row(item)
    details = _material_details(item)
    materials = []
    for m in item.materials:
        d = details.get(m.name)
        materials.append({"name": m.name, "form": d.form if d else None,
                          "copies": d.copies if d else None, "note": d.note if d else None})
    files = item_files(item)
    changed = last_changed(item, guide)
    return {
        "item": item, "guide": guide,
        "conditions": guide.conditions if guide else None,
        "materials": materials,
        "blank_forms": [f for f in files if f.kind == "blank_form"],
        "examples": [f for f in files if f.kind == "example"],
        "fees": item.fee_items,
        "topics": item_topics(item),
        "windows": accepting_windows(item),
        "stages": item.stages,
        "last_changed": changed,
        "last_changed_day": local_now(changed).date(),
    }


# --- editing -----------------------------------------------------------------------------------
def _snapshot(item: ServiceItem) -> dict[str, Any]:
    guide = _guide_row(item)
    names = {m.name for m in item.materials}
    return {
        "conditions": (guide.conditions if guide else None) or "",
        "topics": sorted(t.code for t in item_topics(item)),
        "materials": {name: [d.form, d.copies, d.note or ""]
                      for name, d in _material_details(item).items() if name in names},
    }


def _diff(before: dict, after: dict) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("conditions", "topics"):
        if before[key] != after[key]:
            changes[key] = {"from": before[key], "to": after[key]}
    changed_materials = {name: {"from": before["materials"].get(name), "to": value}
                         for name, value in after["materials"].items()
                         if before["materials"].get(name) != value}
    if changed_materials:
        changes["materials"] = changed_materials
    return changes


def _ensure_guide(item: ServiceItem) -> Guide:
    guide = _guide_row(item)
    if guide is None:
        guide = Guide(service_item_id=item.id, published_at=utcnow())
        db.session.add(guide)
        db.session.flush()
    return guide


def _publish(item: ServiceItem, *, action: str, changes: dict, actor) -> GuideChange:
    """Date the guide now and record who changed what, in the guide's own public history
    and in the audit trail."""
    guide = _ensure_guide(item)
    now = utcnow()
    guide.published_at = now
    change = GuideChange(service_item_id=item.id, at=now, actor_id=getattr(actor, "id", None),
                         actor_name=getattr(actor, "username", None), action=action,
                         changes=changes)
    db.session.add(change)
    audit.record(f"guide_{action}", "service_item", item.code, actor=actor,
                 details={"fields": sorted(changes)})
    return change


def validate_edit(item: ServiceItem, data: dict[str, Any]) -> dict[str, Any]:
    """Check an edit (conditions, topic codes, per-material form/copies/note) as a whole;
    raise ValidationError with every field at fault."""
    problems: dict[str, str] = {}
    conditions = data.get("conditions") or ""
    if not isinstance(conditions, str):
        problems["conditions"] = _("Conditions must be text.")
        conditions = ""
    conditions = conditions.replace("\r\n", "\n").strip()
    if len(conditions) > MAX_CONDITIONS:
        problems["conditions"] = _("At most %(n)s characters.", n=MAX_CONDITIONS)
    known = {t.code for t in topics()}
    wanted_topics = sorted(set(data.get("topics") or []))
    unknown = [t for t in wanted_topics if t not in known]
    if unknown:
        problems["topics"] = _("Unknown topic.")
    names = [m.name for m in item.materials]
    materials: dict[str, list] = {}
    for index, name in enumerate(names):
        raw = (data.get("materials") or {}).get(name) or {}
        form = raw.get("form") or "original"
        if form not in MATERIAL_FORMS:
            problems[f"material-{index}-form"] = _("Choose original, copy or both.")
        copies_raw = raw.get("copies", 1)
        try:
            copies = int(str(copies_raw).strip() or "1")
            if not 0 <= copies <= MAX_COPIES:
                raise ValueError
        except ValueError:
            problems[f"material-{index}-copies"] = _(
                "Copies must be a whole number from 0 to %(n)s.", n=MAX_COPIES)
            copies = 1
        note = (raw.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            problems[f"material-{index}-note"] = _("At most %(n)s characters.", n=MAX_NOTE)
        materials[name] = [form, copies, note]
    if problems:
        raise ValidationError(_("Some values are not valid."), details=problems)
    return {"conditions": conditions, "topics": wanted_topics, "materials": materials}


@transactional()
def save_guide(*, item: ServiceItem, data: dict[str, Any], actor) -> GuideChange | None:
    """Apply an administrator's edit; a real change is published at once (dated) and
    recorded. Returns the change, or None when nothing differed."""
    after = validate_edit(item, data)
    before = _snapshot(item)
    changes = _diff(before, after)
    if not changes:
        return None
    guide = _ensure_guide(item)
    guide.conditions = after["conditions"] or None
    if "topics" in changes:
        db.session.execute(GuideTopicItem.__table__.delete().where(
            GuideTopicItem.service_item_id == item.id))
        by_code = {t.code: t for t in topics()}
        for code in after["topics"]:
            db.session.add(GuideTopicItem(topic_id=by_code[code].id, service_item_id=item.id))
    details = _material_details(item)
    for name, (form, copies, note) in after["materials"].items():
        row = details.get(name)
        if row is None:
            row = GuideMaterial(service_item_id=item.id, material_name=name)
            db.session.add(row)
        row.form, row.copies, row.note = form, copies, note or None
    return _publish(item, action="updated", changes=changes, actor=actor)


def upload_folder() -> str:
    folder = current_app.config.get("GUIDE_UPLOAD_FOLDER") or \
        os.path.join(current_app.instance_path, "guide_files")
    os.makedirs(folder, exist_ok=True)
    return folder


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _clean_display_name(filename: str) -> str:
    """The name shown and offered on download: no path, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "file"


@transactional()
def add_file(*, item: ServiceItem, kind: str, title: str, upload, actor) -> GuideFile:
    """Store an uploaded blank form or example under a random safe name."""
    problems: dict[str, str] = {}
    if kind not in FILE_KINDS:
        problems["kind"] = _("Choose a blank form or a filled example.")
    title = (title or "").strip()
    if not title or len(title) > 200:
        problems["title"] = _("Give the file a title of at most 200 characters.")
    filename = getattr(upload, "filename", None) or ""
    ext = _extension(filename)
    if not filename:
        problems["file"] = _("Choose a file to upload.")
    elif ext not in ALLOWED_EXTENSIONS:
        problems["file"] = _("Allowed file types: %(types)s.",
                             types=", ".join(sorted(ALLOWED_EXTENSIONS)))
    if problems:
        raise ValidationError(_("The file was not uploaded."), details=problems)
    limit = current_app.config["GUIDE_MAX_UPLOAD_BYTES"]
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(_("The file was not uploaded."), details={
            "file": _("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024) or 1)})
    if not content:
        raise ValidationError(_("The file was not uploaded."),
                              details={"file": _("The file is empty.")})
    stored = f"{item.id}-{secrets.token_hex(12)}.{ext}"
    path = os.path.join(upload_folder(), stored)
    with open(path, "wb") as fh:
        fh.write(content)
    try:
        row = GuideFile(service_item_id=item.id, kind=kind, title=title, stored_name=stored,
                        original_name=_clean_display_name(filename),
                        content_type=(getattr(upload, "mimetype", None)
                                      or "application/octet-stream")[:100],
                        size=len(content), uploaded_by_id=getattr(actor, "id", None))
        db.session.add(row)
        db.session.flush()
        _publish(item, action="file_added", actor=actor,
                 changes={"file": {"from": None, "to": f"{kind}: {title}"}})
    except BaseException:
        os.remove(path)
        raise
    return row


@transactional()
def delete_file(*, item: ServiceItem, file_id: int, actor) -> None:
    row = db.session.get(GuideFile, file_id)
    if row is None or row.service_item_id != item.id:
        raise NotFound(_("Not found."))
    stored, label = row.stored_name, f"{row.kind}: {row.title}"
    db.session.delete(row)
    _publish(item, action="file_removed", actor=actor,
             changes={"file": {"from": label, "to": None}})
    db.session.flush()
    try:
        os.remove(os.path.join(upload_folder(), stored))
    except FileNotFoundError:
        pass


def file_for_download(item: ServiceItem, file_id: int) -> GuideFile:
    row = db.session.get(GuideFile, file_id)
    if row is None or row.service_item_id != item.id:
        raise NotFound(_("Not found."))
    return row


# --- demo --------------------------------------------------------------------------------------
DEMO_TOPICS = [
    # code, name, name_en, item codes
    ("start-business", "开办企业", "Starting a business", ["QY-001", "SB-001"]),
    ("construction", "工程建设", "Construction projects", ["JS-001", "JS-002"]),
    ("social-insurance", "社保医保", "Social and medical insurance", ["SB-001"]),
    ("enterprise-annual", "企业年检", "Enterprise annual inspection", ["NJ-001"]),
]
DEMO_CONDITIONS = {
    "JS-001": "已取得建设用地规划许可证；建设工程设计方案已通过审查；项目已完成环境影响评价。",
    "JS-002": "已取得建设工程规划许可证；已确定施工企业并签订施工合同；施工图设计文件已审查合格。",
    "QY-001": "有符合规定的名称、住所和章程；股东符合法定人数；法定代表人符合任职条件。",
    "SB-001": "依法设立的用人单位，自成立之日起三十日内办理。",
    "NJ-001": "在本区登记注册并已领取营业执照满一个年度的企业。",
}


def seed_demo_guides() -> int:
    """Topics and a little guide content for the demo items; the caller commits."""
    items = {i.code: i for i in db.session.execute(select(ServiceItem)).scalars()}
    existing = {t.code for t in topics()}
    count = 0
    for position, (code, name, name_en, item_codes) in enumerate(DEMO_TOPICS):
        if code in existing:
            continue
        topic = GuideTopic(code=code, name=name, name_en=name_en, position=position)
        db.session.add(topic)
        db.session.flush()
        for item_code in item_codes:
            if item_code in items:
                db.session.add(GuideTopicItem(topic_id=topic.id,
                                              service_item_id=items[item_code].id))
        count += 1
    for code, text in DEMO_CONDITIONS.items():
        item = items.get(code)
        if item is None or _guide_row(item) is not None:
            continue
        db.session.add(Guide(service_item_id=item.id, conditions=text, published_at=utcnow()))
        for position, material in enumerate(item.materials):
            form = "original_and_copy" if position == 0 else "copy"
            db.session.add(GuideMaterial(service_item_id=item.id, material_name=material.name,
                                         form=form, copies=1 if position == 0 else 2))
    db.session.flush()
    return count


# --- disclosure --------------------------------------------------------------------------------
def fee_standards() -> list[FeeItem]:
    return list(db.session.execute(
        select(FeeItem).join(Department, FeeItem.department_id == Department.id)
        .order_by(Department.code, FeeItem.code)).scalars())


def staff_on_duty() -> list[dict[str, Any]]:
    """Window staff at an open or paused window: name, staff number, window (公示).
    Nothing else about them (no phone, no username) leaves this function."""
    rows = db.session.execute(
        select(User, Window, Hall).join(Window, User.window_id == Window.id)
        .join(Hall, Window.hall_id == Hall.id)
        .where(User.active.is_(True), User.staff_no.is_not(None),
               Window.status.in_(("open", "paused")))
        .order_by(Hall.is_main.desc(), Hall.position, Window.number, User.staff_no)).all()
    return [{"name": user.display_name, "staff_no": user.staff_no, "hall": hall,
             "window": window, "status": window.status} for user, window, hall in rows]


_MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")


def parse_month(text: str | None, today: date | None = None) -> date:
    """'2026-03' → 2026-03-01; anything else → this month (a public page never errors)."""
    match = _MONTH.fullmatch(text or "")
    if match:
        return date(int(match[1]), int(match[2]), 1)
    today = today or local_now().date()
    return today.replace(day=1)


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def monthly_performance(month: date) -> dict[str, Any]:
    """Per department, the steps decided in `month` (center time): how many, the share
    decided by their due date, and the average working days from activation to
    decision. Computed from the approvals tables; empty when nothing was decided.
    Plus the month's satisfaction (好差评), per department (case ratings) and over all
    ratings, from the reports' KPI functions."""
    try:
        from ..approvals.models import CaseTask
    except ImportError:  # pragma: no cover - the approvals domain is part of the app
        return {"month": month, "rows": [], "available": False}
    tz = center_timezone()
    start = datetime.combine(month, time(0), tzinfo=tz)
    end = datetime.combine(_next_month(month), time(0), tzinfo=tz)
    tasks = db.session.execute(
        select(CaseTask).where(CaseTask.status.in_(("approved", "rejected")),
                               CaseTask.decided_at >= start, CaseTask.decided_at < end)).scalars()
    cal = work_calendar()
    per: dict[int, dict[str, Any]] = {}
    for task in tasks:
        row = per.setdefault(task.department_id, {
            "department": task.department, "decided": 0, "on_time": 0, "with_due": 0,
            "days_total": 0, "days_counted": 0})
        row["decided"] += 1
        decided_on = task.decided_at.astimezone(tz).date()
        if task.due_date is not None:
            row["with_due"] += 1
            row["on_time"] += decided_on <= task.due_date
        if task.activated_on is not None:
            row["days_total"] += cal.working_days_between(task.activated_on, decided_on)
            row["days_counted"] += 1
    # satisfaction: the reports' own definition (kpi), over the ratings of the month
    from ..catalog.models import Department
    from ..reports import kpi
    from ..reports.services import month_scope

    scope = month_scope(month)
    rated = kpi.satisfaction_by_department(scope)
    for dept_id in set(rated) - set(per):
        department = db.session.get(Department, dept_id)
        if department is not None:
            per[dept_id] = {"department": department, "decided": 0, "on_time": 0,
                            "with_due": 0, "days_total": 0, "days_counted": 0}
    rows = []
    for dept_id, row in sorted(per.items(), key=lambda kv: kv[1]["department"].code):
        rows.append({
            "department": row["department"], "decided": row["decided"],
            "on_time_rate": (row["on_time"] / row["with_due"]) if row["with_due"] else None,
            "avg_days": (row["days_total"] / row["days_counted"]) if row["days_counted"]
            else None,
            "satisfaction": rated.get(dept_id),
        })
    return {"month": month, "rows": rows, "available": True,
            "satisfaction": kpi.satisfaction(scope),
            "satisfaction_definition": kpi.definitions()["satisfaction"]}
