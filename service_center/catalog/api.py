"""Read-only catalog endpoints (halls, departments, service items) for pages and devices."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..money import fen_to_yuan_str
from .models import Department, ServiceItem
from .services import halls, localized_name

bp = Blueprint("catalog_api", __name__, url_prefix="/api/v1")


@bp.get("/halls")
def hall_list():
    return jsonify([{"code": h.code, "name": localized_name(h), "is_main": h.is_main,
                     "categories": [c.prefix for c in h.categories],
                     "windows": [w.number for w in h.windows]} for h in halls()])


@bp.get("/departments")
def department_list():
    rows = db.session.execute(select(Department).order_by(Department.code)).scalars()
    return jsonify([{"code": d.code, "name": localized_name(d)} for d in rows])


def item_json(item: ServiceItem) -> dict:
    return {
        "code": item.code,
        "name": localized_name(item),
        "kind": item.kind,
        "lead_department": item.lead_department.code,
        "queue_category": item.queue_category,
        "statutory_days": item.statutory_days,
        "promised_days": item.promised_days,
        "proxy_service": item.proxy_service,
        "legal_basis": item.legal_basis,
        "materials": [m.name for m in item.materials],
        "parameters": item.parameters or [],
        "fees": [{"code": f.code, "name": localized_name(f), "department": f.department.code,
                  "basis": f.basis, "amount_fen": f.amount_fen, "rate_fen": f.rate_fen,
                  "unit": f.unit, "quantity": f.quantity_param,
                  "rate": fen_to_yuan_str(f.rate_fen) if f.rate_fen is not None else None}
                 for f in item.fee_items],
        "workflow": [{"name": s.name, "tasks": [{"department": t.department.code, "days": t.days}
                                                for t in s.tasks]} for s in item.stages],
    }


@bp.get("/service-items")
def item_list():
    rows = db.session.execute(select(ServiceItem).where(ServiceItem.active.is_(True))
                              .order_by(ServiceItem.code)).scalars()
    return jsonify([item_json(i) for i in rows])


@bp.get("/service-items/<code>")
def item_detail(code: str):
    item = db.session.execute(
        select(ServiceItem).where(ServiceItem.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(_("Unknown service item."))
    return jsonify(item_json(item))
