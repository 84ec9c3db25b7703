"""An end-to-end walk through the queue API: issue, call, start, complete."""


def test_issue_call_start_complete(seeded, client, auth):
    res = client.post("/api/v1/tickets", json={"category": "A"})
    assert res.status_code == 201
    ticket = res.get_json()
    assert ticket["number"] == "A001" and ticket["position"] == 1 and ticket["token"]

    headers = auth.headers("clerk1")
    called = client.post("/api/v1/windows/1/call-next", headers=headers)
    assert called.status_code == 200
    assert called.get_json()["number"] == "A001"
    assert client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=headers).status_code == 200
    done = client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert client.post("/api/v1/windows/1/call-next", headers=headers).status_code == 204
