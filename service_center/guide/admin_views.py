"""Administrators edit guides: conditions, material details, topics, uploaded forms.
Thin: parse the form, load the item (404), call one service, redirect or show errors."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import roles_required
from ..errors import ValidationError
from . import services
from .models import FILE_KINDS, MATERIAL_FORMS

bp = Blueprint("guide_admin", __name__, url_prefix="/admin/guide")


def _form_data(item) -> dict:
    form = request.form
    materials = {}
    for index, material in enumerate(item.materials):
        materials[material.name] = {
            "form": form.get(f"material-{index}-form"),
            "copies": form.get(f"material-{index}-copies", "1"),
            "note": form.get(f"material-{index}-note", ""),
        }
    return {"conditions": form.get("conditions", ""), "topics": form.getlist("topics"),
            "materials": materials}


def _page(item, *, errors: dict | None = None, message: str | None = None,
          submitted: dict | None = None, status: int = 200):
    data = services.guide_data(item)
    return render_template(
        "guide/admin_edit.html", section="items", title=_("Edit guide"), errors=errors or {},
        form_error=message, submitted=submitted, all_topics=services.topics(),
        material_forms=MATERIAL_FORMS, file_kinds=FILE_KINDS,
        file_kind_labels=services.FILE_KIND_LABELS, history=services.history(item),
        **data), status


@bp.get("/")
@roles_required("admin")
def index():
    results = services.search(services.SearchFilters())
    return render_template("guide/admin_index.html", section="items", results=results,
                           title=_("Service guides"))


@bp.route("/<code>", methods=["GET", "POST"])
@roles_required("admin")
def edit(code: str):
    item = services.item_by_code(code)
    if request.method == "GET":
        return _page(item)
    submitted = _form_data(item)
    try:
        change = services.save_guide(item=item, data=submitted, actor=current_user)
    except ValidationError as exc:
        return _page(item, errors=exc.details, message=str(exc.message), submitted=submitted,
                     status=422)
    flash(_("The guide is saved and published.") if change else _("Nothing was changed."),
          "info")
    return redirect(url_for(".edit", code=item.code))


@bp.post("/<code>/files")
@roles_required("admin")
def upload(code: str):
    item = services.item_by_code(code)
    try:
        services.add_file(item=item, kind=request.form.get("kind", ""),
                          title=request.form.get("title", ""),
                          upload=request.files.get("file"), actor=current_user)
    except ValidationError as exc:
        return _page(item, errors=exc.details, message=str(exc.message), status=422)
    flash(_("The file is uploaded and published."), "info")
    return redirect(url_for(".edit", code=item.code))


@bp.post("/<code>/files/<int:file_id>/delete")
@roles_required("admin")
def delete(code: str, file_id: int):
    item = services.item_by_code(code)
    services.delete_file(item=item, file_id=file_id, actor=current_user)
    flash(_("The file is removed."), "info")
    return redirect(url_for(".edit", code=item.code))
