"""The call order of PRODUCT.md, one rule for every window:
(1) tickets transferred to this very window, oldest first;
(2) priority tickets of any category the window serves, oldest first;
(3) normal tickets of the first category in the window's list with anyone waiting.
Demo windows: 1 [A], 2 [A, C], 3 [B, A], 4 [C, A], 5 [D, A], 6 [D], 7 [F]."""

from __future__ import annotations

import pytest

# (tickets issued in order: "A" normal, "A!" priority; window that calls; expected numbers
#  in call order until the window finds nobody)
ORDER_CASES = [
    pytest.param(["A", "A", "A"], 1, ["A001", "A002", "A003"], id="oldest-first"),
    pytest.param(["A", "D", "A", "D"], 5, ["D001", "D002", "A001", "A002"],
                 id="list-order-D-before-A"),
    pytest.param(["D", "A", "A", "D"], 6, ["D001", "D002"], id="only-listed-categories"),
    pytest.param(["A", "A", "A!", "D", "A!"], 5, ["A003", "A004", "D001", "A001", "A002"],
                 id="priority-of-any-served-category-first"),
    pytest.param(["C", "A", "B", "A!"], 3, ["A002", "B001", "A001"], id="priority-then-list"),
    pytest.param(["C", "C!", "A"], 1, ["A001"], id="priority-of-unserved-category-ignored"),
    pytest.param(["A", "C", "A"], 4, ["C001", "A001", "A002"], id="window-4-C-first"),
    pytest.param(["A", "C", "A"], 2, ["A001", "A002", "C001"], id="window-2-A-first"),
    pytest.param(["F", "A"], 7, ["F001"], id="cashier-fees-only"),
]


@pytest.mark.parametrize(("issued", "window", "expected"), ORDER_CASES)
def test_call_order(queue, issued, window, expected):
    for spec in issued:
        queue.issue(spec[0], priority="priority" if spec.endswith("!") else "normal")
    clerk = "cashier" if window == 7 else f"clerk{window}"
    got = []
    while (number := queue.called_number(window, clerk)) is not None:
        got.append(number)
        assert len(got) < 20
    assert got == expected


def test_transferred_to_this_window_comes_first(queue):
    for _ in range(3):
        queue.issue("D")
    a1 = queue.issue("A")
    queue.issue("A", priority="priority")
    assert queue.called_number(1, "clerk1") == "A002"   # priority A
    assert queue.called_number(1, "clerk1") == "A001"
    res = queue.post(f"/tickets/{a1['id']}/transfer", "clerk1", json={"to_window": 6})
    assert res.status_code == 200
    # window 6 serves only D, yet the ticket transferred to it comes before D001
    assert queue.called_number(6, "clerk6") == "A001"
    assert queue.called_number(6, "clerk6") == "D001"
    # and nobody else can call a ticket reserved for window 6
    queue.called_number(6, "clerk6")
    b = queue.issue("D")
    queue.called_number(6, "clerk6")  # D003
    assert queue.called_number(6, "clerk6") == b["number"]


def test_reserved_ticket_is_not_called_by_other_windows(queue):
    t = queue.issue("A")
    queue.called_number(1, "clerk1")
    queue.post(f"/tickets/{t['id']}/transfer", "clerk1", json={"to_window": 3})
    assert queue.call(2, "clerk2").status_code == 204
    assert queue.call(1, "clerk1").status_code == 204
    assert queue.called_number(3, "clerk3") == "A001"


def test_transfer_keeps_number_and_place(queue):
    """A category transfer keeps the issue time: the ticket goes before D tickets
    issued after it, and after those issued before it."""
    d_before = queue.issue("D")
    a = queue.issue("A")
    queue.issue("D")
    assert queue.called_number(1, "clerk1") == "A001"
    res = queue.post(f"/tickets/{a['id']}/transfer", "clerk1", json={"to_category": "D"})
    body = res.get_json()
    assert (body["number"], body["category"], body["status"], body["position"]) == \
        ("A001", "D", "waiting", 2)
    assert queue.called_number(6, "clerk6") == d_before["number"]
    assert queue.called_number(6, "clerk6") == "A001"
    assert queue.called_number(6, "clerk6") == "D002"


def test_transfer_keeps_priority(queue):
    queue.issue("D")
    a = queue.issue("A", priority="priority")
    assert queue.called_number(1, "clerk1") == "A001"
    queue.post(f"/tickets/{a['id']}/transfer", "clerk1", json={"to_category": "D"})
    assert queue.called_number(6, "clerk6") == "A001"


def test_position_of_a_transferred_ticket(queue, client):
    t = queue.issue("A")
    queue.issue("A")
    queue.called_number(1, "clerk1")
    queue.post(f"/tickets/{t['id']}/transfer", "clerk1", json={"to_window": 3})
    body = client.get(f"/api/v1/tickets/by-token/{t['token']}").get_json()
    assert (body["status"], body["position"], body["target_window"]) == ("waiting", 1, 3)


@pytest.mark.parametrize(("start", "ended"), [(False, "no_show"), (True, "completed")])
def test_call_next_ends_the_current_ticket(queue, client, start, ended):
    first = queue.issue("A")
    queue.issue("A")
    assert queue.called_number(1, "clerk1") == "A001"
    if start:
        assert queue.post(f"/tickets/{first['id']}/start", "clerk1").status_code == 200
    assert queue.called_number(1, "clerk1") == "A002"
    body = client.get(f"/api/v1/tickets/by-token/{first['token']}").get_json()
    assert body["status"] == ended


def test_call_next_with_nobody_waiting_still_ends_the_current_ticket(queue, client):
    first = queue.issue("A")
    queue.called_number(1, "clerk1")
    assert queue.call(1, "clerk1").status_code == 204
    assert client.get(f"/api/v1/tickets/by-token/{first['token']}").get_json()["status"] == \
        "no_show"


def test_cancelled_ticket_is_skipped(queue, client):
    t = queue.issue("A")
    queue.issue("A")
    client.post(f"/api/v1/tickets/by-token/{t['token']}/cancel")
    assert queue.called_number(1, "clerk1") == "A002"


def test_waiting_list_is_the_call_order(queue, client, auth):
    for spec in ["A", "D", "A!", "D", "C"]:
        queue.issue(spec[0], priority="priority" if spec.endswith("!") else "normal")
    state = client.get("/api/v1/windows/5", headers=auth.headers("clerk5")).get_json()
    listed = [w["number"] for w in state["waiting"]]
    called = []
    while (n := queue.called_number(5, "clerk5")) is not None:
        called.append(n)
    assert listed == called == ["A002", "D001", "D002", "A001"]
