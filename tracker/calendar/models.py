"""Secret addresses of calendar feeds; only a hash of each secret is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model
from tracker.stores.models import Store


class CalendarFeed(Model):
    """The secret address of one person's or one store's calendar feed.

    Exactly one of ``user_id`` and ``store_id`` is set. Regenerating revokes the
    live address and adds a new row, so a revoked row stays as the record of it.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("(user_id IS NULL) <> (store_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    store: Mapped[Store | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @staticmethod
    def live_of(*, user_id: int | None = None, store_id: int | None = None) -> Select[CalendarFeed]:
        """Select the owner's feeds that are not revoked, newest first."""
        owner = (
            CalendarFeed.user_id == user_id
            if user_id is not None
            else CalendarFeed.store_id == store_id
        )
        return (
            select(CalendarFeed)
            .where(owner, CalendarFeed.revoked_at.is_(None))
            .order_by(CalendarFeed.id.desc())
        )
