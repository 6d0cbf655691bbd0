"""The TikTok accounts bound to a store."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model

ACCOUNT_KINDS = ("official", "channel")


class Account(Model):
    """A TikTok account bound to a store: the official one or a channel (marketing) account."""

    __tablename__ = "accounts"
    __table_args__ = (Index("ix_accounts_store_id_unbound_on", "store_id", "unbound_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    handle: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(2))
    bound_on: Mapped[date]
    unbound_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
