"""Fee tables. The assessment and its lines are written once, at acceptance; every later
change of money is a new row (an adjustment, a payment, a refund, a void), never an edit.
Amounts are integer fen (BigInteger: a district's daily sums can pass 2^31)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..catalog.models import Department
from ..db import IdMixin, utcnow
from ..extensions import db


class FeeAssessment(IdMixin, db.Model):
    """A case's combined assessment (一次性收费): one per case, created in the transaction
    that accepts the case. Its row is written by every money operation on the case, so
    its version column serialises them (two cashiers at once: one wins, one gets 409)."""

    __tablename__ = "fee_assessment"
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    total_fen: Mapped[int] = mapped_column(BigInteger)  # as assessed; adjustments are rows
    status: Mapped[str] = mapped_column(String(16))
    paid_at: Mapped[datetime | None] = mapped_column()
    unpaid_at: Mapped[datetime | None] = mapped_column()
    credit_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    lines: Mapped[list[FeeLine]] = relationship(order_by="FeeLine.position",
                                                cascade="all, delete-orphan")
    adjustments: Mapped[list[FeeAdjustment]] = relationship(order_by="FeeAdjustment.id",
                                                            cascade="all, delete-orphan")
    entries: Mapped[list[FeePayment]] = relationship(order_by="FeePayment.id",
                                                     cascade="all, delete-orphan")


class FeeLine(IdMixin, db.Model):
    """One fee item of the assessment, with the figures it was computed from."""

    __tablename__ = "fee_line"
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("fee_assessment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    basis: Mapped[str] = mapped_column(String(16))  # fixed | per_unit
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[str | None] = mapped_column(String(32))  # canonical decimal string
    rate_fen: Mapped[int | None] = mapped_column(BigInteger)
    min_fen: Mapped[int | None] = mapped_column(BigInteger)
    max_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    department: Mapped[Department] = relationship(lazy="joined")


class FeeAdjustment(IdMixin, db.Model):
    """A manager's change of one line after assessment: a signed amount and a reason."""

    __tablename__ = "fee_adjustment"
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("fee_assessment.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("fee_line.id", ondelete="CASCADE"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # + raises, - lowers the line
    line_before_fen: Mapped[int] = mapped_column(BigInteger)
    line_after_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    line: Mapped[FeeLine] = relationship(lazy="joined")
    by: Mapped[User | None] = relationship(lazy="joined")


class FeePayment(IdMixin, db.Model):
    """The ledger of a case: payments, refunds and voids, each a new row. `amount_fen` is
    always positive; the kind gives the direction. A refund or void names the payment it
    reverses."""

    __tablename__ = "fee_payment"
    __table_args__ = (UniqueConstraint("case_id", "idempotency_key"),)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("fee_assessment.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    kind: Mapped[str] = mapped_column(String(12))  # payment | refund | void
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str | None] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("fee_payment.id"))
    receipt_no: Mapped[str | None] = mapped_column(String(48), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # the answer given when it was recorded: a retry with the same key gets it again
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    service_day: Mapped[date] = mapped_column()

    by: Mapped[User | None] = relationship(lazy="joined")
    allocations: Mapped[list[FeeAllocation]] = relationship(order_by="FeeAllocation.id",
                                                            cascade="all, delete-orphan")


class FeeAllocation(IdMixin, db.Model):
    """What a ledger row means for each department: a payment's share per fee line
    (positive), a refund's or void's (negative). Summed per service day this is what the
    center passes on to each department."""

    __tablename__ = "fee_allocation"
    __table_args__ = (Index("ix_fee_allocation_day", "service_day", "department_id"),)
    payment_id: Mapped[int] = mapped_column(ForeignKey("fee_payment.id", ondelete="CASCADE"),
                                            index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("fee_line.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    service_day: Mapped[date] = mapped_column()

    line: Mapped[FeeLine] = relationship(lazy="joined")


class FeeDueRule(db.Model):
    """Per service item: must the fees be paid before the decision is issued, or before
    the certificate is handed over (the default)? Keyed by the item's code so that a
    catalog re-import keeps the setting."""

    __tablename__ = "fee_due_rule"
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    due: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
