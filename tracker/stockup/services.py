"""The stock-up planner: per product line and coming peak, how much to send and by when.

Deadlines are the engine's (worked back from each peak, Chinese New Year
closures included), for the line's own freight and production figures, and
brought forward when the stock in hand runs out (less its safety stock)
before the replenishment would arrive. The plan's stock-up tasks follow the
earliest line.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.errors import FieldError, InputError, NotFound
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.playbook.peaks import Peak
from tracker.playbook.phrases import phrase
from tracker.playbook.plan import generate_plan
from tracker.playbook.profile import StoreProfile, resolve_profile
from tracker.playbook.stockup import StockUpDeadlines
from tracker.stockup.models import ProductLine
from tracker.stores.models import Store

# Peaks further ahead than this are not planned yet (as for the plan's peak work).
PLANNER_HORIZON_DAYS = 120
# Stock that lasts longer than this (a century) is treated as never running out.
STOCK_LASTS_DAYS = 36_500
ANCHORS = ("order_by", "ship_by", "arrive_by")
LINE_FIELDS = (
    "name",
    "current_stock",
    "daily_sales",
    "safety_days",
    "uplift_percent",
    "freight_mode",
    "lead_time_days",
    "production_days",
)
# Bounds (inclusive) of a line's figures: the check below and the API's description share them.
LINE_NAME_MAX = 120
CURRENT_STOCK_MAX = 100_000_000
DAILY_SALES_MAX = 10_000_000
DAY_LIMITS = {"safety_days": 365, "lead_time_days": 180, "production_days": 365}
UPLIFT_MAX = 1000


@dataclass(frozen=True)
class LinePeakPlan:
    """One product line's stock-up for one peak."""

    line: ProductLine
    peak: Peak
    order_by: date
    ship_by: date
    arrive_by: date
    quantity: int
    freight_mode: str
    stock_out_on: date | None
    brought_forward_days: int
    late: tuple[str, ...]
    air_instead: str | None

    def deadline(self, anchor: str) -> date:
        return getattr(self, anchor)

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line.id,
            "line": self.line.name,
            "peak": self.peak.key,
            "peak_date": self.peak.date.isoformat(),
            "order_by": self.order_by.isoformat(),
            "ship_by": self.ship_by.isoformat(),
            "arrive_by": self.arrive_by.isoformat(),
            "quantity": self.quantity,
            "freight_mode": self.freight_mode,
            "stock_out_on": self.stock_out_on.isoformat() if self.stock_out_on else None,
            "brought_forward_days": self.brought_forward_days,
            "late": list(self.late),
            "air_instead": self.air_instead,
        }


@dataclass(frozen=True)
class StockUpPlan:
    rows: tuple[LinePeakPlan, ...]
    overstocked: tuple[tuple[ProductLine, int], ...]  # cross-border lines and their days of cover

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [row.to_json() for row in self.rows],
            "overstock_warnings": [
                {"line_id": line.id, "line": line.name, "days_of_cover": days}
                for line, days in self.overstocked
            ],
        }


def product_lines(store: Store) -> list[ProductLine]:
    return list(
        db.session.scalars(
            select(ProductLine).where(ProductLine.store_id == store.id).order_by(ProductLine.name)
        )
    )


def plan_stock_up(
    store: Store,
    catalog: Catalog,
    today: date,
    lines: list[ProductLine] | None = None,
    profile: StoreProfile | None = None,
) -> StockUpPlan:
    """Work out every line's stock-up for each coming peak (for ``profile``, else the store's)."""
    lines = product_lines(store) if lines is None else lines
    profile = profile or store.profile()
    resolved = resolve_profile(profile, catalog)
    defaults = catalog.supply.planner
    market = resolved.market
    rows: list[LinePeakPlan] = []
    overstocked: list[tuple[ProductLine, int]] = []
    for line in lines:
        line_profile = dataclasses.replace(
            profile,
            freight_mode=line.freight_mode or profile.freight_mode,
            lead_time_days=line.lead_time_days
            if line.lead_time_days is not None
            else (None if line.freight_mode else profile.lead_time_days),
            production_days=line.production_days
            if line.production_days is not None
            else profile.production_days,
        )
        plan = generate_plan(line_profile, catalog, today=today, horizon_days=PLANNER_HORIZON_DAYS)
        safety = line.safety_days if line.safety_days is not None else defaults.safety_days
        stock_out_on = None
        if line.daily_sales > 0:
            usable_days = (line.current_stock - line.daily_sales * safety) / line.daily_sales
            # A trickle of sales (0.0001 a day) makes stock last past any date a plan looks at.
            if usable_days < STOCK_LASTS_DAYS:
                stock_out_on = today + timedelta(days=math.floor(usable_days))
            cover = min(line.current_stock / line.daily_sales, STOCK_LASTS_DAYS)
            if resolved.profile.store_type == "cross_border" and cover > defaults.overstock_days:
                overstocked.append((line, int(cover)))
        for deadlines in plan.stock_up:
            rows.append(
                _line_peak(
                    line,
                    deadlines,
                    stock_out_on,
                    safety,
                    today,
                    (line.uplift_percent or {}).get(
                        deadlines.peak.key, defaults.peak_uplift_percent
                    ),
                    market.freight,
                )
            )
    rows.sort(key=lambda r: (r.peak.date, r.order_by, r.line.name))
    return StockUpPlan(tuple(rows), tuple(overstocked))


def _line_peak(
    line: ProductLine,
    deadlines: StockUpDeadlines,
    stock_out_on: date | None,
    safety: int,
    today: date,
    uplift: float,
    freight: Mapping[str, Any],
) -> LinePeakPlan:
    peak = deadlines.peak
    shift = 0
    if stock_out_on is not None and stock_out_on < deadlines.arrive_by:
        shift = (deadlines.arrive_by - stock_out_on).days  # order earlier: stock runs out first
    arrive_by = deadlines.arrive_by - timedelta(days=shift)
    ship_by = deadlines.ship_by - timedelta(days=shift)
    order_by = deadlines.order_by - timedelta(days=shift)
    sales = line.daily_sales
    before_arrival = max(0, (arrive_by - today).days) * sales
    normal_days = max(0, (peak.warmup_starts_on - arrive_by).days)
    peak_days = (peak.date - peak.warmup_starts_on).days + 1
    demand = normal_days * sales + peak_days * sales * (1 + uplift / 100) + safety * sales
    in_hand_at_arrival = max(0.0, line.current_stock - before_arrival)
    quantity = max(0, math.ceil(demand - in_hand_at_arrival))
    late = tuple(
        name
        for name, day in (("order_by", order_by), ("ship_by", ship_by), ("arrive_by", arrive_by))
        if day < today
    )
    air_instead = None
    if late and "arrive_by" not in late and deadlines.freight_mode != "air" and "air" in freight:
        air_ship_by = arrive_by - timedelta(days=freight["air"].max_days)
        air_order_by = air_ship_by - timedelta(days=deadlines.production_days)
        if air_order_by >= today:
            air_instead = phrase(
                "Ship by air instead: order by %(order_by)s, ship by %(ship_by)s to arrive by "
                "%(arrive_by)s.",
                order_by=air_order_by,
                ship_by=air_ship_by,
                arrive_by=arrive_by,
            )
    return LinePeakPlan(
        line,
        peak,
        order_by,
        ship_by,
        arrive_by,
        quantity,
        deadlines.freight_mode,
        stock_out_on,
        shift,
        late,
        air_instead,
    )


def stock_up_overrides(
    store: Store, profile: StoreProfile, catalog: Catalog, today: date
) -> dict[tuple[str, date], dict[str, Any]]:
    """Per peak: the earliest deadline across lines for each anchor, and the quantities."""
    out: dict[tuple[str, date], dict[str, Any]] = {}
    lines = product_lines(store) if store.id is not None else []
    if not lines:
        return out
    for row in plan_stock_up(store, catalog, today, lines, profile).rows:
        slot = out.setdefault((row.peak.key, row.peak.date), {"quantities": []})
        for anchor in ANCHORS:
            day = row.deadline(anchor)
            slot[anchor] = min(slot.get(anchor, day), day)
        slot["quantities"].append(f"{row.line.name}: {row.quantity:,}")
    return out


def parse_line(
    raw: Mapping[str, Any],
    store: Store,
    catalog: Catalog,
    *,
    partial: bool = False,
) -> dict[str, Any]:
    """Check a product line from outside, naming every bad field."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    unknown = sorted(set(raw) - set(LINE_FIELDS))
    errors += [FieldError(name, phrase("is not a product-line field")) for name in unknown]

    def whole(name: str, low: int, high: int, optional: bool) -> None:
        if name not in raw:
            if not optional and not partial:
                errors.append(FieldError(name, phrase("is required")))
            return
        value = raw[name]
        if value is None and optional:
            values[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors.append(
                FieldError(
                    name,
                    phrase(
                        "expected a whole number from %(low)s to %(high)s, got %(got)s",
                        low=low,
                        high=high,
                        got=repr(value),
                    ),
                )
            )
        else:
            values[name] = value

    if "name" in raw or not partial:
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > LINE_NAME_MAX:
            errors.append(
                FieldError(
                    "name",
                    phrase("expected a name of 1 to %(limit)s characters", limit=LINE_NAME_MAX),
                )
            )
        else:
            values["name"] = " ".join(name.split())
    whole("current_stock", 0, CURRENT_STOCK_MAX, optional=False)
    if "daily_sales" in raw or not partial:
        sales = raw.get("daily_sales")
        if (
            isinstance(sales, bool)
            or not isinstance(sales, int | float)
            or not (math.isfinite(sales) and 0 <= sales <= DAILY_SALES_MAX)
        ):
            errors.append(
                FieldError(
                    "daily_sales",
                    phrase("expected units a day, 0 or more, got %(got)s", got=repr(sales)),
                )
            )
        else:
            values["daily_sales"] = float(sales)
    for figure, most in DAY_LIMITS.items():
        whole(figure, 0, most, optional=True)
    if "freight_mode" in raw:
        mode = raw["freight_mode"]
        modes = catalog.markets[store.market].freight
        if mode is not None and (not isinstance(mode, str) or mode not in modes):
            errors.append(
                FieldError(
                    "freight_mode",
                    phrase(
                        "no '%(got)s' freight for %(market)s (known: %(known)s)",
                        got=mode,
                        market=store.market,
                        known=", ".join(modes),
                    ),
                )
            )
        else:
            values["freight_mode"] = mode
    if "uplift_percent" in raw:
        uplift = raw["uplift_percent"]
        peaks = set(catalog.peaks)
        if not isinstance(uplift, dict) or any(
            key not in peaks
            or isinstance(v, bool)
            or not isinstance(v, int)
            or not 0 <= v <= UPLIFT_MAX
            for key, v in uplift.items()
        ):
            errors.append(
                FieldError(
                    "uplift_percent",
                    phrase('expected {"<peak key>": percent 0 to %(most)s, ...}', most=UPLIFT_MAX),
                )
            )
        else:
            values["uplift_percent"] = uplift
    if errors:
        raise InputError(errors)
    return values


def save_line(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User,
    *,
    line_id: int | None = None,
) -> tuple[ProductLine, str]:
    """Add or change a product line; return it and what changed, in words. Flush only."""
    values = parse_line(raw, store, catalog, partial=line_id is not None)
    taken = {line.name: line.id for line in product_lines(store)}
    if "name" in values and taken.get(values["name"], line_id) != line_id:
        raise InputError.one(
            "name", phrase("the store already has a line called '%(name)s'", name=values["name"])
        )
    if line_id is None:
        line = ProductLine(store_id=store.id, **({"uplift_percent": {}} | values))
        db.session.add(line)
        change = phrase("product line '%(line)s' added", line=line.name)
    else:
        found = get_by_id(ProductLine, line_id)
        if found is None or found.store_id != store.id:
            raise NotFound(phrase("no product line %(id)s on this store", id=line_id))
        line = found
        changed = [
            f"{k} {getattr(line, k)!r} → {v!r}" for k, v in values.items() if getattr(line, k) != v
        ]
        for name, value in values.items():
            setattr(line, name, value)
        if changed:
            change = phrase(
                "product line '%(line)s': %(changes)s", line=line.name, changes=", ".join(changed)
            )
        else:
            change = phrase("product line '%(line)s': no change", line=line.name)
    log_activity(
        store.id, actor, "stock_up_changed", phrase("Stock-up planner: %(change)s.", change=change)
    )
    db.session.flush()
    return line, change
