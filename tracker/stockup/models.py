"""Product lines a store stocks, with the figures its stock-up plan is worked from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class ProductLine(Model):
    """One product line: stock, sales, and (optionally) its own freight and production figures."""

    __tablename__ = "product_lines"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    current_stock: Mapped[int]
    daily_sales: Mapped[float] = mapped_column(Float)
    # Empty: the planner's default (seeds/supply.toml) or the store's own figure.
    safety_days: Mapped[int | None]
    # Per peak key, e.g. {"black_friday": 150}; a peak not listed uses the default.
    uplift_percent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    freight_mode: Mapped[str | None] = mapped_column(String(20))
    lead_time_days: Mapped[int | None]
    production_days: Mapped[int | None]
    # Seller SKUs or SKU IDs whose orders are this line's sales (order imports match on them);
    # empty (or null, for lines from before imports) when none are known.
    skus: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
