"""Stores, who works on them, and the eligibility warnings a manager overrode."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import SORT_KEY, UTCDateTime
from tracker.extensions import Model
from tracker.i18n.collation import name_order
from tracker.playbook.profile import StoreProfile

# Profile fields kept as columns, in the names of the CLI flags and the API.
PROFILE_FIELDS = (
    "model",
    "market",
    "store_type",
    "entity",
    "categories",
    "opened_on",
    "inspection_ends_on",
    "chinese_share_percent",
    "timezone",
    "followers",
    "follower_target",
    "freight_mode",
    "lead_time_days",
    "production_days",
    "inbound_buffer_days",
    "inspection_days",
    "orders_to_date",
    "daily_order_limit",
)


class Store(Model):
    """A TikTok Shop store: its profile decides its plan."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # What lists sort the store by (``name_order``), kept with the name: both databases
    # sort it as Python compares it, capitals and accents aside.
    # Set with the name (``_keep_name_key``), or worked out for a bulk insert that leaves it
    # out; a Core ``update()`` of the name must set it too.
    name_key: Mapped[str] = mapped_column(
        SORT_KEY,
        default=lambda context: name_order(context.get_current_parameters()["name"]),
        server_default=text("''"),
    )
    model: Mapped[str] = mapped_column(String(20))
    market: Mapped[str] = mapped_column(String(8))
    store_type: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(2))
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    opened_on: Mapped[date]
    inspection_ends_on: Mapped[date | None]
    chinese_share_percent: Mapped[float | None] = mapped_column(Float)
    # The zone the owner chose; ``zone`` is the one in force (chosen or the market's).
    timezone: Mapped[str | None] = mapped_column(String(64))
    zone: Mapped[str] = mapped_column(String(64))
    followers: Mapped[int] = mapped_column(default=0)
    # The store's own live cadence target per week (empty: the market's).
    live_target_per_week: Mapped[int | None]
    follower_target: Mapped[int | None]
    freight_mode: Mapped[str | None] = mapped_column(String(20))
    lead_time_days: Mapped[int | None]
    production_days: Mapped[int | None]
    inbound_buffer_days: Mapped[int | None]
    inspection_days: Mapped[int | None]
    # Orders so far (typed in, later imported): the inspection may count them.
    orders_to_date: Mapped[int | None]
    # The store's own daily order cap while on probation (empty: the market's first tier).
    daily_order_limit: Mapped[int | None]
    advisor_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    playbook_version: Mapped[str] = mapped_column(String(32))
    plan_synced_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
    memberships: Mapped[list[StoreMembership]] = relationship(
        back_populates="store", cascade="all, delete-orphan"
    )
    overrides: Mapped[list[EligibilityOverride]] = relationship(
        back_populates="store", cascade="all, delete-orphan", order_by="EligibilityOverride.id"
    )

    @validates("name")
    def _keep_name_key(self, _: str, name: str) -> str:
        self.name_key = name_order(name)
        return name

    def profile(self) -> StoreProfile:
        """Return the profile the plan is made from."""
        values = {name: getattr(self, name) for name in PROFILE_FIELDS}
        values["categories"] = tuple(values["categories"] or ())
        return StoreProfile(**values)

    def profile_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in PROFILE_FIELDS:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
        out["categories"] = list(self.categories or ())
        return out


class StoreMembership(Model):
    """A member who works on a store."""

    __tablename__ = "store_memberships"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store: Mapped[Store] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class EligibilityOverride(Model):
    """A manager's deliberate decision to go ahead despite an eligibility warning."""

    __tablename__ = "eligibility_overrides"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store: Mapped[Store] = relationship(back_populates="overrides")
    user: Mapped[User | None] = relationship()
