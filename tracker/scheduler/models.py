"""When each scheduler process last ticked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class SchedulerTick(Model):
    """When each scheduler process last ticked, for the health check and the UI."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    ticked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
