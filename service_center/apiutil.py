"""Shared helpers for the JSON API: reading a body, validating fields, one error shape."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_babel import gettext as _

from .errors import BadRequest, ValidationError

MAX_DEPTH = 32
DB_INT_MIN, DB_INT_MAX = -(2**31), 2**31 - 1


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800": JSON allows it, UTF-8 not
        return False
    return True


def _depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deep the value nests (stops counting past `limit`); -1 when a string in it
    (key or value) is not valid Unicode, which no database column can store."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > limit:
            return depth
        if isinstance(node, str) and not _encodable(node):
            return -1
        if isinstance(node, dict):
            stack.extend((k, depth + 1) for k in node)
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, or a 400 that says why not."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise BadRequest(_("A JSON object is required in the request body."))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(_("The body is not valid UTF-8.")) from exc
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise BadRequest(_("The JSON body is nested too deeply.")) from exc
    except ValueError as exc:
        raise BadRequest(_("The body is not valid JSON."),
                         details={"reason": str(exc)[:200]}) from exc
    if not isinstance(value, dict):
        raise BadRequest(_("The JSON body must be an object."))
    depth = _depth(value)
    if depth < 0:
        raise BadRequest(_("The body is not valid UTF-8."))
    if depth > MAX_DEPTH:
        raise BadRequest(_("The JSON body is nested too deeply."))
    with_nul = [key for key, item in value.items() if _has_nul(key) or _has_nul(item)]
    if with_nul:
        # PostgreSQL can neither store nor compare a NUL: refused for every field here,
        # also for those a route reads without Fields (a 500 on PostgreSQL otherwise)
        raise ValidationError(_("Some values are not valid."), details={
            str(key).replace("\x00", "\\u0000"): _("Must not contain NUL characters.")
            for key in with_nul})
    return value


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


class Fields:
    """Collects field errors so that one 422 names every bad field at once."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.errors: dict[str, str] = {}

    def _missing(self, name: str, required: bool) -> bool:
        if name not in self.data or self.data[name] is None:
            if required:
                self.errors[name] = _("This field is required.")
            return True
        return False

    def string(self, name: str, *, required: bool = False, max_len: int = 200,
               choices: tuple[str, ...] | None = None, default: str | None = None) -> str | None:
        if self._missing(name, required):
            return default
        value = self.data[name]
        if not isinstance(value, str):
            self.errors[name] = _("Must be a string.")
            return None
        value = value.strip()
        if "\x00" in value:
            self.errors[name] = _("Must not contain NUL characters.")
            return None
        if required and not value:
            self.errors[name] = _("This field is required.")
            return None
        if len(value) > max_len:
            self.errors[name] = _("At most %(n)d characters.", n=max_len)
            return None
        if choices is not None and value not in choices:
            self.errors[name] = _("Must be one of: %(choices)s.", choices=", ".join(choices))
            return None
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = None) -> int | None:
        if self._missing(name, required):
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = _("Must be a whole number.")
            return None
        # without bounds of its own, what a database INTEGER column holds (PostgreSQL
        # answers a larger number with an error, which would be a 500)
        minimum = DB_INT_MIN if minimum is None else minimum
        maximum = DB_INT_MAX if maximum is None else maximum
        if minimum is not None and value < minimum:
            self.errors[name] = _("Must be at least %(n)d.", n=minimum)
            return None
        if maximum is not None and value > maximum:
            self.errors[name] = _("Must be at most %(n)d.", n=maximum)
            return None
        return value

    def check(self) -> None:
        if self.errors:
            raise ValidationError(_("Some values are not valid."), details=self.errors)


def query_int(name: str, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit():
        raise ValidationError(_("Some values are not valid."),
                              details={name: _("Must be a whole number.")})
    value = int(raw)
    if value < minimum or value > maximum:
        raise ValidationError(_("Some values are not valid."),
                              details={name: _("Out of range.")})
    return value
