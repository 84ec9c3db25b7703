"""Public pages: the guide search, one guide (HTML and one-page PDF), its uploaded
files, and the disclosure page. No login, no JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, send_from_directory, session
from flask_babel import gettext as _

from ..catalog.admin_forms import KIND_LABELS
from ..catalog.services import local_now, localized_name
from ..money import format_fen
from . import services
from .pdf import guide_pdf

bp = Blueprint("guide", __name__)


@bp.before_app_request
def _remember_text_size():
    # ?large=1 / ?large=0 switches the larger-text mode for the rest of the visit
    wanted = request.args.get("large")
    if wanted in ("0", "1"):
        session["large_text"] = wanted == "1"


@bp.app_context_processor
def _guide_globals():
    return {"large_text": bool(session.get("large_text")), "kind_labels": KIND_LABELS,
            "material_form_labels": services.MATERIAL_FORM_LABELS,
            "fee_standard": fee_standard, "local_time": local_time}


def local_time(moment) -> str:
    return local_now(moment).strftime("%Y-%m-%d %H:%M")


def fee_standard(fee) -> str:
    """A fee's standard in words: ¥800.00, or ¥25.00 per m2 (min …, max …)."""
    if fee.basis == "per_unit":
        text = _("%(rate)s per %(unit)s", rate=format_fen(fee.rate_fen or 0),
                 unit=fee.unit or "")
    else:
        text = format_fen(fee.amount_fen or 0)
    if fee.min_fen is not None:
        text += " · " + _("minimum %(amount)s", amount=format_fen(fee.min_fen))
    if fee.max_fen is not None:
        text += " · " + _("maximum %(amount)s", amount=format_fen(fee.max_fen))
    return text


def _choice(name: str, allowed: set[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


@bp.get("/guide")
def search():
    q = (request.args.get("q") or "")[:400]
    topics = services.topics()
    departments = services.departments()
    filters = services.SearchFilters(
        q=q, department=_choice("department", {d.code for d in departments}),
        topic=_choice("topic", {t.code for t in topics}),
        kind=_choice("kind", set(KIND_LABELS)))
    filters.terms = services.query_terms(q)
    results = services.search(filters)
    return render_template("guide/search.html", q=q.replace("\x00", ""), filters=filters,
                           results=results, topics=topics, departments=departments,
                           searched=bool(filters.terms or filters.department or filters.topic
                                         or filters.kind))


@bp.get("/guide/<code>")
def show(code: str):
    item = services.item_by_code(code)
    return render_template("guide/show.html", **services.guide_data(item))


@bp.get("/guide/<code>.pdf")
def show_pdf(code: str):
    item = services.item_by_code(code)
    data = services.guide_data(item)
    body = guide_pdf(_pdf_document(data))
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="guide-{item.code}.pdf"'})


@bp.get("/guide/<code>/files/<int:file_id>")
def download(code: str, file_id: int):
    item = services.item_by_code(code)
    row = services.file_for_download(item, file_id)
    return send_from_directory(services.upload_folder(), row.stored_name, as_attachment=True,
                               download_name=row.original_name, mimetype=row.content_type)


@bp.get("/disclosure")
def disclosure():
    month = services.parse_month(request.args.get("month"))
    from ..reports.services import published_assessments

    return render_template("guide/disclosure.html", fees=services.fee_standards(),
                           staff=services.staff_on_duty(),
                           performance=services.monthly_performance(month),
                           published=published_assessments())


def _pdf_document(data: dict) -> dict:
    """The guide as plain strings for the PDF (the same fields as the page)."""
    item = data["item"]
    no = _("None")
    materials = [[m["name"],
                  str(services.MATERIAL_FORM_LABELS.get(m["form"], "—")) if m["form"] else "—",
                  str(m["copies"]) if m["copies"] is not None else "—", m["note"] or ""]
                 for m in data["materials"]]
    fees = [[localized_name(f), localized_name(f.department), fee_standard(f),
             f.legal_basis or "—"] for f in data["fees"]]
    windows = "; ".join(
        f"{localized_name(w['hall'])}: " + ", ".join(
            _("Window %(n)s", n=win.number) + f" {localized_name(win)}" for win in w["windows"])
        for w in data["windows"]) or no
    process = " → ".join(
        f"{stage.name} (" + " + ".join(
            f"{localized_name(t.department)} {_('%(n)s working days', n=t.days)}"
            for t in stage.tasks) + ")" for stage in data["stages"]) or no
    files = [f"{f.title}" for f in data["blank_forms"] + data["examples"]]
    return {
        "title": f"{_('Service guide')}: {localized_name(item)}",
        "subtitle": f"{item.code} · {localized_name(item.lead_department)} · "
                    f"{KIND_LABELS.get(item.kind, item.kind)} · "
                    f"{_('Last changed')}: {data['last_changed_day'].isoformat()}",
        "sections": [
            (_("Legal basis"), item.legal_basis or no),
            (_("Conditions"), data["conditions"] or no),
            (_("Time limits"),
             f"{_('Statutory time limit')}: {_('%(n)s working days', n=item.statutory_days)}; "
             f"{_('Promised time limit')}: {_('%(n)s working days', n=item.promised_days)}"),
            (_("Free proxy service"),
             _("Offered, free of charge.") if item.proxy_service else _("Not offered.")),
            (_("Where to apply"), windows),
            (_("Process"), process),
            (_("Forms and examples"), "; ".join(files) or no),
        ],
        "tables": [
            (_("Materials"), [_("Material"), _("Original or copy"), _("Copies"), _("Note")],
             materials),
            (_("Fees"), [_("Fee"), _("Department"), _("Standard"), _("Legal basis")],
             fees or [[_("No fees"), "", "", ""]]),
        ],
        "footer": _("Printed from the service guide; the guide online is always current."),
    }
