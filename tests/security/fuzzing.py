"""Shared by the schemathesis run and the hostile-input corpus (issue 8, S3): which demo
account calls which /api/v1 operation, and how a URL rule maps to its spec path."""

from __future__ import annotations

import re
from contextlib import contextmanager

API = "/api/v1"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

# Which demo account calls an operation that needs a signed-in user: the first pattern
# (matched against "METHOD /path" of the spec) that fits; otherwise the administrator.
ACTORS = [
    (r"^(GET|POST) /windows/|^POST /tickets/\{ticket_id\}/", "clerk1"),
    (r"^POST /cases$|^POST /cases/[^/]+/(supplement|complete)$", "clerk1"),
    (r"/tasks/\{task_id\}/decision$|^GET /tasks$", "approver-ghj"),
    (r"^GET /agent/|/handovers$", "agent"),
    (r"^POST /cases/[^/]+/payments$", "cashier"),
    (r"/payments/.+/(refund|void)$|/fee-adjustments$|/(suspend|resume|extension|withdraw)$",
     "manager"),
    (r"/proxy-agent$", "manager"),
    (r"^(GET|POST) /(rectifications|complaints|reports|display)", "manager"),
]


def actor_for(method: str, path: str) -> str:
    label = f"{method.upper()} {path}"
    for pattern, username in ACTORS:
        if re.search(pattern, label):
            return username
    return "admin"


def spec_path(rule: str) -> str:
    """/api/v1/tickets/<int:ticket_id>/start -> /tickets/{ticket_id}/start"""
    return _CONVERTER.sub(r"{\1}", rule[len(API):])


@contextmanager
def rate_limits_off():
    """The limiter is one object shared by every app of the test process: switch it off
    for a fuzzing run (hundreds of requests from one address would only meet 429s) and
    back on after. Never via RATELIMIT_ENABLED=False in an app's config, which
    Limiter.init_app would carry over to every app created after it."""
    from service_center.extensions import limiter

    was = limiter.enabled
    limiter.enabled = False
    try:
        yield
    finally:
        limiter.enabled = was
