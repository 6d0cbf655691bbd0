"""Delivery channels and the reminder outbox: our own tables are the record of what is sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class Channel(Model):
    """Where a person's reminders go besides the in-app inbox."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    # Needed in clear to sign requests; never logged or shown back in full.
    secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Reminder(Model):
    """One reminder to one person over one channel (none: the in-app inbox).

    ``key`` is unique, so the same reminder can never be queued twice, and it
    is the ``Idempotency-Key`` a webhook receives.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_state_next_attempt_at", "state", "next_attempt_at"),
        # With the state: the inbox badge counts from the index alone.
        Index("ix_reminders_inbox", "user_id", "channel_id", "read_at", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → sending (leased) → sent; a failure goes to failed (retried later) and,
    # after the last attempt, to dead, where a manager can retry it by hand. An inbox
    # reminder its reader dismissed is "dismissed": out of the inbox, pruned like a sent one.
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its reader put it away: it leaves the inbox (the outbox keeps it).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    channel: Mapped[Channel | None] = relationship()

    def said_in(self, language: str) -> tuple[str, str]:
        """Its subject and text in ``language`` when it was written in it, else as sent."""
        version = (self.payload or {}).get("versions", {}).get(language)
        if version:
            return version["subject"], version["text"]
        return self.subject, self.text

    @classmethod
    def needs_attention(cls, now: datetime) -> ColumnElement[bool]:
        """Failed, dead, or stuck in "sending" after its lease ran out (its sender died)."""
        return or_(
            cls.state.in_(("failed", "dead")),
            and_(cls.state == "sending", cls.lease_until < now),
        )

    @classmethod
    def in_inbox_of(cls, user_id: int) -> ColumnElement[bool]:
        """Where a person's in-app inbox is: their reminders on no channel, once sent."""
        return and_(cls.user_id == user_id, cls.channel_id.is_(None), cls.state == "sent")

    @classmethod
    def kept_by(cls, user_id: int) -> ColumnElement[bool]:
        """A person's in-app reminders, in the inbox or dismissed from it (not yet pruned)."""
        return and_(
            cls.user_id == user_id, cls.channel_id.is_(None), cls.state.in_(("sent", "dismissed"))
        )


class RateWindow(Model):
    """When the latest sends to one rate-limited target went out (seconds, database clock).

    Shared by every dispatcher, so a robot's allowance (WeCom's 20 a minute, say) is one
    allowance however many scheduler processes send to it. ``key`` is a digest of the target.
    """

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent: Mapped[list[float]] = mapped_column(JSON, default=list)


class Installation(Model):
    """This installation's id, generated once and kept in the database (one row).

    Every reminder's ``Idempotency-Key`` starts with it, so two installations, or one database
    restored from a backup (whose copies leave it out: a restored database makes a new one),
    never send the same key for different reminders built from the same local ids.
    """

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    install_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderMark(Model):
    """How far one scheduler has queued reminders of due work, so its next tick reads less.

    ``queued_to`` is the tick's moment: reminders whose moment falls after it are new.
    ``changes_seen_at`` is the clock reading before that tick read any row: work changed
    after it (less the commit lag) may be due to someone anew. ``people`` holds a digest of
    each person's reminder settings as that tick read them (a person who is missing, or
    whose settings changed, is read in full); ``retry_stores`` the stores whose share failed.
    """

    __tablename__ = "reminder_marks"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    queued_to: Mapped[datetime] = mapped_column(UTCDateTime)
    changes_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    people: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    retry_stores: Mapped[list[int]] = mapped_column(JSON, default=list)
