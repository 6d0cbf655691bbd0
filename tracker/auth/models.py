"""People, their API tokens and the record of failed logins."""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Select,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.clock import utcnow
from tracker.columns import SORT_KEY, UTCDateTime
from tracker.extensions import Model, db
from tracker.i18n.collation import name_order

ROLES = ("manager", "member")


def _shown_key(name: str | None, email: str | None) -> str:
    """The sort key of a person's name shown: their name, else their e-mail address."""
    return name_order(name or email or "")


def _name_key_of(context: Any) -> str:
    """The sort key of an inserted person, from the insert's own values."""
    values = context.get_current_parameters()
    return _shown_key(values.get("name"), values.get("email"))


class User(UserMixin, Model):
    """Someone who logs in: a manager sees every store, a member only their own."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    # What lists of people sort by: the key (``name_order``) of the name shown, the name or
    # else the e-mail address, kept with both; both databases sort it as Python compares it.
    # Set with the name or address (``_keep_name_key``), or worked out for a bulk insert that
    # leaves it out; a Core ``update()`` of either must set it too.
    name_key: Mapped[str] = mapped_column(SORT_KEY, default=_name_key_of, server_default=text("''"))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="member")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # False while ``timezone`` is only a stand-in nobody chose: the person's first store (or
    # the first store made, for a manager) then gives it its zone (see stores.services).
    timezone_settled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The language the person chose ("en", "zh_CN"); empty: follow the browser.
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session cookie; raising it ends every session of the person at once
    # (logout, password change, deactivation, role change).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
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

    @validates("name", "email")
    def _keep_name_key(self, field: str, value: str | None) -> str | None:
        name = value if field == "name" else self.name
        email = value if field == "email" else self.email
        self.name_key = _shown_key(name, email)
        return value

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session version it was issued for."""
        return f"{self.id}:{self.session_version}"

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
    """Failed logins counted in one bucket: an address from one client, an address, a client.

    ``key`` names the bucket (``pair:<email> <client>``, ``email:<email>``, ``client:<addr>``);
    ``level`` is its count of failures and ``updated_at`` when it last changed.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    level: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AccountEvent(Model):
    """A change to an account (created, invited, password, role, deactivated…): the audit log."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose account changed, and who changed it (None: the command line or the person's link).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))  # the client's IP address
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class AccountLink(Model):
    """A one-time link that expires: an invitation to join, or a password reset.

    Only the hash of the link's secret is kept, as for API tokens.
    """

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "invite" or "reset"
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")  # what an invitee becomes
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RepeatableRequest(Model):
    """A creating API request sent with an ``Idempotency-Key``, and the answer it got.

    The row is written in the same transaction as what the request created, so a repeat with
    the same key (a client that lost the answer and retries) gets the first answer instead of
    creating a second one. ``status`` and ``answer`` stay empty while the first request is
    under way. Rows are pruned after the retention period (TRACKER_IDEMPOTENCY_HOURS).
    """

    __tablename__ = "repeatable_requests"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    # A digest of the method, path, query and body: a repeat must be the same request.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
