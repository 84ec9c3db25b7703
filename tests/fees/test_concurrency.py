"""R4/R5 for payments over a real threaded HTTP server, on SQLite and PostgreSQL: two
cashiers paying one case at once — one 201, the other 409; a double-submitted payment
with one idempotency key is recorded once and both get the first answer."""

import json
import threading
import urllib.error
import urllib.request

from sqlalchemy import func, select

from service_center.extensions import db
from service_center.fees.models import FeeAllocation, FeePayment

from .conftest import JS_1200_TOTAL

ROUNDS = 4


def _post(url: str, token: str, body: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _race(calls) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, args):
        barrier.wait()
        results[i] = _post(*args)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _payments(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(FeePayment)),
                db.session.scalar(select(func.coalesce(func.sum(FeeAllocation.amount_fen), 0))))


def test_two_cashiers_at_once(fees, live_server):
    tokens = [fees.auth.token("cashier"), fees.auth.token("clerk3")]
    for _ in range(ROUNDS):
        no = fees.case()["tracking_no"]
        url = f"{live_server.url}/api/v1/cases/{no}/payments"
        body = {"amount_fen": JS_1200_TOTAL, "method": "cash"}
        results = _race([(url, tokens[0], body), (url, tokens[1], body)])
        assert sorted(status for status, _ in results) == [201, 409], results
        loser = next(answer for status, answer in results if status == 409)
        assert loser["error"]["code"] == "already_paid"
    count, allocated = _payments(live_server_app(fees))
    assert count == ROUNDS and allocated == ROUNDS * JS_1200_TOTAL


def test_double_submit_with_one_key(fees, live_server):
    token = fees.auth.token("cashier")
    no = fees.case()["tracking_no"]
    url = f"{live_server.url}/api/v1/cases/{no}/payments"
    body = {"amount_fen": JS_1200_TOTAL, "method": "cash"}
    results = _race([(url, token, body, "same-key")] * 3)
    assert [status for status, _ in results] == [201, 201, 201], results
    assert len({json.dumps(answer, sort_keys=True) for _, answer in results}) == 1
    assert _payments(live_server_app(fees)) == (1, JS_1200_TOTAL)


def live_server_app(fees):
    return fees.client.application
