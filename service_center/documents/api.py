"""GET /api/v1/cases/<no>/documents/<kind>.pdf — for staff who may see the case, or for
the applicant with the case's query code (checked and rate limited like tracking)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from ..apiutil import query_int
from ..approvals import services as case_services
from ..auth.permissions import authorize
from ..errors import NotFound
from ..extensions import limiter
from . import assemble

bp = Blueprint("documents_api", __name__, url_prefix="/api/v1")


def _track_limit() -> str:
    return current_app.config.get("TRACK_RATE_LIMIT", "10 per minute")


# the same budget of failures per address as GET /track (scope "track"); staff are not
# counted (a whole hall may share one address)
_limit = limiter.shared_limit(
    _track_limit, scope="track", exempt_when=lambda: current_user.is_authenticated,
    deduct_when=lambda response: response.status_code == 404)


def _code_if_valid(tracking_no: str, code: str | None) -> str | None:
    if not code:
        return None
    try:
        case_services.track(tracking_no, code)
    except NotFound:
        return None
    return case_services.normalise_code(code)


@bp.get("/cases/<tracking_no>/documents/<kind>.pdf")
@_limit
def document(tracking_no: str, kind: str):
    if kind not in assemble.KINDS:
        raise NotFound(_("No such document."), code="unknown_document")
    code = request.args.get("code")
    if current_user.is_authenticated:
        case = case_services.get_case(tracking_no)
        authorize("case.documents", case, entity_type="case", entity_id=case.id)
        code = _code_if_valid(tracking_no, code)
    else:
        # a wrong code answers exactly like an unknown number
        case = case_services.track(tracking_no, code or "")
        code = case_services.normalise_code(code)
    track_url = request.host_url + "track?" + urlencode(
        {"no": case.tracking_no, **({"code": code} if code else {})})
    pdf = assemble.case_document(case, kind, query_code=code, track_url=track_url,
                                 payment_id=query_int("payment", minimum=1, maximum=2**31 - 1))
    if pdf is None:
        raise NotFound(_("This document is not available for the case yet."),
                       code="document_not_available", details={"kind": kind})
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = \
        f'inline; filename="{case.tracking_no}-{kind}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
