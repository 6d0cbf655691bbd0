"""The activity log: one entry per thing done to a store or one of its tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class Activity(Model):
    """One entry of a store's activity log, about the store or one of its tasks."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_store_id_id", "store_id", "id"),
        Index("ix_activities_task_id_id", "task_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    # The English text, as the API and older entries show it.
    message: Mapped[str] = mapped_column(Text)
    # The same message kept as a Phrase (Phrase.to_json), so a page says it in its reader's
    # language; empty for entries written before the product spoke other languages.
    phrase: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
    # The task the entry is about. Tasks sit above the log, so the class is named here, not
    # imported (``tracker.tasks.models.Task``), and typed loosely.
    task: Mapped[Any] = relationship("Task")
