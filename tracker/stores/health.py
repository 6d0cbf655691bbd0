"""Shop-health figures a store's own data gave, with the days they cover (readiness shows them)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Select, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model


class ShopHealth(Model):
    """Late dispatch and seller-fault cancellation rates over a window of days, as of its end."""

    __tablename__ = "shop_health"
    __table_args__ = (UniqueConstraint("store_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    # The window's last day (the newest order day) and its first.
    as_of: Mapped[date]
    window_starts_on: Mapped[date]
    orders: Mapped[int]
    # Shares from 0 to 1; None when no order in the window could tell.
    late_dispatch_rate: Mapped[float | None] = mapped_column(Float)
    seller_cancel_rate: Mapped[float | None] = mapped_column(Float)
    # Where the figures came from: "orders export" (later: the Partner API).
    source: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def latest_of(cls, store_id: int) -> Select[ShopHealth]:
        """The store's newest figures."""
        return select(cls).where(cls.store_id == store_id).order_by(cls.as_of.desc()).limit(1)
