from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..catalog.models import Department, Hall, Window
from ..db import IdMixin, TimestampMixin, utcnow
from ..extensions import db

ROLES = ("admin", "manager", "window_staff", "cashier", "approver", "proxy_agent",
         "dept_head")  # dept_head: a department's head, sees its reports (issue 6)


class User(IdMixin, TimestampMixin, UserMixin, db.Model):
    __tablename__ = "user"
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(80))
    staff_no: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("window.id", ondelete="SET NULL"))
    # a manager or clerk bound to one hall; None for the district (all halls)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # --- sign-in security (auth/security.py)
    # bumped by logout, password change/reset and deactivation: older sessions end
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # no code is accepted twice
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)  # sha256 hashes, unused ones

    department: Mapped[Department | None] = relationship(lazy="joined")
    window: Mapped[Window | None] = relationship(lazy="joined", foreign_keys=[window_id])
    hall: Mapped[Hall | None] = relationship(lazy="joined")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.active)

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret)


class ApiToken(IdMixin, db.Model):
    """Bearer tokens for devices and scripts; only a hash is stored."""

    __tablename__ = "api_token"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(IdMixin, db.Model):
    """One sign-in attempt (page, token or second-factor step), kept for throttling: the
    counts per account and per address hold across processes."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    ip: Mapped[str | None] = mapped_column(String(64))
    # ok | bad_password | bad_otp | locked | throttled
    outcome: Mapped[str] = mapped_column(String(16))
