"""Helpers for the inspection tests: a fixed clock (Tuesday 2026-09-29, the National Day
holiday from 1 to 7 October just ahead), valid credit codes, a small API client."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
NJ_MATERIALS = ["年度报告书", "财务报表"]


def make_code(seq: int, prefix: str = "91320100") -> str:
    """A valid credit code, computed here independently of the service's code."""
    body = f"{seq:08d}"
    total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    org_check = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    first17 = prefix + body + org_check
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return first17 + CHARSET[(31 - total % 31) % 31]


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


class Inspections:
    def __init__(self, client, auth, traveller):
        self.client = client
        self.auth = auth
        self.traveller = traveller
        self.seq = 0

    def move_to(self, day: str) -> None:
        self.traveller.move_to(at(day))

    def get(self, path: str, user: str = "manager"):
        return self.client.get(f"/api/v1{path}", headers=self.auth.headers(user))

    def post(self, path: str, user: str, json=None):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.auth.headers(user))

    def enterprise(self, dues: dict[str, str], user: str = "clerk3", name: str | None = None,
                   phone: str | None = "13900000001") -> dict:
        self.seq += 1
        body = {"name": name or f"示例企业{self.seq:03d}有限公司",
                "credit_code": make_code(self.seq), "address": "示例路1号", "phone": phone,
                "obligations": [{"department": d, "due_date": due} for d, due in dues.items()]}
        res = self.post("/enterprises", user, body)
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    def book(self, enterprise: dict, day: str, user: str = "clerk3", expect: int = 201,
             **extra) -> dict:
        res = self.post(f"/enterprises/{enterprise['id']}/inspections", user,
                        {"date": day, **extra})
        assert res.status_code == expect, res.get_json()
        return res.get_json()

    def result(self, visit: dict, department: str, result: str = "passed",
               user: str | None = None, expect: int = 200, reason: str | None = None):
        res = self.post(f"/inspections/{visit['id']}/results",
                        user or f"approver-{department.lower()}",
                        {"department": department, "result": result, "reason": reason})
        assert res.status_code == expect, res.get_json()
        return res.get_json()

    def detail(self, enterprise: dict | int) -> dict:
        eid = enterprise if isinstance(enterprise, int) else enterprise["id"]
        res = self.get(f"/enterprises/{eid}")
        assert res.status_code == 200, res.get_json()
        return res.get_json()

    @staticmethod
    def due(detail: dict, department: str) -> str:
        return next(o["due_date"] for o in detail["obligations"]
                    if o["department"]["code"] == department)


@pytest.fixture
def traveller():
    with time_machine.travel(at("2026-09-29"), tick=False) as t:
        yield t


@pytest.fixture
def insp(seeded, client, auth, traveller):
    seeded.config["API_TOKEN_HOURS"] = 24 * 400
    return Inspections(client, auth, traveller)
