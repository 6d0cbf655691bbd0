"""People, their API tokens and the record of failed logins."""

from __future__ import annotations

import hashlib
from datetime import datetime, time

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model, db

ROLES = ("manager", "member")


class User(UserMixin, Model):
    """Someone who logs in: a manager sees every store, a member only their own."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="member")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language the person chose ("en", "zh_CN"); empty: follow the browser.
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Reminder preferences, in the person's own time zone.
    remind_days_before: Mapped[list[int]] = mapped_column(JSON, default=lambda: [3, 1])
    remind_at: Mapped[time] = mapped_column(default=time(9, 0))
    # One message a day rather than one per task: what a new person gets unless they choose.
    digest: Mapped[bool] = mapped_column(default=True)
    digest_at: Mapped[time] = mapped_column(default=time(8, 0))
    quiet_from: Mapped[time | None]
    quiet_until: Mapped[time | None]

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated person cannot log in
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def by_email(email: str) -> User | None:
        return db.session.scalar(select(User).where(User.email == normalise_email(email)))

    @classmethod
    def active_managers(cls) -> Select[User]:
        """Select every active manager, oldest account first."""
        return select(cls).where(cls.role == "manager", cls.active).order_by(cls.id)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    """Tokens are random and long, so one SHA-256 pass is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Model):
    """A bearer token for the JSON API; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginThrottle(Model):
    """Failed logins per e-mail address, to slow down guessing."""

    __tablename__ = "login_throttles"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
