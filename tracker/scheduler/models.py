"""When each scheduler process last ticked, and what its work keeps failing on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model
from tracker.stores.models import Store


class SchedulerTick(Model):
    """When each scheduler process last ticked, for the health check and the UI."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerFault(Model):
    """A stage of the scheduler's work that keeps failing for one store or person.

    ``subject`` is ``store:<id>``, ``person:<id>`` or ``everyone`` (the whole stage failed);
    each tick rewrites what it met and forgets what no longer fails.
    """

    __tablename__ = "scheduler_faults"
    __table_args__ = (UniqueConstraint("stage", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(40))
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    error: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    occurrences: Mapped[int] = mapped_column(default=1)

    store: Mapped[Store | None] = relationship()
    person: Mapped[User | None] = relationship()
