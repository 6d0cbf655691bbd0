"""Work stock-up deadlines backwards from a peak.

In stock by the warm-up start; arrive by that minus the inbound buffer; ship
by that minus the freight lead time; order by that minus production time,
where days the factories are closed for Chinese New Year do not count. A
ship-by date that lands while forwarders are closed moves before they close.

A fully managed store delivers to the platform's receiving warehouse, and the
platform ships on: its arrive-by is that warehouse's receiving deadline, the
platform's own freight earlier than the stock must be in the market, and its
lead time is the transit to that warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tracker.playbook.catalog import CnyShutdown
from tracker.playbook.peaks import Peak
from tracker.playbook.profile import ResolvedProfile


@dataclass(frozen=True)
class StockUpDeadlines:
    """The three dates that must hold for stock to be on sale when a peak's warm-up opens."""

    peak: Peak
    in_stock_by: date
    arrive_by: date
    ship_by: date
    order_by: date
    freight_mode: str
    lead_time_days: int
    production_days: int
    inbound_buffer_days: int
    adjustments: tuple[str, ...] = ()
    platform_freight_days: int = 0
    # While the store is still on probation when the warm-up opens, its daily order cap:
    # no forecast for the peak should count on more orders a day than that.
    daily_order_limit: int | None = None

    def deadline(self, name: str) -> date:
        """Return one deadline by its name: ``order_by``, ``ship_by`` or ``arrive_by``."""
        return {"order_by": self.order_by, "ship_by": self.ship_by, "arrive_by": self.arrive_by}[
            name
        ]

    def late(self, today: date) -> tuple[str, ...]:
        """Name the deadlines that have already passed on ``today``."""
        return tuple(
            name for name in ("order_by", "ship_by", "arrive_by") if self.deadline(name) < today
        )

    def to_json(self, today: date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "peak": self.peak.key,
            "peak_date": self.peak.date.isoformat(),
            "in_stock_by": self.in_stock_by.isoformat(),
            "arrive_by": self.arrive_by.isoformat(),
            "ship_by": self.ship_by.isoformat(),
            "order_by": self.order_by.isoformat(),
            "freight_mode": self.freight_mode,
            "lead_time_days": self.lead_time_days,
            "production_days": self.production_days,
            "inbound_buffer_days": self.inbound_buffer_days,
            "adjustments": list(self.adjustments),
        }
        if self.platform_freight_days:
            out["platform_freight_days"] = self.platform_freight_days
        if self.daily_order_limit is not None:
            out["daily_order_limit"] = self.daily_order_limit
        if today is not None:
            out["late"] = list(self.late(today))
        return out


@dataclass(frozen=True)
class Shutdown:
    """One Chinese New Year's closures, as dates."""

    new_year: date
    factories: tuple[date, date]
    forwarders: tuple[date, date]

    @classmethod
    def around(cls, new_year: date, rule: CnyShutdown) -> Shutdown:
        def day(offset: int) -> date:
            return new_year + timedelta(days=offset)

        return cls(
            new_year,
            (day(rule.factories_closed_from), day(rule.factories_closed_until)),
            (day(rule.forwarders_closed_from), day(rule.forwarders_closed_until)),
        )


def stock_up_deadlines(
    peak: Peak,
    *,
    freight_mode: str,
    lead_time_days: int,
    production_days: int,
    inbound_buffer_days: int,
    shutdowns: Iterable[Shutdown] = (),
    platform_freight_days: int = 0,
    daily_order_limit: int | None = None,
) -> StockUpDeadlines:
    """Compute order-by, ship-by and arrive-by for one peak, Chinese New Year included."""
    shutdowns = tuple(shutdowns)
    adjustments: list[str] = []
    in_stock_by = peak.warmup_starts_on
    arrive_by = in_stock_by - timedelta(days=inbound_buffer_days + platform_freight_days)
    ship_by = arrive_by - timedelta(days=lead_time_days)

    for shutdown in shutdowns:
        start, end = shutdown.forwarders
        if start <= ship_by <= end:
            moved = start - timedelta(days=1)
            adjustments.append(
                f"ship-by moved from {ship_by.isoformat()} to {moved.isoformat()}: forwarders "
                f"close for Chinese New Year {shutdown.new_year.year} from {start.isoformat()} "
                f"to {end.isoformat()}"
            )
            ship_by = moved

    order_by, closed_days = _count_back_working_days(ship_by, production_days, shutdowns)
    if closed_days:
        years = sorted({s.new_year.year for s in shutdowns if _overlaps(s, order_by, ship_by)})
        adjustments.append(
            f"order-by moved {closed_days} days earlier: factories are closed for Chinese New "
            f"Year {', '.join(map(str, years))} between ordering and shipping"
        )
    return StockUpDeadlines(
        peak=peak,
        in_stock_by=in_stock_by,
        arrive_by=arrive_by,
        ship_by=ship_by,
        order_by=order_by,
        freight_mode=freight_mode,
        lead_time_days=lead_time_days,
        production_days=production_days,
        inbound_buffer_days=inbound_buffer_days,
        adjustments=tuple(adjustments),
        platform_freight_days=platform_freight_days,
        daily_order_limit=daily_order_limit,
    )


def daily_order_limit(store: ResolvedProfile, day: date) -> int | None:
    """The store's daily order cap on ``day`` if it is still on probation then, else None.

    On probation: up to the last day of the inspection, and for as long as the
    orders the inspection counts are short (as known now). The cap is the market's
    first tier for the store type; None where the market publishes none.
    """
    short_of_orders = (
        store.inspection_orders is not None
        and (store.profile.orders_to_date or 0) < store.inspection_orders
    )
    if day > store.inspection_ends_on and not short_of_orders:
        return None
    return store.probation_daily_orders


def peak_daily_sales(daily_sales: float, uplift_percent: float, limit: int | None) -> float:
    """Forecast a peak day's sales: usual sales plus the uplift, never above the daily cap."""
    peak = daily_sales * (1 + uplift_percent / 100)
    return peak if limit is None else min(peak, float(limit))


def _count_back_working_days(
    finish: date, working_days: int, shutdowns: tuple[Shutdown, ...]
) -> tuple[date, int]:
    """Count ``working_days`` factory days back from ``finish``; return the day and days skipped."""
    closed = [s.factories for s in shutdowns]
    day, remaining, skipped = finish, working_days, 0
    while remaining > 0:
        day -= timedelta(days=1)
        if any(start <= day <= end for start, end in closed):
            skipped += 1
        else:
            remaining -= 1
    return day, skipped


def _overlaps(shutdown: Shutdown, first: date, last: date) -> bool:
    start, end = shutdown.factories
    return start <= last and first <= end
