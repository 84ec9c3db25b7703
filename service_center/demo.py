"""The demo district for `flask seed-demo`: the catalog, a staff account for every
role (passwords listed in the README), and a realistic day of queue history."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select

from .audit import record
from .auth.models import User
from .auth.services import create_user
from .catalog.importer import import_text
from .catalog.models import Hall, QueueCategory, Window
from .catalog.services import center_timezone, service_day
from .extensions import db
from .guide.services import seed_demo_guides
from .queueing.models import Ticket, TicketCounter

DEMO_PASSWORD = "demo-pass-2026"
STAFF = [
    # username, role, display name, staff no, department, window, hall
    ("admin", "admin", "系统管理员", "A0001", None, None, None),
    ("manager", "manager", "王主任", "M0001", None, None, None),
    ("xd-manager", "manager", "新店镇 周主任", "M0101", None, None, "XD"),
    ("clerk1", "window_staff", "李晓红", "W0101", None, 1, "MAIN"),
    ("clerk2", "window_staff", "张伟", "W0102", None, 2, "MAIN"),
    ("clerk3", "window_staff", "陈静", "W0103", None, 3, "MAIN"),
    ("clerk4", "window_staff", "刘洋", "W0104", None, 4, "MAIN"),
    ("clerk5", "window_staff", "赵敏", "W0105", None, 5, "MAIN"),
    ("clerk6", "window_staff", "孙磊", "W0106", None, 6, "MAIN"),
    ("xd-clerk1", "window_staff", "周芳", "W0201", None, 1, "XD"),
    ("xd-clerk2", "window_staff", "吴刚", "W0202", None, 2, "XD"),
    ("cashier", "cashier", "郑丽", "C0101", None, 7, "MAIN"),
    ("approver-ghj", "approver", "规划局 何工", "P0101", "GHJ", None, None),
    ("approver-hbj", "approver", "环保局 马工", "P0102", "HBJ", None, None),
    ("approver-zjj", "approver", "住建局 林工", "P0103", "ZJJ", None, None),
    ("approver-rfb", "approver", "人防办 高工", "P0104", "RFB", None, None),
    ("approver-scj", "approver", "市场监管局 罗工", "P0105", "SCJ", None, None),
    ("approver-rsj", "approver", "人社局 梁工", "P0106", "RSJ", None, None),
    ("agent", "proxy_agent", "代办员 黄敏", "D0101", None, None, None),
    ("head-ghj", "dept_head", "规划局 负责人 许科长", "H0101", "GHJ", None, None),
]


def seed(*, force: bool = False, history_seed: int = 2026) -> str:
    if db.session.execute(select(User.id).limit(1)).first() and not force:
        return "the database already has data; nothing seeded (use --force to add the demo anyway)"
    text = (Path(__file__).parent / "demo_catalog.yaml").read_text(encoding="utf-8")
    import_text(text)
    created = 0
    for username, role, name, staff_no, dept, window, hall in STAFF:
        if db.session.execute(select(User.id).where(User.username == username)).first():
            continue
        create_user(username=username, password=DEMO_PASSWORD, role=role, display_name=name,
                    staff_no=staff_no, department=dept, window=window, hall=hall)
        created += 1
    db.session.commit()
    seed_demo_guides()
    db.session.commit()
    tickets = _history(random.Random(history_seed))
    db.session.commit()
    enterprises = _enterprises()
    return (f"demo center ready: {created} staff accounts, {tickets} tickets of history, "
            f"{enterprises} enterprises")


# name, organisation code body (8 characters of GB 11714), {department: days until due}
ENTERPRISES = [
    ("示例科技有限公司", "MA01A2B3", {"SCJ": 12, "SWJ": 20, "RSJ": 25}),
    ("示例建筑工程有限公司", "MA0C4D5E", {"SCJ": -5, "RSJ": 40}),
    ("新店镇农产品专业合作社", "MA0F6G7H", {"SCJ": 75}),
    ("示例餐饮管理有限公司", "MA0J8K9L", {"SCJ": 3, "SWJ": 3}),
]


def demo_credit_code(body8: str) -> str:
    """A valid 统一社会信用代码 for the demo: 91 (enterprise, company), region 350100 (an
    example region), the organisation code with its GB 11714 check digit, then the check
    character."""
    from .inspections.services import credit_check_char, org_code_check_char

    first17 = "91350100" + body8 + org_code_check_char(body8)
    return first17 + credit_check_char(first17)


def _enterprises() -> int:
    """A few enterprises with annual inspections due (one overdue), for /inspections."""
    from .inspections.models import Enterprise
    from .inspections.services import EnterpriseInput, create_enterprise

    today = service_day()
    admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
    created = 0
    for name, body, dues in ENTERPRISES:
        code = demo_credit_code(body)
        if db.session.execute(select(Enterprise.id).where(
                Enterprise.credit_code == code)).first():
            continue
        create_enterprise(data=EnterpriseInput(
            name=name, credit_code=code, address="示例区示例路1号", phone="13900000001",
            obligations=[(dept, today + timedelta(days=days)) for dept, days in dues.items()]),
            actor=admin)
        created += 1
    return created


def _history(rng: random.Random) -> int:
    """Yesterday's full day in the main hall: tickets issued 08:45–16:45, called in
    order by the windows serving them, served and completed, a few no-shows."""
    tz = center_timezone()
    day = service_day() - timedelta(days=1)
    hall = db.session.execute(select(Hall).where(Hall.is_main.is_(True))).scalar_one()
    if db.session.execute(select(Ticket.id).where(Ticket.service_day == day)).first():
        return 0
    clerks = {u.window_id: u for u in db.session.execute(select(User).where(
        User.window_id.is_not(None))).scalars()}
    windows = list(db.session.execute(select(Window).where(Window.hall_id == hall.id)).scalars())
    categories = {c.prefix: c for c in db.session.execute(select(QueueCategory).where(
        QueueCategory.hall_id == hall.id)).scalars()}
    weights = {"A": 5, "B": 2, "C": 3, "D": 4, "F": 1}
    start = datetime.combine(day, time(8, 45), tzinfo=tz)
    free_at = {w.id: datetime.combine(day, time(9, 0), tzinfo=tz) for w in windows}
    seqs: dict[str, int] = {}
    count = 0
    t = start
    while t.time() < time(16, 45):
        t += timedelta(seconds=rng.randint(40, 150))
        prefix = rng.choices(list(weights), weights=list(weights.values()))[0]
        cat = categories[prefix]
        seqs[prefix] = seqs.get(prefix, 0) + 1
        serving = [w for w in windows if any(c.prefix == prefix for c in w.categories)]
        window = min(serving, key=lambda w: free_at[w.id])
        called = max(t + timedelta(seconds=30), free_at[window.id])
        outcome = "no_show" if rng.random() < 0.04 else "completed"
        started = called + timedelta(seconds=rng.randint(20, 90))
        done = started + timedelta(seconds=rng.randint(180, 900))
        ticket = Ticket(hall_id=hall.id, issued_category_id=cat.id, category_id=cat.id,
                        service_day=day, seq=seqs[prefix], number=f"{prefix}{seqs[prefix]:03d}",
                        priority=rng.random() < 0.06, status=outcome,
                        token=secrets.token_urlsafe(16), source="kiosk",
                        issued_at=t, called_at=called, first_called_at=called,
                        window_id=window.id,
                        served_by_id=getattr(clerks.get(window.id), "id", None))
        if outcome == "completed":
            ticket.serving_at, ticket.completed_at = started, done
            free_at[window.id] = done
        else:
            ticket.no_show_at = called + timedelta(minutes=3)
            free_at[window.id] = ticket.no_show_at
        db.session.add(ticket)
        count += 1
    for prefix, last in seqs.items():
        db.session.add(TicketCounter(category_id=categories[prefix].id, service_day=day,
                                     last_seq=last))
    record("demo_history_seeded", "ticket", None, details={"day": day.isoformat(),
                                                           "tickets": count})
    return count
