"""R8: a hypothesis state machine over a case's money: the assessment made at intake,
then payments (the exact outstanding total, or a wrong amount), partial and full refunds,
voids, adjustments up and down (never below zero), and a double-submitted payment (same
idempotency key), through the fee services. After every step:

- the assessment's status is one of ASSESSMENT_TRANSITIONS' and equals the status the
  money implies (unpaid: outstanding > 0, paid: 0, credit: < 0, i.e. a negative
  outstanding only ever shows as "credit", a refund owed); every recorded move of it is
  one the table allows;
- money adds up: paid = payments - refunds - voids; due = assessed lines + adjustments;
  every entry's department allocations add up to its signed amount; nothing of one
  payment is reversed beyond what it paid; no line is ever below zero;
- an operation whose preconditions hold succeeds; one whose preconditions fail is refused
  with a DomainError and changes nothing.

SQLite only (like tests/approvals/test_state_machine.py)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from service_center.approvals import services as cases
from service_center.audit import AuditEvent
from service_center.auth.models import User
from service_center.errors import DomainError
from service_center.extensions import db
from service_center.fees import services
from service_center.fees.models import FeePayment
from service_center.fees.states import ASSESSMENT_TRANSITIONS, EntryKind
from tests.approvals.conftest import JS_MATERIALS, at
from tests.conftest import seed_demo_catalog

K = EntryKind
FIGURES: Counter = Counter()


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).unique().scalar_one()


class FeeMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.no: str | None = None
        self.keys: dict[str, tuple[int, int]] = {}  # idempotency key -> (amount, payment id)

    def case(self):
        db.session.expire_all()
        return cases.get_case(self.no)

    def assessment(self):
        return services.assessment_of(self.case())

    def snapshot(self) -> tuple:
        a = self.assessment()
        return (a.status, a.version, tuple((e.id, e.kind, e.amount_fen) for e in a.entries),
                tuple((j.id, j.amount_fen) for j in a.adjustments))

    def expect(self, allowed: bool, name: str, call):
        before = self.snapshot()
        try:
            result = call()
        except DomainError as exc:
            assert not allowed, f"{name} refused although allowed: {exc.code} {exc.message}"
            assert self.snapshot() == before, f"a refused {name} changed the money"
            FIGURES["refused"] += 1
            return None
        assert allowed, f"{name} done although the rules forbid it"
        FIGURES["done"] += 1
        return result

    def payments(self) -> list[FeePayment]:
        return [e for e in self.assessment().entries if e.kind == K.PAYMENT]

    @initialize(area=st.sampled_from(["1200", "80", "0.5"]))
    def intake(self, area):
        created = cases.create_case(
            item_code="JS-001", params={"area_m2": area}, materials_received=JS_MATERIALS,
            applicant=cases.Applicant(name="张三", phone="13800138000"), actor=user("clerk3"))
        self.no = created.case.tracking_no
        assert self.assessment() is not None
        FIGURES["examples"] += 1

    # --- rules ------------------------------------------------------------------------------
    @rule(method=st.sampled_from(["cash", "bank_card", "transfer"]), off=st.sampled_from(
        [0, 0, 0, 1, -1]), keyed=st.booleans())
    def pay(self, method, off, keyed):
        outstanding = services.balance(self.assessment()).outstanding_fen
        amount = outstanding + off
        allowed = outstanding > 0 and off == 0
        key = f"k{len(self.keys)}" if keyed else None
        recorded = self.expect(
            allowed and amount >= 1, "pay",
            lambda: services.pay(case=self.case(), amount_fen=amount, method=method,
                                 reference="REF-1" if method == "transfer" else None,
                                 idempotency_key=key, actor=user("cashier")))
        if recorded is not None and key:
            self.keys[key] = (amount, method, recorded.entry.id)
        FIGURES["steps"] += 1

    @rule(which=st.integers(0, 20))
    def pay_again_with_a_used_key(self, which):
        """A double-submitted payment: the same key answers the first payment again."""
        if not self.keys:
            return
        key = sorted(self.keys)[which % len(self.keys)]
        amount, method, payment_id = self.keys[key]
        before = self.snapshot()
        again = services.pay(case=self.case(), amount_fen=amount, method=method,
                             reference="REF-1" if method == "transfer" else None,
                             idempotency_key=key, actor=user("cashier"))
        assert again.replayed and again.entry.id == payment_id
        assert self.snapshot() == before, "a replayed payment changed the money"
        FIGURES["replayed"] += 1

    @rule(which=st.integers(0, 20), part=st.sampled_from([None, 1, 100, 10**6, 10**9]))
    def refund(self, which, part):
        payments = self.payments()
        if not payments:
            return
        payment = payments[which % len(payments)]
        left = services.refundable_fen(self.assessment(), payment)
        amount = part if part is not None else None
        allowed = left > 0 and (amount is None or 1 <= amount <= left)
        self.expect(allowed, "refund", lambda: services.reverse(
            case=self.case(), payment_id=payment.id, kind=K.REFUND, reason="退费",
            amount_fen=amount, method=None, actor=user("manager")))
        FIGURES["steps"] += 1

    @rule(which=st.integers(0, 20))
    def void(self, which):
        payments = self.payments()
        if not payments:
            return
        payment = payments[which % len(payments)]
        left = services.refundable_fen(self.assessment(), payment)
        allowed = left > 0 and left == payment.amount_fen
        self.expect(allowed, "void", lambda: services.reverse(
            case=self.case(), payment_id=payment.id, kind=K.VOID, reason="误收",
            actor=user("manager")))
        FIGURES["steps"] += 1

    @rule(code=st.sampled_from(["RFYD", "ZLJD", "GHGL", "HPSP", "NOPE"]),
          amount=st.sampled_from([-10**7, -80000, -100, -1, 0, 1, 100, 50000]))
    def adjust(self, code, amount):
        bal = services.balance(self.assessment())
        current = next((amt for line, amt in bal.lines if line.code == code), None)
        allowed = current is not None and amount != 0 and current + amount >= 0
        self.expect(allowed, "adjust", lambda: services.adjust(
            case=self.case(), fee_code=code, amount_fen=amount, reason="核定",
            actor=user("manager")))
        FIGURES["steps"] += 1

    # --- invariants -------------------------------------------------------------------------
    @invariant()
    def money_adds_up(self):
        if self.no is None:
            return
        a = self.assessment()
        bal = services.balance(a)
        assert a.status in ASSESSMENT_TRANSITIONS
        assert a.status == bal.status, (a.status, bal.outstanding_fen)
        assert (bal.outstanding_fen < 0) == (a.status == "credit")
        paid = sum(e.amount_fen if e.kind == K.PAYMENT else -e.amount_fen for e in a.entries)
        assert bal.paid_fen == paid
        assert bal.due_fen == sum(ln.amount_fen for ln in a.lines) + \
            sum(j.amount_fen for j in a.adjustments)
        for line, amount in bal.lines:
            assert amount >= 0, (line.code, amount)
        by_payment: dict[int, int] = defaultdict(int)
        for e in a.entries:
            assert e.amount_fen > 0
            signed = e.amount_fen if e.kind == K.PAYMENT else -e.amount_fen
            assert sum(x.amount_fen for x in e.allocations) == signed, (e.kind, e.id)
            if e.kind != K.PAYMENT:
                assert e.refers_to_id is not None
                by_payment[e.refers_to_id] += e.amount_fen
        for e in a.entries:
            if e.kind == K.PAYMENT:
                assert by_payment[e.id] <= e.amount_fen
                if any(r.kind == K.VOID and r.refers_to_id == e.id for r in a.entries):
                    assert by_payment[e.id] == e.amount_fen
        assert sum(bal.allocated.values()) == bal.paid_fen

    @invariant()
    def moves_are_allowed(self):
        if self.no is None:
            return
        a = self.assessment()
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "fee_assessment", AuditEvent.entity_id == str(a.id),
            AuditEvent.result == "ok").order_by(AuditEvent.id)).scalars().all()
        state = None
        for e in events:
            if e.from_state is not None and e.from_state != e.to_state:
                assert e.to_state in ASSESSMENT_TRANSITIONS[e.from_state], \
                    (e.action, e.from_state, e.to_state)
            if e.from_state is not None and state is not None:
                assert e.from_state == state, "an audited move starts from another state"
            state = e.to_state
        assert state == a.status


@pytest.fixture
def seeded_sqlite(sqlite_app):
    seed_demo_catalog(sqlite_app)
    return sqlite_app


def test_fee_state_machine(seeded_sqlite):
    FIGURES.clear()
    with time_machine.travel(at("2026-09-29"), tick=False), \
            seeded_sqlite.test_request_context():
        run_state_machine_as_test(FeeMachine, settings=settings(
            max_examples=30, stateful_step_count=30, deadline=None, derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print(f"\nR8 fees: {dict(FIGURES)}")
    assert FIGURES["done"] > 100 and FIGURES["refused"] > 20 and FIGURES["replayed"] > 0
