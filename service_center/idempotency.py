"""R4: one `Idempotency-Key` mechanism for every signed-in write under /api/v1.

A client (a clerk's console, a cashier's till, an integration) sends a key of its choice
with a POST; sending the same request again with the same key, e.g. after a timeout,
answers with the first response instead of doing the work twice:

- same key, same request (method, path, query and body)  -> the stored response again,
  with `Idempotent-Replayed: true`; the state changed once;
- same key, another request                                -> 422 `idempotency_key_reused`;
- the same key while the first request is still running    -> the second waits for the
  first one's answer (up to IDEMPOTENCY_WAIT_SECONDS) and replays it, else
  409 `idempotency_key_in_flight`; never both execute.

How "never both" holds: the row that claims (user, key) is inserted in the request's
own database transaction, the one the service then commits (services are one
transaction each, db.transactional): the claim and the change commit together or not
at all. A duplicate blocks on the unique (user_id, key) index (PostgreSQL) or on the
write lock (SQLite's BEGIN IMMEDIATE) until the first commits, then finds the claim.
When the operation is refused (a DomainError rolls the transaction back) the claim goes
with it: nothing changed, so the key is free and a retry runs again. A transaction the
service retries (optimistic version check) re-claims the key in its new transaction.
The response is stored right after the view answers; a request that is cut off between
its commit and that point (a killed server) leaves a claim without an answer, which
answers 409 until it expires (the change is done; the client looks at the resource).

Keys are per signed-in user (the bearer token's or the session's account), at most 100
printable ASCII characters, kept IDEMPOTENCY_HOURS (24 h): an expired key is forgotten
when it is used again and `flask idempotency prune` (also run by the server about once
an hour) deletes the rest. Anonymous requests (the kiosk's ticket issue) carry no key
semantics: the header is ignored there.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime, timedelta

import click
from flask import Flask, Response, current_app, g, has_request_context, request, session
from flask_babel import gettext as _
from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, IdMixin, reset_read_only, set_read_only, utcnow
from .errors import error_response
from .extensions import db

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, as HTTP headers carry it
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_EXEMPT_PATHS = ("/api/v1/auth/",)  # signing in: no account yet
_MAX_BODY = 1_000_000  # a stored answer larger than this is not kept (none is, today)


class IdempotentRequest(IdMixin, Base):
    """One claimed (user, key): the request's fingerprint and, once answered, the answer."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key"),
                      Index("ix_idempotent_request_created_at", "created_at"))

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_type: Mapped[str | None] = mapped_column(String(100))
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class _Claim:
    """The request's claim on (user, key) and where it stands in the session."""

    __slots__ = ("user_id", "key", "method", "path", "digest", "inserted", "committed")

    def __init__(self, user_id: int, key: str, method: str, path: str, digest: str):
        self.user_id, self.key, self.method, self.path, self.digest = \
            user_id, key, method, path, digest
        self.inserted = False   # the claim row is in the open transaction
        self.committed = False  # ... and that transaction committed

    def row(self) -> dict:
        return {"user_id": self.user_id, "key": self.key, "method": self.method,
                "path": self.path, "request_hash": self.digest, "created_at": utcnow()}


def fingerprint() -> str:
    """What makes two requests "the same": method, path, query and the body (JSON
    compared by value, so key order and spacing do not matter)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw.decode("utf-8")), sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode("utf-8", "surrogatepass"),
                 request.query_string, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _hours() -> float:
    return float(current_app.config.get("IDEMPOTENCY_HOURS", 24))


def _applies() -> bool:
    return (request.method in _WRITE_METHODS and request.path.startswith("/api/v1/")
            and not request.path.startswith(_EXEMPT_PATHS) and HEADER in request.headers)


def _replay(row: IdempotentRequest) -> Response:
    response = Response(row.response_body or "", status=row.response_status,
                        content_type=row.response_type or "application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _reused():
    return error_response(422, "idempotency_key_reused",
                          _("This idempotency key was used for a different request."),
                          {HEADER: _("Use a new key for a new request.")})


def _find(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.execute(select(IdempotentRequest).where(
        IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    ).scalar_one_or_none()


def _answer_of(row: IdempotentRequest, claim: _Claim):
    if row.request_hash != claim.digest:
        return _reused()
    if row.response_status is not None:
        return _replay(row)
    return None


def _wait_for_answer(claim: _Claim):
    """Another request holds the key: wait for its answer (read transactions only, so
    that the first request can store it), then replay it."""
    deadline = time.monotonic() + float(current_app.config.get("IDEMPOTENCY_WAIT_SECONDS", 10))
    token = set_read_only(True)
    try:
        while True:
            db.session.rollback()
            row = _find(claim.user_id, claim.key)
            if row is None:  # the first request was refused and rolled back: run this one
                return None
            answer = _answer_of(row, claim)
            if answer is not None:
                return answer
            if time.monotonic() > deadline:
                return error_response(
                    409, "idempotency_key_in_flight",
                    _("A request with this idempotency key is still being processed; "
                      "try again in a moment."))
            time.sleep(0.05)
    finally:
        db.session.rollback()
        reset_read_only(token)


def before_request():
    if not _applies():
        return None
    from flask_login import current_user

    from .extensions import csrf

    if not current_user.is_authenticated:
        return None  # an anonymous write (kiosk): the header means nothing; the view decides
    if "Authorization" not in request.headers and session.get("_user_id"):
        csrf.protect()  # as the app's own hook does, before anything is replayed
    key = request.headers[HEADER]
    if not KEY.fullmatch(key):
        return error_response(422, "validation_failed", _("Some values are not valid."),
                              {HEADER: _("At most 100 printable characters.")})
    claim = _Claim(current_user.id, key, request.method, request.path[:500], fingerprint())
    for _attempt in range(3):
        row = _find(claim.user_id, claim.key)
        if row is not None and row.created_at < utcnow() - timedelta(hours=_hours()):
            db.session.delete(row)  # expired: forgotten, the key starts afresh
            db.session.flush()
            row = None
        if row is not None:
            answer = _answer_of(row, claim)
            if answer is not None:
                db.session.rollback()
                return answer
            waited = _wait_for_answer(claim)
            if waited is not None:
                return waited
            continue
        g._idempotency = claim
        try:
            # in the open transaction, which the view's service commits (see the module doc)
            db.session.execute(insert(IdempotentRequest).values(**claim.row()))
        except IntegrityError:  # PostgreSQL: a twin committed the same key meanwhile
            g.pop("_idempotency", None)
            db.session.rollback()
            waited = _wait_for_answer(claim)
            if waited is not None:
                return waited
            continue
        claim.inserted = True
        return None
    return error_response(409, "idempotency_key_in_flight",
                          _("A request with this idempotency key is still being processed; "
                            "try again in a moment."))


def after_request(response: Response) -> Response:
    claim: _Claim | None = g.pop("_idempotency", None) if has_request_context() else None
    if claim is None:
        return response
    if not claim.committed:
        # nothing the request did was committed (refused, or a no-op): the claim is dropped
        # with the transaction at teardown and the key stays free for a retry
        db.session.rollback()
        return response
    body = None if response.is_streamed else response.get_data(as_text=True)
    if body is not None and len(body) > _MAX_BODY:
        body = None
    db.session.rollback()  # whatever the view left uncommitted after its service is not ours
    token = set_read_only(False)
    try:
        db.session.execute(update(IdempotentRequest).where(
            IdempotentRequest.user_id == claim.user_id, IdempotentRequest.key == claim.key
        ).values(response_status=response.status_code, response_body=body,
                 response_type=response.content_type, completed_at=utcnow()))
        db.session.commit()
    except Exception:  # the change is committed; losing its stored answer must not hide it
        db.session.rollback()
        current_app.logger.exception("could not store the answer of idempotency key %r",
                                     claim.key)
    finally:
        reset_read_only(token)
    _maybe_prune()
    return response


_last_prune = {"at": 0.0}


def _maybe_prune() -> None:
    if time.monotonic() - _last_prune["at"] < 3600:
        return
    _last_prune["at"] = time.monotonic()
    try:
        prune()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("pruning idempotency keys failed")


def prune(hours: float | None = None) -> int:
    """Delete the keys older than `hours` (IDEMPOTENCY_HOURS); returns how many."""
    cutoff = utcnow() - timedelta(hours=_hours() if hours is None else hours)
    result = db.session.execute(delete(IdempotentRequest).where(
        IdempotentRequest.created_at < cutoff))
    db.session.commit()
    return result.rowcount or 0


# --- keeping the claim in whichever transaction the request commits -------------------------
def _claim() -> _Claim | None:
    return g.get("_idempotency") if has_request_context() else None


_installed: set[int] = set()


def _install_session_events(session_factory) -> None:
    if id(session_factory) in _installed:
        return
    _installed.add(id(session_factory))

    @event.listens_for(session_factory, "after_begin")
    def _after_begin(session, transaction, connection):
        claim = _claim()
        if claim is None or claim.inserted or claim.committed:
            return
        # a transaction retried after a rollback (db.transactional, record_refusal):
        # claim the key again in the new one
        try:
            with connection.begin_nested():
                connection.execute(insert(IdempotentRequest).values(**claim.row()))
        except IntegrityError:
            from .errors import Conflict

            raise Conflict(_("A request with this idempotency key is still being "
                             "processed; try again in a moment."),
                           code="idempotency_key_in_flight") from None
        claim.inserted = True

    @event.listens_for(session_factory, "after_commit")
    def _after_commit(session):
        claim = _claim()
        if claim is not None and claim.inserted:
            claim.committed = True

    @event.listens_for(session_factory, "after_soft_rollback")
    def _after_rollback(session, previous_transaction):
        claim = _claim()
        if claim is not None and previous_transaction.parent is None and not claim.committed:
            claim.inserted = False


def init_app(app: Flask) -> None:
    app.config.setdefault("IDEMPOTENCY_HOURS", 24)
    app.config.setdefault("IDEMPOTENCY_WAIT_SECONDS", 10)
    app.before_request(before_request)
    app.after_request(after_request)
    _install_session_events(db.session)

    @app.cli.group("idempotency")
    def group():
        """Idempotency keys of the API (R4)."""

    @group.command("prune")
    @click.option("--hours", type=float, default=None,
                  help="Delete keys older than this (default IDEMPOTENCY_HOURS, 24).")
    def prune_command(hours):
        """Delete expired Idempotency-Key records."""
        click.echo(f"deleted {prune(hours)} idempotency keys")
