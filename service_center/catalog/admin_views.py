"""Administrator pages: the catalog and staff accounts. Thin: parse the form, load the
row (404), call one service from admin_services, render or redirect."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..auth.models import ROLES, User
from ..auth.permissions import roles_required
from ..errors import ValidationError
from ..extensions import db
from . import admin_services as services
from .admin_forms import (
    KIND_LABELS,
    ROLE_LABELS,
    CatalogUploadForm,
    CategoryForm,
    DepartmentForm,
    FeeItemForm,
    HallForm,
    PasswordForm,
    ServiceItemForm,
    StaffCreateForm,
    StaffEditForm,
    WindowForm,
)
from .importer import CatalogError, export_text
from .models import Department, FeeItem, Hall, QueueCategory, ServiceItem, Window
from .services import halls, resolve_hall

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def _admin_globals():
    return {"role_labels": ROLE_LABELS, "kind_labels": KIND_LABELS}


def _get(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row


def _all(model, *order):
    return list(db.session.execute(select(model).order_by(*order)).scalars())


def _submit(form, save, *, success: str, next_url: str):
    """Run `save()` for a valid POST; on a refusal put the messages next to the fields.
    Returns a redirect on success, None when the form must be shown again."""
    if not form.validate_on_submit():
        return None
    try:
        save()
    except ValidationError as exc:
        form.add_errors(exc.details, str(exc.message))
        return None
    flash(success, "info")
    return redirect(next_url)


def _form_page(form, *, section: str, title: str, back: str, order=None, **extra):
    status = 422 if request.method == "POST" and (form.errors or form.form_error) else 200
    return render_template("admin/form.html", form=form, section=section, title=title,
                           back=back, order=order, **extra), status


# --- overview ----------------------------------------------------------------------------------
@bp.get("/")
@roles_required("admin")
def index():
    def count(model, *where):
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()

    counts = {
        "departments": count(Department), "halls": count(Hall),
        "categories": count(QueueCategory), "windows": count(Window),
        "fees": count(FeeItem), "items": count(ServiceItem),
        "staff": count(User), "inactive_staff": count(User, User.active.is_(False)),
    }
    return render_template("admin/index.html", section="index", counts=counts, halls=halls())


# --- departments -------------------------------------------------------------------------------
@bp.get("/departments")
@roles_required("admin")
def departments():
    return render_template("admin/departments.html", section="departments",
                           rows=_all(Department, Department.code))


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def department_edit(row_id: int | None = None):
    row = _get(Department, row_id) if row_id else None
    form = DepartmentForm(data={"code": row.code, "name": row.name, "name_en": row.name_en}
                          if row else None)
    if row:
        form.lock("code")
    back = url_for(".departments")
    done = _submit(form, lambda: services.save_department(
        data=form.to_data(), department=row, actor=current_user),
        success=_("The department is saved."), next_url=back)
    return done or _form_page(form, section="departments", back=back,
                              title=_("Edit department") if row else _("New department"))


# --- halls -------------------------------------------------------------------------------------
@bp.get("/halls")
@roles_required("admin")
def hall_list():
    return render_template("admin/halls.html", section="halls", rows=halls())


@bp.route("/halls/new", methods=["GET", "POST"])
@bp.route("/halls/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def hall_edit(row_id: int | None = None):
    row = _get(Hall, row_id) if row_id else None
    form = HallForm(data={"code": row.code, "name": row.name, "name_en": row.name_en}
                    if row else None)
    back = url_for(".hall_list")
    done = _submit(form, lambda: services.save_hall(data=form.to_data(), hall=row,
                                                    actor=current_user),
                   success=_("The hall is saved."), next_url=back)
    return done or _form_page(form, section="halls", back=back,
                              title=_("Edit hall") if row else _("New hall"))


# --- queue categories and windows (per hall) ---------------------------------------------------
def _hall_arg() -> Hall:
    return resolve_hall(request.args.get("hall"))


@bp.get("/categories")
@roles_required("admin")
def categories():
    hall = _hall_arg()
    return render_template("admin/categories.html", section="categories", hall=hall,
                           halls=halls(), rows=hall.categories)


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def category_edit(row_id: int | None = None):
    row = _get(QueueCategory, row_id) if row_id else None
    hall = row.hall if row else _hall_arg()
    form = CategoryForm(data=CategoryForm.initial(row) if row else None)
    if row:
        form.lock("prefix")
    back = url_for(".categories", hall=hall.code)
    done = _submit(form, lambda: services.save_category(
        hall=hall, data=form.to_data(), category=row, actor=current_user),
        success=_("The queue category is saved."), next_url=back)
    return done or _form_page(form, section="categories", back=back, hall=hall,
                              title=_("Edit queue category") if row else
                              _("New queue category"))


@bp.get("/windows")
@roles_required("admin")
def windows():
    hall = _hall_arg()
    return render_template("admin/windows.html", section="windows", hall=hall, halls=halls(),
                           rows=hall.windows)


@bp.route("/windows/new", methods=["GET", "POST"])
@bp.route("/windows/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def window_edit(row_id: int | None = None):
    row = _get(Window, row_id) if row_id else None
    hall = row.hall if row else _hall_arg()
    form = WindowForm(data=WindowForm.initial(row) if row else None)
    back = url_for(".windows", hall=hall.code)
    done = _submit(form, lambda: services.save_window(
        hall=hall, data=form.to_data(), window=row, actor=current_user),
        success=_("The window is saved."), next_url=back)
    return done or _form_page(form, section="windows", back=back, hall=hall,
                              title=_("Edit window") if row else _("New window"),
                              known_categories=hall.categories)


# --- fee items ---------------------------------------------------------------------------------
@bp.get("/fees")
@roles_required("admin")
def fees():
    return render_template("admin/fees.html", section="fees", rows=_all(FeeItem, FeeItem.code))


def _department_choices(blank: bool = False):
    rows = [(d.code, f"{d.code} · {d.name}") for d in _all(Department, Department.code)]
    return ([("", "—")] if blank else []) + rows


@bp.route("/fees/new", methods=["GET", "POST"])
@bp.route("/fees/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def fee_edit(row_id: int | None = None):
    row = _get(FeeItem, row_id) if row_id else None
    form = FeeItemForm(data=FeeItemForm.initial(row) if row else None)
    form.department.choices = _department_choices()
    if row:
        form.lock("code")
    back = url_for(".fees")
    done = _submit(form, lambda: services.save_fee_item(data=form.to_data(), fee=row,
                                                        actor=current_user),
                   success=_("The fee item is saved."), next_url=back)
    return done or _form_page(form, section="fees", back=back,
                              title=_("Edit fee item") if row else _("New fee item"))


# --- service items -----------------------------------------------------------------------------
@bp.get("/items")
@roles_required("admin")
def items():
    q = (request.args.get("q") or "").strip()[:100]
    query = select(ServiceItem).order_by(ServiceItem.code)
    if q:
        like = f"%{q}%"
        query = query.where(or_(ServiceItem.code.ilike(like), ServiceItem.name.ilike(like),
                                ServiceItem.name_en.ilike(like)))
    rows = list(db.session.execute(query).scalars())
    return render_template("admin/items.html", section="items", rows=rows, q=q)


@bp.route("/items/new", methods=["GET", "POST"])
@bp.route("/items/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def item_edit(row_id: int | None = None):
    row = _get(ServiceItem, row_id) if row_id else None
    form = ServiceItemForm(data=ServiceItemForm.initial(row) if row else None)
    form.lead_department.choices = _department_choices()
    prefixes = sorted(set(db.session.execute(select(QueueCategory.prefix)).scalars()))
    form.queue_category.choices = [("", "—")] + [(p, p) for p in prefixes]
    fee_rows = _all(FeeItem, FeeItem.code)
    current = [f.code for f in row.fee_items] if row else []
    # the item's own fees first, in their order (the order of its fee notice)
    fee_rows.sort(key=lambda f: (current.index(f.code) if f.code in current else len(current),
                                 f.code))
    form.fees.choices = [(f.code, f"{f.code} · {f.name} ({_fee_label(f)})") for f in fee_rows]
    if row:
        form.lock("code")
    back = url_for(".items")
    done = _submit(form, lambda: services.save_service_item(data=form.to_data(), item=row,
                                                            actor=current_user),
                   success=_("The service item is saved."), next_url=back)
    return done or _form_page(form, section="items", back=back, wide=True,
                              title=_("Edit service item") if row else _("New service item"))


def _fee_label(fee: FeeItem) -> str:
    from ..money import format_fen

    if fee.basis == "per_unit":
        return _("%(rate)s per %(unit)s of %(param)s", rate=format_fen(fee.rate_fen or 0),
                 unit=fee.unit, param=fee.quantity_param)
    return format_fen(fee.amount_fen or 0)


# --- the catalog file --------------------------------------------------------------------------
@bp.route("/catalog", methods=["GET", "POST"])
@roles_required("admin")
def catalog():
    form = CatalogUploadForm()
    problems, changes = None, None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = [{"line": None, "path": "$",
                         "message": _("The file is not UTF-8 text.")}]
        else:
            try:
                changes = services.import_catalog(text, actor=current_user)
            except CatalogError as exc:
                problems = services.catalog_problems(exc)
    status = 422 if problems or (request.method == "POST" and form.errors) else 200
    return render_template("admin/catalog.html", section="catalog", form=form,
                           problems=problems, changes=changes), status


@bp.get("/catalog/export")
@roles_required("admin")
def catalog_export():
    name = f"catalog-{date.today().isoformat()}.yaml"
    return Response(export_text(), mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- staff accounts ----------------------------------------------------------------------------
def _staff_choices(form) -> None:
    form.department.choices = _department_choices(blank=True)
    form.hall.choices = [("", "—")] + [(h.code, f"{h.code} · {h.name}") for h in halls()]


@bp.get("/staff")
@roles_required("admin")
def staff():
    role = request.args.get("role") or ""
    query = select(User).order_by(User.role, User.username)
    if role in ROLES:
        query = query.where(User.role == role)
    rows = list(db.session.execute(query).scalars())
    return render_template("admin/staff.html", section="staff", rows=rows, role=role,
                           roles=ROLES)


_STAFF_ORDER = ("username", "display_name", "staff_no", "role", "department", "hall", "window",
                "password", "active")


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required("admin")
def staff_new():
    form = StaffCreateForm()
    _staff_choices(form)
    back = url_for(".staff")
    done = _submit(form, lambda: services.create_staff(actor=current_user, **form.to_data()),
                   success=_("The account is created."), next_url=back)
    return done or _form_page(form, section="staff", back=back, title=_("New staff account"),
                              order=_STAFF_ORDER)


@bp.route("/staff/<int:row_id>", methods=["GET", "POST"])
@roles_required("admin")
def staff_edit(row_id: int):
    user = _get(User, row_id)
    form = StaffEditForm(data=StaffEditForm.initial(user))
    _staff_choices(form)
    back = url_for(".staff")
    done = _submit(form, lambda: services.update_staff(user=user, actor=current_user,
                                                       **form.to_data()),
                   success=_("The account is saved."), next_url=back)
    return done or _form_page(form, section="staff", back=back, order=_STAFF_ORDER,
                              title=_("Staff account %(name)s", name=user.username),
                              password_form=PasswordForm(formdata=None), user=user)


@bp.post("/staff/<int:row_id>/password")
@roles_required("admin")
def staff_password(row_id: int):
    user = _get(User, row_id)
    password_form = PasswordForm()
    back = url_for(".staff")
    done = _submit(password_form, lambda: services.reset_staff_password(
        user=user, password=password_form.password.data or "", actor=current_user),
        success=_("The password is changed."), next_url=back)
    if done:
        return done
    form = StaffEditForm(formdata=None, data=StaffEditForm.initial(user))
    _staff_choices(form)
    return render_template("admin/form.html", form=form, section="staff", back=back,
                           order=_STAFF_ORDER, password_form=password_form, user=user,
                           title=_("Staff account %(name)s", name=user.username)), 422
