"""Every queue and catalog endpoint: answers, authorization (401/403), state conflicts
(409), unknown things (404) and hostile input (4xx JSON in the one error shape, never
a 500). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

API = "/api/v1"


def assert_error(res, status: int, code: str | None = None):
    assert res.status_code == status, (res.status_code, res.get_data(as_text=True)[:300])
    body = res.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


# --- public ----------------------------------------------------------------------------------
def test_categories(queue, client):
    queue.issue("A")
    queue.issue("A")
    queue.issue("D")
    rows = client.get(f"{API}/categories").get_json()
    assert [r["prefix"] for r in rows] == ["A", "B", "C", "D", "F"]
    by = {r["prefix"]: r for r in rows}
    assert (by["A"]["waiting"], by["D"]["waiting"], by["B"]["waiting"]) == (2, 1, 0)
    assert by["A"]["name"] == "综合受理"
    assert all(set(r) == {"prefix", "name", "waiting", "estimated_wait_minutes"} for r in rows)
    assert by["B"]["estimated_wait_minutes"] == 0 and by["A"]["estimated_wait_minutes"] > 0
    en = {r["prefix"]: r["name"] for r in client.get(f"{API}/categories?lang=en").get_json()}
    assert en["A"] == "General intake"
    xd = client.get(f"{API}/categories?hall=XD").get_json()
    assert [(r["prefix"], r["waiting"]) for r in xd] == [("A", 0), ("D", 0)]


def test_issue_ticket_answer(queue, client):
    res = client.post(f"{API}/tickets", json={"category": "C", "priority": "priority",
                                              "priority_reason": "elderly",
                                              "phone": "138-0000-0000"})
    assert res.status_code == 201
    body = res.get_json()
    assert {"id", "number", "category", "status", "position", "estimated_wait_minutes",
            "token"} <= set(body)
    assert (body["number"], body["category"], body["status"], body["position"],
            body["priority"], body["hall"]) == ("C001", "C", "waiting", 1, "priority", "MAIN")
    second = queue.issue("C")
    assert (second["number"], second["position"]) == ("C002", 2)


def test_priority_goes_before_normal_in_position(queue):
    queue.issue("A")
    queue.issue("A")
    urgent = queue.issue("A", priority="priority")
    assert urgent["position"] == 1


def test_ticket_by_token_and_cancel(queue, client):
    ticket = queue.issue("A")
    res = client.get(f"{API}/tickets/by-token/{ticket['token']}")
    assert res.status_code == 200
    body = res.get_json()
    assert (body["number"], body["status"], body["position"], body["window"]) == \
        ("A001", "waiting", 1, None)
    assert "token" not in body
    cancelled = client.post(f"{API}/tickets/by-token/{ticket['token']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert_error(client.post(f"{API}/tickets/by-token/{ticket['token']}/cancel"), 409)
    assert client.get(f"{API}/categories").get_json()[0]["waiting"] == 0
    assert_error(client.get(f"{API}/tickets/by-token/nope"), 404, "not_found")
    assert_error(client.post(f"{API}/tickets/by-token/nope/cancel"), 404)
    assert_error(client.get(f"{API}/tickets/by-token/{'x' * 300}"), 404)


def test_ticket_by_token_shows_the_window_when_called(queue, client):
    ticket = queue.issue("A")
    queue.called_number(1, "clerk1")
    body = client.get(f"{API}/tickets/by-token/{ticket['token']}").get_json()
    assert body["status"] == "called" and body["window"]["number"] == 1
    assert body["position"] == 0
    # a called ticket can no longer be cancelled by the applicant
    assert_error(client.post(f"{API}/tickets/by-token/{ticket['token']}/cancel"), 409)


def test_display_snapshot(queue, client):
    for _ in range(3):
        queue.issue("A")
    queue.issue("D")
    assert queue.called_number(1, "clerk1") == "A001"
    assert queue.called_number(5, "clerk5") == "D001"
    assert queue.called_number(2, "clerk2") == "A002"
    snap = client.get(f"{API}/display/snapshot").get_json()
    assert [c["number"] for c in snap["recent_calls"]] == ["A002", "D001", "A001"]
    assert set(snap["recent_calls"][0]) >= {"number", "window_number", "window_name", "called_at"}
    assert snap["recent_calls"][0]["window_number"] == 2
    assert "+08:00" in snap["recent_calls"][0]["called_at"]
    assert snap["waiting"] == {"A": 1, "B": 0, "C": 0, "D": 0, "F": 0}
    windows = {w["number"]: w for w in snap["windows"]}
    assert sorted(windows) == [1, 2, 3, 4, 5, 6, 7]
    assert (windows[1]["status"], windows[1]["current_number"]) == ("open", "A001")
    assert (windows[3]["status"], windows[3]["current_number"]) == ("closed", None)
    xd = client.get(f"{API}/display/snapshot?hall=XD").get_json()
    assert xd["recent_calls"] == [] and sorted(w["number"] for w in xd["windows"]) == [1, 2]


@pytest.mark.parametrize("url", ["/categories?hall=NOPE", "/display/snapshot?hall=NOPE"])
def test_unknown_hall(seeded, client, url):
    assert_error(client.get(API + url), 404, "unknown_hall")


def test_unknown_hall_in_body(seeded, client):
    assert_error(client.post(f"{API}/tickets", json={"category": "A", "hall": "NOPE"}), 404,
                 "unknown_hall")


def test_halls_departments_items(seeded, client):
    halls = client.get(f"{API}/halls").get_json()
    assert [(h["code"], h["is_main"], h["categories"], h["windows"]) for h in halls] == [
        ("MAIN", True, ["A", "B", "C", "D", "F"], [1, 2, 3, 4, 5, 6, 7]),
        ("XD", False, ["A", "D"], [1, 2])]
    depts = client.get(f"{API}/departments").get_json()
    assert len(depts) == 8 and {"code": "GHJ", "name": "区规划局"} in depts
    en = client.get(f"{API}/departments?lang=en").get_json()
    assert {"code": "GHJ", "name": "Planning Bureau"} in en
    items = client.get(f"{API}/service-items").get_json()
    assert [i["code"] for i in items] == ["JS-001", "JS-002", "NJ-001", "QY-001", "SB-001"]
    item = client.get(f"{API}/service-items/JS-001").get_json()
    assert (item["statutory_days"], item["promised_days"], item["lead_department"]) == \
        (20, 10, "GHJ")
    fees = {f["code"]: f for f in item["fees"]}
    assert (fees["RFYD"]["rate_fen"], fees["RFYD"]["rate"], fees["ZLJD"]["amount_fen"]) == \
        (2500, "25.00", 80000)
    assert [[t["department"] for t in s["tasks"]] for s in item["workflow"]] == \
        [["GHJ", "HBJ", "RFB"], ["ZJJ"]]
    assert_error(client.get(f"{API}/service-items/NOPE-1"), 404)


# --- staff: authentication and authorization ----------------------------------------------------
STAFF_POSTS = ["/windows/1/call-next", "/windows/1/recall", "/windows/1/pause",
               "/windows/1/resume", "/windows/1/close", "/tickets/1/start", "/tickets/1/complete",
               "/tickets/1/no-show", "/tickets/1/transfer"]


def test_staff_endpoints_need_sign_in(seeded, client):
    for url in STAFF_POSTS:
        assert_error(client.post(API + url, json={"to_window": 2}), 401, "unauthorized")
        for header in ("Bearer nope", "Bearer ", "Basic YWRtaW46eA==", "Bearer " + "x" * 500):
            res = client.post(API + url, json={"to_window": 2},
                              headers={"Authorization": header})
            assert_error(res, 401)
    assert_error(client.get(f"{API}/windows/1"), 401)


OTHERS = ["clerk2", "manager", "xd-manager", "admin", "approver-ghj", "agent", "cashier",
          "xd-clerk1"]


def test_only_the_windows_clerk_operates_it(queue, client, auth):
    # xd-clerk1 sits at XD window 1: MAIN window 1 is not theirs
    for user in OTHERS:
        for action in ("call-next", "recall", "pause", "resume", "close"):
            res = queue.post(f"/windows/1/{action}?hall=MAIN", user)
            assert res.status_code == 403, (user, action, res.get_json())
            assert_error(res, 403, "forbidden")
        res = client.get(f"{API}/windows/1?hall=MAIN", headers=auth.headers(user))
        assert res.status_code == 403, (user, "state")
    # and nothing happened to window 1
    assert queue.call(1, "clerk1").status_code == 204


def test_only_the_calling_window_operates_a_ticket(queue):
    queue.issue("A")
    called = queue.call(1, "clerk1").get_json()
    for user in OTHERS:
        for action in ("start", "complete", "no-show", "transfer"):
            res = queue.post(f"/tickets/{called['id']}/{action}", user, json={"to_window": 3})
            assert res.status_code == 403, (user, action, res.get_json())
            assert_error(res, 403)
    assert queue.post("/windows/1/recall", "clerk1").get_json()["status"] == "called"


def test_refusals_are_audited(queue, seeded):
    from sqlalchemy import select

    from service_center.audit import AuditEvent
    from service_center.extensions import db

    queue.post("/windows/1/call-next", "clerk2")
    with seeded.app_context():
        rows = db.session.execute(select(AuditEvent).where(AuditEvent.result == "denied")).scalars()
        assert [(r.action, r.actor_name) for r in rows] == [("window.operate", "clerk2")]


def test_xd_clerk_operates_xd_windows(queue, client, auth):
    queue.issue("A", hall="XD")
    res = queue.call(1, "xd-clerk1")  # no hall: the clerk's own hall
    assert res.status_code == 200 and res.get_json()["hall"] == "XD"
    assert queue.call(1, "xd-clerk1", hall="XD").status_code == 204
    state = client.get(f"{API}/windows/1", headers=auth.headers("xd-clerk1")).get_json()
    assert state["number"] == 1 and state["categories"] == ["A", "D"]
    # and MAIN's clerk 1 cannot operate XD window 1
    assert_error(queue.call(1, "clerk1", hall="XD"), 403)


# --- staff: windows ------------------------------------------------------------------------------
def test_call_next_204_when_nobody_waits(queue):
    res = queue.call(1, "clerk1")
    assert res.status_code == 204 and res.get_data() == b""


def test_window_state(queue, client, auth):
    queue.issue("A")
    queue.issue("C")
    queue.issue("A", priority="priority")
    called = queue.call(2, "clerk2").get_json()
    assert called["number"] == "A002"  # the priority ticket
    state = client.get(f"{API}/windows/2", headers=auth.headers("clerk2")).get_json()
    assert (state["status"], state["current_number"], state["current_status"]) == \
        ("open", "A002", "called")
    assert state["current"]["number"] == "A002"
    assert [w["number"] for w in state["waiting"]] == ["A001", "C001"]
    assert state["categories"] == ["A", "C"]
    assert state["today"] == {"served": 0, "no_shows": 0, "avg_service_minutes": None}


def test_unknown_window_404(queue, client, auth):
    assert_error(queue.call(99, "clerk1"), 404, "unknown_window")
    assert_error(client.get(f"{API}/windows/99", headers=auth.headers("clerk1")), 404)
    assert_error(queue.call(1, "clerk1", hall="NOPE"), 404, "unknown_hall")


def test_pause_resume_close(queue):
    queue.issue("A")
    assert queue.post("/windows/1/pause", "clerk1").status_code == 409  # closed: not open yet
    assert queue.post("/windows/1/resume", "clerk1").get_json()["status"] == "open"
    assert_error(queue.post("/windows/1/resume", "clerk1"), 409)
    assert queue.post("/windows/1/pause", "clerk1").get_json()["status"] == "paused"
    assert_error(queue.post("/windows/1/pause", "clerk1"), 409)      # pause twice
    assert_error(queue.call(1, "clerk1"), 409, "window_paused")     # call-next while paused
    assert queue.post("/windows/1/resume", "clerk1").status_code == 200
    assert queue.called_number(1, "clerk1") == "A001"
    assert_error(queue.post("/windows/1/close", "clerk1"), 409, "ticket_in_progress")
    queue.post("/tickets/1/no-show", "clerk1")
    closed = queue.post("/windows/1/close", "clerk1")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    # a closed window opens again with call-next (the start of a shift)
    assert queue.call(1, "clerk1").status_code == 204
    assert queue.post("/windows/1/pause", "clerk1").get_json()["status"] == "paused"
    assert queue.post("/windows/1/close", "clerk1").get_json()["status"] == "closed"


def test_recall(queue, client):
    ticket = queue.issue("A")
    assert_error(queue.post("/windows/1/recall", "clerk1"), 409, "no_current_ticket")
    queue.called_number(1, "clerk1")
    res = queue.post("/windows/1/recall", "clerk1")
    assert res.status_code == 200
    assert (res.get_json()["number"], res.get_json()["recall_count"]) == ("A001", 1)
    assert queue.post("/windows/1/recall", "clerk1").get_json()["recall_count"] == 2
    queue.post(f"/tickets/{ticket['id']}/start", "clerk1")
    assert_error(queue.post("/windows/1/recall", "clerk1"), 409, "not_called")


# --- staff: tickets -------------------------------------------------------------------------------
def test_ticket_lifecycle_conflicts(queue, client):
    ticket = queue.issue("A")
    tid = ticket["id"]
    queue.called_number(1, "clerk1")
    assert_error(queue.post(f"/tickets/{tid}/complete", "clerk1"), 409, "invalid_transition")
    assert queue.post(f"/tickets/{tid}/start", "clerk1").get_json()["status"] == "serving"
    assert_error(queue.post(f"/tickets/{tid}/start", "clerk1"), 409, "invalid_transition")
    assert_error(queue.post(f"/tickets/{tid}/no-show", "clerk1"), 409, "invalid_transition")
    done = queue.post(f"/tickets/{tid}/complete", "clerk1")
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    for action in ("start", "complete", "no-show"):
        assert_error(queue.post(f"/tickets/{tid}/{action}", "clerk1"), 409)
    assert_error(queue.post(f"/tickets/{tid}/transfer", "clerk1", json={"to_window": 3}), 409)
    body = client.get(f"{API}/tickets/by-token/{ticket['token']}").get_json()
    assert body["status"] == "completed"


def test_no_show(queue):
    ticket = queue.issue("A")
    queue.called_number(1, "clerk1")
    res = queue.post(f"/tickets/{ticket['id']}/no-show", "clerk1")
    assert res.status_code == 200 and res.get_json()["status"] == "no_show"
    assert queue.call(1, "clerk1").status_code == 204


def test_waiting_ticket_cannot_be_operated(queue):
    ticket = queue.issue("A")
    for action in ("start", "complete", "no-show"):
        res = queue.post(f"/tickets/{ticket['id']}/{action}", "clerk1")
        assert res.status_code in (403, 409)
        assert_error(res, res.status_code)


def test_unknown_or_out_of_range_ids_404(queue, client, auth):
    for ticket_id in ("999999", "99999999999999999999", "2147483648", "-1", "1e3", "0x10"):
        for action in ("start", "complete", "no-show", "transfer"):
            res = queue.post(f"/tickets/{ticket_id}/{action}", "clerk1", json={"to_window": 2})
            assert res.status_code == 404, (ticket_id, action, res.get_data()[:200])
            assert_error(res, 404)
    for number in ("99", "99999999999999999999", "2147483648", "-1"):
        res = queue.post(f"/windows/{number}/call-next", "clerk1")
        assert res.status_code == 404, (number, res.get_data()[:200])
        assert_error(client.get(f"{API}/windows/{number}", headers=auth.headers("clerk1")), 404)


def test_transfer_to_window(queue):
    ticket = queue.issue("A")
    queue.called_number(1, "clerk1")
    res = queue.post(f"/tickets/{ticket['id']}/transfer", "clerk1", json={"to_window": 3})
    assert res.status_code == 200
    body = res.get_json()
    assert (body["number"], body["status"], body["target_window"], body["window"]) == \
        ("A001", "waiting", 3, None)
    assert queue.called_number(3, "clerk3") == "A001"


def test_transfer_from_serving(queue):
    ticket = queue.issue("A")
    queue.called_number(1, "clerk1")
    queue.post(f"/tickets/{ticket['id']}/start", "clerk1")
    res = queue.post(f"/tickets/{ticket['id']}/transfer", "clerk1", json={"to_category": "D"})
    assert res.status_code == 200
    assert (res.get_json()["category"], res.get_json()["number"]) == ("D", "A001")
    assert queue.called_number(6, "clerk6") == "A001"


TRANSFER_BAD = [
    ({}, None),                                   # neither target
    ({"to_window": 3, "to_category": "D"}, None),  # both
    ({"to_window": "3"}, "to_window"),
    ({"to_window": True}, "to_window"),
    ({"to_window": 3.0}, "to_window"),
    ({"to_window": 0}, "to_window"),
    ({"to_window": 10**30}, "to_window"),
    ({"to_window": 99}, None),                    # no such window
    ({"to_window": 1}, None),                     # the same window
    ({"to_category": "Z"}, None),
    ({"to_category": 5}, "to_category"),
    ({"to_category": "D\u0000"}, "to_category"),
]


def test_transfer_bad_input(queue):
    ticket = queue.issue("A")
    queue.called_number(1, "clerk1")
    for body, field in TRANSFER_BAD:
        res = queue.post(f"/tickets/{ticket['id']}/transfer", "clerk1", json=body)
        assert res.status_code == 422, (body, res.get_json())
        err = assert_error(res, 422)
        if field:
            assert field in err["details"], (body, err)
    for raw in (b"", b"[3]", b"{", b"[" * 10000):
        res = queue.post(f"/tickets/{ticket['id']}/transfer", "clerk1", data=raw,
                         content_type="application/json")
        assert_error(res, 400)
    # nothing changed
    assert queue.post("/windows/1/recall", "clerk1").get_json()["status"] == "called"


def test_transfer_to_another_halls_window_is_refused(queue):
    ticket = queue.issue("A", hall="XD")
    queue.called_number(1, "xd-clerk1")
    err = assert_error(queue.post(f"/tickets/{ticket['id']}/transfer", "xd-clerk1",
                                  json={"to_window": 5}), 422)
    assert err["code"] == "unknown_window"


# --- hostile input ----------------------------------------------------------------------------
RAW_BODIES = [
    pytest.param(b"", 400, id="empty"),
    pytest.param(b"{", 400, id="malformed"),
    pytest.param(b"{'category': 'A'}", 400, id="single-quotes"),
    pytest.param(b"[1, 2]", 400, id="array"),
    pytest.param(b'"A"', 400, id="string"),
    pytest.param(b"null", 400, id="null"),
    pytest.param(b"5", 400, id="number"),
    pytest.param(b"[" * 10000, 400, id="deep-unclosed"),
    pytest.param(b"[" * 10000 + b"]" * 10000, 400, id="deep-array"),
    pytest.param(b'{"a":' * 5000 + b"1" + b"}" * 5000, 400, id="deep-object"),
    pytest.param(b'{"category": "A", "x": ' + b"[" * 40 + b"]" * 40 + b"}", 400, id="depth-40"),
    pytest.param(b'{"category": "\xff\xfe"}', 400, id="invalid-utf8"),
    pytest.param(b'\xef\xbb\xbf{"category": "A"}', 400, id="utf8-bom"),
    pytest.param(b'{"category": "A", "n": ' + b"9" * 5000 + b"}", 400, id="huge-int"),
    pytest.param(b'{"category": "A", "n": NaN}', 201, id="nan-ignored-field"),
    pytest.param(b'{"category": "A\\u0000"}', 422, id="nul-escaped"),
    pytest.param(b'{"category": "\\ud800"}', 400, id="lone-surrogate"),
    pytest.param(b'{"category": 5}', 422, id="category-int"),
    pytest.param(b'{"category": ["A"]}', 422, id="category-list"),
    pytest.param(b'{"category": {"prefix": "A"}}', 422, id="category-object"),
    pytest.param(b'{"category": null}', 422, id="category-null"),
    pytest.param(b'{"category": ""}', 422, id="category-empty"),
    pytest.param(b'{"category": "Z"}', 422, id="unknown-category"),
    pytest.param(b'{"category": "AAAAAAAAAAAAAAAA"}', 422, id="category-too-long"),
    pytest.param(b'{"category": "a"}', 422, id="lower-case"),
    pytest.param(b'{"priority": "normal"}', 422, id="missing-category"),
    pytest.param(b'{"category": "A", "priority": "urgent"}', 422, id="priority-urgent"),
    pytest.param(b'{"category": "A", "priority": true}', 422, id="priority-bool"),
    pytest.param(b'{"category": "A", "priority": 1}', 422, id="priority-int"),
    pytest.param(b'{"category": "A", "priority_reason": "rich"}', 422, id="bad-reason"),
    pytest.param(b'{"category": "A", "phone": "call me"}', 422, id="bad-phone"),
    pytest.param(b'{"category": "A", "phone": 13800000000}', 422, id="phone-int"),
    pytest.param(b'{"category": "A", "phone": "' + b"1" * 100 + b'"}', 422, id="phone-long"),
    pytest.param(b'{"category": "A", "hall": 5}', 422, id="hall-int"),
    pytest.param(b'{"category": "A", "hall": "\\u0000"}', 422, id="hall-nul"),
    pytest.param(b'{"category": "A", "hall": "' + b"X" * 30 + b'"}', 422, id="hall-long"),
]


def test_issue_hostile_bodies(seeded, client):
    for case in RAW_BODIES:
        (raw, status), name = case.values, case.id
        res = client.post(f"{API}/tickets", data=raw, content_type="application/json")
        assert res.status_code == status, (name, res.status_code, res.get_data()[:200])
        if status != 201:
            assert_error(res, status)


def test_nothing_issued_by_bad_requests(queue, client):
    client.post(f"{API}/tickets", json={"category": "Z"})
    client.post(f"{API}/tickets", json={"category": "A", "priority": "urgent"})
    assert queue.issue("A")["number"] == "A001"


def test_hostile_path_and_query_values(seeded, client):
    """A NUL anywhere in the URL is refused up front (400); other odd values are unknown."""
    def expect(value):
        return 400 if "%00" in value else 404

    for token in ("%00", "a%00b", "\u4e2d", "%FF%FE", "%ED%A0%80"):
        assert_error(client.get(f"{API}/tickets/by-token/{token}"), expect(token))
        assert_error(client.post(f"{API}/tickets/by-token/{token}/cancel"), expect(token))
    for hall in ("%00", "A%00B", "%FF", "%ED%A0%80", "x" * 300):
        for url in ("/categories", "/display/snapshot"):
            assert_error(client.get(f"{API}{url}?hall={hall}"), expect(hall))
    for code in ("%00", "JS-001%00", "%ED%A0%80", "x" * 500):
        assert_error(client.get(f"{API}/service-items/{code}"), expect(code))
    assert_error(client.get(f"{API}/categories?x%00=1"), 400, "malformed")


def test_http_errors_are_json(seeded, client):
    raw = b'{"category": "A", "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert_error(client.post(f"{API}/tickets", data=raw, content_type="application/json"), 413)
    assert_error(client.delete(f"{API}/tickets"), 405, "method_not_allowed")
    assert_error(client.get(f"{API}/nothing-here"), 404, "not_found")
