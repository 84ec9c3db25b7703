"""Helpers for the case tests: a fixed clock in the center's time zone and a small client
for the case API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")
JS_MATERIALS = ["建设工程规划许可申请表", "建设用地规划许可证", "设计方案总平面图",
                "环境影响评价文件", "人防工程设计文件"]
DEMO_PASSWORD_FOR_TESTS = "demo-pass-2026"
APPROVER = {"GHJ": "approver-ghj", "HBJ": "approver-hbj", "RFB": "approver-rfb",
            "ZJJ": "approver-zjj", "SCJ": "approver-scj", "RSJ": "approver-rsj"}


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


class Cases:
    def __init__(self, client, auth, traveller):
        self.client = client
        self.auth = auth
        self.traveller = traveller

    def move_to(self, day: str, hour: int = 10) -> None:
        self.traveller.move_to(at(day, hour))

    def post(self, path: str, user: str, json=None):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.auth.headers(user))

    def create(self, item: str = "JS-001", clerk: str = "clerk3", materials=None,
               expect: int = 201, **extra) -> dict:
        body = {"service_item": item,
                "applicant": {"name": "示例建设有限公司 王经理", "phone": "13800138000",
                              "organization": "示例建设有限公司"},
                "params": {"area_m2": "1200"} if item.startswith("JS") else {},
                "materials_received": JS_MATERIALS if materials is None else materials,
                **extra}
        res = self.post("/cases", clerk, body)
        assert res.status_code == expect, res.get_json()
        return res.get_json()

    def get(self, no: str, user: str = "manager", expect: int = 200) -> dict:
        res = self.client.get(f"/api/v1/cases/{no}", headers=self.auth.headers(user))
        assert res.status_code == expect, res.get_json()
        return res.get_json()

    @staticmethod
    def task(case: dict, department: str) -> dict:
        return next(t for s in case["stages"] for t in s["tasks"]
                    if t["department"]["code"] == department)

    def decide(self, case: dict | str, department: str, decision: str = "approve",
               user: str | None = None, **extra):
        no = case if isinstance(case, str) else case["tracking_no"]
        task = self.task(self.get(no), department)
        return self.post(f"/cases/{no}/tasks/{task['id']}/decision",
                         user or APPROVER[department],
                         {"decision": decision, "opinion": extra.pop("opinion", "ok"), **extra})


@pytest.fixture
def traveller():
    with time_machine.travel(at("2026-09-29"), tick=False) as t:
        yield t


@pytest.fixture
def cases(seeded, client, auth, traveller):
    # the tests move the clock by weeks: keep the bearer tokens valid meanwhile
    seeded.config["API_TOKEN_HOURS"] = 24 * 400
    return Cases(client, auth, traveller)
