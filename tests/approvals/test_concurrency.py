"""R4/R5 for cases: a double-submitted decision changes state once; two departments
approving the last steps of a stage at the same moment open the next stage exactly once."""

import threading

from service_center.audit import AuditEvent
from service_center.extensions import db


def _race(app, calls):
    """Run each (path, headers, body) POST in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, path, headers, body):
        client = app.test_client()
        barrier.wait()
        results[i] = client.post(path, json=body, headers=headers).status_code

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _count(app, action):
    with app.app_context():
        return db.session.query(AuditEvent).filter_by(action=action).count()


def test_double_submitted_decision_changes_state_once(cases, seeded):
    case = cases.create()
    no = case["tracking_no"]
    task = cases.task(case, "GHJ")
    path = f"/api/v1/cases/{no}/tasks/{task['id']}/decision"
    headers = cases.auth.headers("approver-ghj")
    results = _race(seeded, [(path, headers, {"decision": "approve", "opinion": "ok"})] * 4)
    assert sorted(results) == [200, 409, 409, 409]
    assert _count(seeded, "task_approved") == 1


def test_concurrent_approvals_open_the_next_stage_once(cases, seeded):
    case = cases.create()
    no = case["tracking_no"]
    assert cases.decide(case, "RFB").status_code == 200
    calls = []
    for dept, user in (("GHJ", "approver-ghj"), ("HBJ", "approver-hbj")):
        task = cases.task(case, dept)
        calls.append((f"/api/v1/cases/{no}/tasks/{task['id']}/decision",
                      cases.auth.headers(user), {"decision": "approve", "opinion": "ok"}))
    assert _race(seeded, calls) == [200, 200]
    after = cases.get(no)
    assert [s["status"] for s in after["stages"]] == ["approved", "active"]
    assert cases.task(after, "ZJJ")["status"] == "active"
    assert _count(seeded, "stage_approved") == 1
    assert _count(seeded, "task_approved") == 3


def test_approve_and_reject_race_one_outcome(cases, seeded):
    """A rejection and the last approval of a stage at once: the case ends in one state
    that agrees with its steps, never approved-and-rejected."""
    case = cases.create()
    no = case["tracking_no"]
    cases.decide(case, "RFB")
    cases.decide(case, "GHJ")
    calls = []
    for decision, user in (("approve", "approver-hbj"), ("reject", "approver-hbj")):
        task = cases.task(case, "HBJ")
        calls.append((f"/api/v1/cases/{no}/tasks/{task['id']}/decision",
                      cases.auth.headers(user), {"decision": decision, "opinion": "x"}))
    assert sorted(_race(seeded, calls)) == [200, 409]
    after = cases.get(no)
    hbj = cases.task(after, "HBJ")["status"]
    assert (hbj, after["status"]) in {("approved", "in_progress"), ("rejected", "rejected")}
