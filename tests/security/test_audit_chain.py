"""S5: the audit trail is append-only (no update or delete through the app), hash-chained
(a row edited, removed or cut off in the database is found), kept at least 180 days."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from service_center import audit
from service_center.audit import AuditEvent, AuditImmutable
from service_center.extensions import db

from .conftest import audit_rows, login_page, token


def _some_history(app, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit.record("test_event", "thing", i, details={"n": i, "text": "二号窗口",
                                                            "nested": {"b": [1, 2.5, None]}})
            db.session.commit()


def test_chain_verifies_after_real_activity(seeded, client):
    login_page(client, "clerk1")
    token(seeded.test_client(), "clerk1", "wrong-password-1")
    _some_history(seeded)
    with seeded.app_context():
        report = audit.verify()
        assert report.ok, report.summary()
        count = db.session.execute(select(db.func.count(AuditEvent.id))).scalar_one()
        assert report.checked == count > 25
        seqs = db.session.execute(select(AuditEvent.seq).order_by(AuditEvent.id)).scalars()
        assert list(seqs) == list(range(1, count + 1))
    result = seeded.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_event SET to_state = 'approved' WHERE seq = {mid}",
    "UPDATE audit_event SET details = '{{\"n\": 99}}' WHERE seq = {mid}",
    "UPDATE audit_event SET actor_name = 'someone' WHERE seq = {mid}",
    "UPDATE audit_event SET at = at + interval '1 second' WHERE seq = {mid}",
    "DELETE FROM audit_event WHERE seq = {mid}",
    "DELETE FROM audit_event WHERE seq = {last}",
    "UPDATE audit_event SET hash = '{fake}' WHERE seq = {mid}",
])
def test_tampering_is_found(seeded, tamper, backend):
    _some_history(seeded, 6)
    with seeded.app_context():
        last = db.session.execute(select(db.func.max(AuditEvent.seq))).scalar_one()
        mid = last - 3
        sql = tamper.format(mid=mid, last=last, fake="f" * 64)
        if backend == "sqlite":
            sql = sql.replace("at + interval '1 second'", "'2030-01-01 00:00:00.000000'")
        db.session.execute(text(sql))
        db.session.commit()
        report = audit.verify()
        assert not report.ok
        expected = last if "seq = {last}" in tamper else mid
        assert report.broken_seq == expected, report.summary()
    result = seeded.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_records_cannot_be_changed_through_the_orm(seeded):
    _some_history(seeded, 2)
    with seeded.app_context():
        row = db.session.execute(select(AuditEvent).limit(1)).scalar_one()
        row.result = "ok-edited"
        with pytest.raises(AuditImmutable):
            db.session.commit()
        db.session.rollback()
        row = db.session.execute(select(AuditEvent).limit(1)).scalar_one()
        db.session.delete(row)
        with pytest.raises(AuditImmutable):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(AuditImmutable):
            db.session.execute(update(AuditEvent).values(result="x"))
        db.session.rollback()
        with pytest.raises(AuditImmutable):
            db.session.execute(db.delete(AuditEvent))
        db.session.rollback()
        assert audit.verify().ok


def test_no_route_edits_audit_records(seeded):
    """No endpoint of the app names the audit trail with a writing method."""
    for rule in seeded.url_map.iter_rules():
        writes = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        assert not (writes and "audit" in rule.rule.lower()), rule.rule


def test_prune_keeps_180_days_and_the_chain(seeded, clock):
    _some_history(seeded, 4)
    old = len(audit_rows(seeded))  # the seeding's records and these four
    clock.shift(200 * 86400)
    _some_history(seeded, 3)
    runner = seeded.test_cli_runner()
    refused = runner.invoke(args=["audit", "prune", "--older-than-days", "179"])
    assert refused.exit_code == 2 and "180" in refused.output
    with seeded.app_context():
        with pytest.raises(Exception, match="180"):
            audit.prune(30)
        db.session.rollback()
    done = runner.invoke(args=["audit", "prune", "--older-than-days", "180"])
    assert done.exit_code == 0, done.output
    assert f"removed {old} " in done.output
    rows = audit_rows(seeded)
    assert [r.action for r in rows] == ["test_event"] * 3 + ["audit_pruned"]
    with seeded.app_context():
        assert audit.verify().ok
        assert all(r.at > audit.utcnow() - timedelta(days=180) for r in rows)
    # nothing younger than 180 days is ever removed
    again = runner.invoke(args=["audit", "prune", "--older-than-days", "180"])
    assert "removed 0 " in again.output


def test_concurrent_writers_keep_one_chain(seeded):
    """Eight threads writing at once: one unbroken chain, no duplicate sequence number."""
    errors = []

    def writer(n):
        try:
            with seeded.app_context():
                for i in range(15):
                    audit.record("concurrent", "thing", f"{n}-{i}")
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with seeded.app_context():
        report = audit.verify()
        assert report.ok, report.summary()
        assert db.session.execute(select(db.func.count()).where(
            AuditEvent.action == "concurrent")).scalar_one() == 120


def test_sign_in_events_are_audited(seeded, client, clock):
    """login, refusal, lockout, logout: each leaves a record with who, when, result."""
    for _ in range(5):
        token(seeded.test_client(), "clerk2", "wrong-password-1")
    clock.shift(61)
    login_page(client, "clerk2")
    from ..conftest import extract_csrf

    client.post("/logout", data={"csrf_token": extract_csrf(
        client.get("/console").get_data(as_text=True))})
    rows = [(r.action, r.result) for r in audit_rows(seeded) if r.actor_name == "clerk2"]
    assert rows == [("login", "denied")] * 4 + [("account_locked", "locked"),
                                                ("login", "denied"), ("login", "ok"),
                                                ("logout", "ok")]
    assert all(r.at is not None and r.ip for r in audit_rows(seeded, "login"))
