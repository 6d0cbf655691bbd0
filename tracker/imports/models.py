"""What imports keep: each order line once (by order and SKU line), and each import's summary.

Raw files are not kept, and nothing about the buyer (name, phone, address) is read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model

KINDS = ("orders", "lives", "followers")


class OrderLine(Model):
    """One SKU line of one order, as the store's export or API last said it."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("store_id", "order_id", "line_key"),
        Index("ix_order_lines_store_id_created_on", "store_id", "created_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    order_id: Mapped[str] = mapped_column(String(64))
    # The SKU ID, else the Seller SKU: what keys the line within its order.
    line_key: Mapped[str] = mapped_column(String(128))
    sku_id: Mapped[str | None] = mapped_column(String(64))
    seller_sku: Mapped[str | None] = mapped_column(String(128))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(64), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    seller_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Wall-clock times in the store's zone, as the export writes them.
    created_on: Mapped[date]
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Dispatched later than the handling time after payment; None: cannot tell (yet).
    late: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(20), default="file")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRun(Model):
    """One import: its kind, who ran it, and the summary it answered."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The newest day the file's data covers (orders: newest order; followers: its date).
    data_as_of: Mapped[date | None]
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
