"""R4: a double-submitted call-next, decision or payment changes state once.

One mechanism (service_center/idempotency.py) for every signed-in write under /api/v1:
the same `Idempotency-Key` with the same request replays the first answer; with another
request it is refused (422 idempotency_key_reused); two at once never both execute. On
SQLite and PostgreSQL. A retry *without* a key is a new request: see
test_call_next_retry_without_a_key_is_a_second_call."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from service_center.audit import AuditEvent
from service_center.db import utcnow
from service_center.extensions import db
from service_center.idempotency import IdempotentRequest
from service_center.queueing.models import Ticket
from tests.fees.conftest import JS_1200_TOTAL, fees, traveller  # noqa: F401


def _post(client, auth, url, user, key=None, **kwargs):
    headers = auth.headers(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1" + url, headers=headers, **kwargs)


def _issue(client, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        res = client.post("/api/v1/tickets", json={"category": "A"})
        assert res.status_code == 201, res.get_json()
        out.append(res.get_json())
    return out


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(select(Ticket.number, Ticket.status)).all()
        db.session.remove()
    return dict(rows)


def _audits(app, action: str) -> int:
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == action)).scalar_one()
        db.session.remove()
    return n


def test_call_next_twice_with_one_key_calls_once(seeded, client, auth):
    _issue(client, 3)
    first = _post(client, auth, "/windows/1/call-next", "clerk1", key="call-1")
    again = _post(client, auth, "/windows/1/call-next", "clerk1", key="call-1")
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert first.get_json()["number"] == "A001"
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _statuses(seeded) == {"A001": "called", "A002": "waiting", "A003": "waiting"}
    # a new key is a new call: A001 is left as a no-show, A002 called
    third = _post(client, auth, "/windows/1/call-next", "clerk1", key="call-2")
    assert third.get_json()["number"] == "A002"
    assert _statuses(seeded) == {"A001": "no_show", "A002": "called", "A003": "waiting"}


def test_call_next_retry_without_a_key_is_a_second_call(seeded, client, auth):
    """R4's "or a retry": call-next is not idempotent by nature (it ends the current ticket
    and calls the next one). A retry that carries no key is a second call-next: the first
    ticket becomes a no-show. A client that may retry must send a key and reuse it for
    the retry (the clerk console does not retry: its buttons stay disabled while busy)."""
    _issue(client, 2)
    assert _post(client, auth, "/windows/1/call-next", "clerk1").get_json()["number"] == "A001"
    assert _post(client, auth, "/windows/1/call-next", "clerk1").get_json()["number"] == "A002"
    assert _statuses(seeded) == {"A001": "no_show", "A002": "called"}


def test_recall_and_transfer_replay(seeded, client, auth):
    _issue(client, 2)
    called = _post(client, auth, "/windows/1/call-next", "clerk1", key="c").get_json()
    for _ in range(2):
        res = _post(client, auth, "/windows/1/recall", "clerk1", key="r")
        assert res.status_code == 200
        assert res.get_json()["recall_count"] == 1
    assert _audits(seeded, "recalled") == 1
    for _ in range(2):
        res = _post(client, auth, f"/tickets/{called['id']}/transfer", "clerk1", key="t",
                    json={"to_window": 2})
        assert res.status_code == 200, res.get_json()
    with seeded.app_context():
        assert db.session.get(Ticket, called["id"]).transfer_count == 1
        db.session.remove()
    # the same key and path with another body: refused
    other = _post(client, auth, f"/tickets/{called['id']}/transfer", "clerk1", key="t",
                  json={"to_window": 3})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_a_refused_access_with_a_key_answers_the_same_again(seeded, client, auth):
    """A 403 is audited in a transaction of its own (audit.record_refusal): the key is
    claimed in that one, and the retry gets the same refusal without a second audit."""
    _issue(client, 1)
    for _ in range(2):
        res = _post(client, auth, "/windows/1/call-next", "clerk2", key="not-mine")
        assert res.status_code == 403, res.get_json()
    assert _statuses(seeded) == {"A001": "waiting"}
    with seeded.app_context():
        denied = db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.result == "denied", AuditEvent.actor_name.is_not(None))).scalar_one()
        db.session.remove()
    assert denied == 1


def test_a_key_is_per_user_and_the_body_must_match(seeded, client, auth):
    _issue(client, 3)
    assert _post(client, auth, "/windows/1/call-next", "clerk1", key="k").status_code == 200
    # another clerk's identical key is theirs
    other = _post(client, auth, "/windows/2/call-next", "clerk2", key="k")
    assert other.status_code == 200 and other.get_json()["number"] == "A002"
    # the same key for another request: refused, nothing happens
    reused = _post(client, auth, "/windows/1/recall", "clerk1", key="k")
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert _audits(seeded, "recalled") == 0
    bad = _post(client, auth, "/windows/1/recall", "clerk1", key="ä" * 3)
    assert bad.status_code in (400, 422)
    too_long = _post(client, auth, "/windows/1/recall", "clerk1", key="x" * 101)
    assert too_long.status_code == 422


def test_a_refused_request_leaves_the_key_free(seeded, client, auth):
    _issue(client, 2)
    assert _post(client, auth, "/windows/1/call-next", "clerk1").status_code == 200  # opens
    assert _post(client, auth, "/windows/1/pause", "clerk1").status_code == 200
    refused = _post(client, auth, "/windows/1/call-next", "clerk1", key="p")
    assert refused.status_code == 409
    assert _post(client, auth, "/windows/1/resume", "clerk1").status_code == 200
    done = _post(client, auth, "/windows/1/call-next", "clerk1", key="p")
    assert done.status_code == 200 and done.get_json()["number"] == "A002"
    assert "Idempotent-Replayed" not in done.headers


def test_keys_expire_and_are_pruned(seeded, client, auth, runner):
    _issue(client, 2)
    assert _post(client, auth, "/windows/1/call-next", "clerk1", key="old").status_code == 200
    with seeded.app_context():
        db.session.execute(update(IdempotentRequest).values(
            created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        db.session.remove()
    # an expired key is forgotten: the request runs again
    res = _post(client, auth, "/windows/1/call-next", "clerk1", key="old")
    assert res.get_json()["number"] == "A002" and "Idempotent-Replayed" not in res.headers
    with seeded.app_context():
        db.session.execute(update(IdempotentRequest).values(
            created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
        db.session.remove()
    out = runner.invoke(args=["idempotency", "prune"])
    assert out.exit_code == 0 and "deleted 1 " in out.output, out.output
    with seeded.app_context():
        assert db.session.execute(select(func.count()).select_from(IdempotentRequest)
                                  ).scalar_one() == 0
        db.session.remove()


def test_decision_twice_with_one_key_decides_once(fees):  # noqa: F811
    case = fees.case()
    no = case["tracking_no"]
    task = fees.task(fees.get(no), "GHJ")
    url = f"/cases/{no}/tasks/{task['id']}/decision"
    body = {"decision": "approve", "opinion": "同意"}
    first = _post(fees.client, fees.auth, url, "approver-ghj", key="d1", json=body)
    again = _post(fees.client, fees.auth, url, "approver-ghj", key="d1", json=body)
    assert first.status_code == again.status_code == 200, (first.get_json(), again.get_json())
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # without the key the retry is refused by the task's state (already decided): once
    plain = _post(fees.client, fees.auth, url, "approver-ghj", json=body)
    assert plain.status_code == 409
    decided = [a for a in _audit_rows(fees.client.application, "case_task")
               if a == ("approved",)]
    assert len(decided) <= 1
    assert fees.task(fees.get(no), "GHJ")["status"] == "approved"


def _audit_rows(app, entity_type: str) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.to_state).where(
            AuditEvent.entity_type == entity_type, AuditEvent.to_state == "approved")).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_payment_twice_with_one_key_pays_once(fees):  # noqa: F811
    case = fees.case()
    no = case["tracking_no"]
    fees.approve_all(no)
    first = fees.pay(no, JS_1200_TOTAL, key="pay-1")
    again = fees.pay(no, JS_1200_TOTAL, key="pay-1")
    assert first.status_code == again.status_code == 201, (first.get_json(), again.get_json())
    assert again.get_json() == first.get_json()
    other_amount = fees.pay(no, JS_1200_TOTAL - 1, key="pay-1")
    assert other_amount.status_code == 422
    assert other_amount.get_json()["error"]["code"] == "idempotency_key_reused"
    payments = [e for e in fees.ledger(no)["entries"] if e["kind"] == "payment"]
    assert len(payments) == 1


@pytest.mark.slow
def test_concurrent_duplicates_execute_once(live_server, seeded):
    """Eight copies of one call-next (same key) sent at the same moment, then eight of a
    recall: each operation happens once, every copy gets the same answer, none fails."""
    with requests.Session() as http:
        for _ in range(5):
            assert http.post(f"{live_server.url}/api/v1/tickets",
                             json={"category": "A"}).status_code == 201
        token = http.post(f"{live_server.url}/api/v1/auth/token",
                          json={"username": "clerk1", "password": _password()}).json()["token"]
    copies = 8
    for url, key in (("/windows/1/call-next", "twin-call"), ("/windows/1/recall", "twin-rc")):
        answers: list[tuple[int, dict | None, str | None]] = []
        barrier = threading.Barrier(copies)

        def send(url=url, key=key, answers=answers, barrier=barrier):
            with requests.Session() as http:
                barrier.wait()
                res = http.post(f"{live_server.url}/api/v1{url}", timeout=60,
                                headers={"Authorization": f"Bearer {token}",
                                         "Idempotency-Key": key})
                answers.append((res.status_code, res.json() if res.content else None,
                                res.headers.get("Idempotent-Replayed")))

        threads = [threading.Thread(target=send) for _ in range(copies)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
        statuses = Counter(a[0] for a in answers)
        assert statuses == {200: copies}, answers
        assert len({a[1]["id"] for a in answers}) == 1
        assert sum(1 for a in answers if a[2] is None) == 1  # one executed, the rest replayed
    assert _statuses(seeded) == {"A001": "called", "A002": "waiting", "A003": "waiting",
                                 "A004": "waiting", "A005": "waiting"}
    assert _audits(seeded, "recalled") == 1


def _password() -> str:
    from tests.conftest import DEMO_PASSWORD

    return DEMO_PASSWORD
