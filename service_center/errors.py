"""Domain errors and the one error handler that turns them into JSON or HTML."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: Any = None, *, code: str | None = None,
                 details: dict | None = None):
        super().__init__(str(message) if message is not None else self.code)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationError(DomainError):
    status = 422
    code = "validation_failed"


class BadRequest(DomainError):
    status = 400
    code = "malformed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


_HTTP_CODES = {
    400: ("malformed", _l("The request could not be understood.")),
    401: ("unauthorized", _l("Please sign in.")),
    403: ("forbidden", _l("You are not allowed to do this.")),
    404: ("not_found", _l("Not found.")),
    405: ("method_not_allowed", _l("This method is not allowed here.")),
    409: ("conflict", _l("The request conflicts with the current state.")),
    413: ("too_large", _l("The request body is too large.")),
    415: ("unsupported_media_type", _l("Send JSON with Content-Type: application/json.")),
    422: ("validation_failed", _l("Some values are not valid.")),
    429: ("rate_limited", _l("Too many requests; please wait a moment.")),
    500: ("server_error", _l("Something went wrong on our side.")),
}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and \
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": str(message), "details": details or {}}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, code=code, message=message,
                           details=details or {}), status


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values)


def refuse_nul_bytes():
    """No URL, query or form value may carry a NUL character: PostgreSQL cannot store or
    even compare one (the query fails with a 500), and no legitimate client sends it."""
    if "\x00" in request.path or _has_nul(request.args.keys()) or \
            _has_nul(request.args.values()):
        return error_response(400, "malformed", str(_("The request contains a NUL character.")))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and \
            (_has_nul(request.form.keys()) or _has_nul(request.form.values())):
        return error_response(400, "malformed", str(_("The request contains a NUL character.")))
    return None


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in every URL rule, bounded by what a database integer holds: a larger
    number in a path (/tickets/99999999999999999999) is a plain 404, not an OverflowError
    from the SQLite driver (a 500). Rules that give their own `max` keep it."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


DB_INT_MAX = 2**63 - 1


def refuse_oversized_bodies():
    """A body larger than MAX_CONTENT_LENGTH is refused with 413 before any route runs,
    also by routes that never read their body (werkzeug would only refuse it when the
    body is read, so such a route would answer as if nothing had been sent)."""
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and \
            request.content_length > limit:
        code, message = _HTTP_CODES[413]
        return error_response(413, code, str(message))
    return None


def register_error_handlers(app: Flask) -> None:
    from .extensions import db

    # before any blueprint adds its rules (create_app calls this first)
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_oversized_bodies)
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        message = err.message if err.message is not None else \
            _HTTP_CODES.get(err.status, ("", err.code))[1]
        return error_response(err.status, err.code, str(message), err.details)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        db.session.rollback()
        code, message = _HTTP_CODES.get(err.code or 500, ("http_error", err.description))
        if err.code == 400 and getattr(err, "description", None) and "CSRF" in str(err.description):
            code, message = "csrf_failed", \
                _("Your form expired; please reload the page and try again.")
        details = {}
        if err.code == 429:
            details = {"limit": str(getattr(err, "description", ""))}
        response = make_response(error_response(err.code or 500, code, str(message), details))
        if err.code == 405 and getattr(err, "valid_methods", None):
            # an HTML page's 405 too (error_response gives a rendered string there)
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(RecursionError)
    def _recursion(err):
        db.session.rollback()
        return error_response(400, "malformed", str(_("The JSON body is nested too deeply.")))

    @app.errorhandler(OverflowError)
    def _overflow(err):
        # the last line of defence: a number too large for a float or a database integer
        # (10**400, 1e309 made int) comes from the request; parsers should refuse it first
        db.session.rollback()
        app.logger.warning("number out of range on %s %s: %s", request.method, request.path, err)
        return error_response(400, "malformed", str(_("A number in the request is out of range.")))

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = _HTTP_CODES[500]
        return error_response(500, code, str(message))
