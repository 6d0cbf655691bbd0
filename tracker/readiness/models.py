"""What the weekly report saw of each store, so the next one can say what changed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class ReadinessSnapshot(Model):
    """A store's readiness in the week of ``week_of`` (a Monday), as first reported."""

    __tablename__ = "readiness_snapshots"
    __table_args__ = (UniqueConstraint("store_id", "week_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    week_of: Mapped[date]
    status: Mapped[str] = mapped_column(String(16))
    onboarding_percent: Mapped[int]
    next_peak_key: Mapped[str | None] = mapped_column(String(40))
    next_peak_date: Mapped[date | None]
    next_peak_percent: Mapped[int | None]
    next_peak_status: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
