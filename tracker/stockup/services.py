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
from tracker.errors import InputError, NotFound, load_input
from tracker.extensions import db
from tracker.i18n.changes import change_phrase, changes_said
from tracker.playbook.catalog import Catalog
from tracker.playbook.peaks import Peak
from tracker.playbook.phrases import phrase
from tracker.playbook.plan import generate_plan
from tracker.playbook.profile import StoreProfile, resolve_profile
from tracker.playbook.stockup import StockUpDeadlines, peak_daily_sales
from tracker.stockup.models import ProductLine
from tracker.stockup.schemas import product_line_change, product_line_new
from tracker.stores.models import Store

# Peaks further ahead than this are not planned yet (as for the plan's peak work).
PLANNER_HORIZON_DAYS = 120
# Stock that lasts longer than this (a century) is treated as never running out.
STOCK_LASTS_DAYS = 36_500
ANCHORS = ("order_by", "ship_by", "arrive_by")


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
    # A store still on probation at the peak cannot sell more a day than its order cap.
    peak_sales = peak_daily_sales(sales, uplift, deadlines.daily_order_limit)
    demand = normal_days * sales + peak_days * peak_sales + safety * sales
    in_hand_at_arrival = max(0.0, line.current_stock - before_arrival)
    quantity = max(0, math.ceil(demand - in_hand_at_arrival))
    # A line that needs nothing for this peak has no deadline to miss.
    late = tuple(
        name
        for name, day in (("order_by", order_by), ("ship_by", ship_by), ("arrive_by", arrive_by))
        if day < today and quantity > 0
    )
    air_instead = None
    # Air is the seller's choice only where the seller ships (not to a platform's warehouse).
    if (
        late
        and "arrive_by" not in late
        and deadlines.freight_mode in freight
        and deadlines.freight_mode != "air"
        and "air" in freight
    ):
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
    store: Store,
    profile: StoreProfile,
    catalog: Catalog,
    today: date,
    lines: list[ProductLine] | None = None,
) -> dict[tuple[str, date], dict[str, Any]]:
    """Per peak: the earliest deadline across lines for each anchor, and the quantities.

    ``lines``: the store's product lines, when the caller has read them for many stores.
    """
    out: dict[tuple[str, date], dict[str, Any]] = {}
    if lines is None:
        lines = product_lines(store) if store.id is not None else []
    if not lines:
        return out
    for row in plan_stock_up(store, catalog, today, lines, profile).rows:
        slot = out.setdefault((row.peak.key, row.peak.date), {"quantities": []})
        if row.quantity == 0:
            slot["quantities"].append(f"{row.line.name}: 0")
            continue  # nothing to send: its dates must not pull the stock-up tasks earlier
        for anchor in ANCHORS:
            day = row.deadline(anchor)
            slot[anchor] = min(slot.get(anchor, day), day)
        slot["quantities"].append(f"{row.line.name}: {row.quantity:,}")
    return out


def _checked_line(
    raw: Mapping[str, Any], store: Store, catalog: Catalog, *, new: bool
) -> dict[str, Any]:
    """Load a line through its schema; its freight mode must be one the store's market has."""
    schema = product_line_new(catalog) if new else product_line_change(catalog)
    values = load_input(schema, raw)
    if "name" in values:
        values["name"] = " ".join(values["name"].split())
    if "skus" in values:
        values["skus"] = list(dict.fromkeys(values["skus"]))  # each once, in the order given
    mode = values.get("freight_mode")
    modes = catalog.markets[store.market].freight
    if mode is not None and mode not in modes:
        raise InputError.one(
            "freight_mode",
            phrase(
                "no '%(got)s' freight for %(market)s (known: %(known)s)",
                got=mode,
                market=store.market,
                known=", ".join(modes),
            ),
        )
    return values


def delete_line(store: Store, line_id: int, actor: User) -> ProductLine:
    """Remove a product line from the store's planner; the caller re-plans. Flush only."""
    found = get_by_id(ProductLine, line_id)
    if found is None or found.store_id != store.id:
        raise NotFound(phrase("no product line %(id)s on this store", id=line_id))
    db.session.delete(found)
    log_activity(
        store.id,
        actor,
        "stock_up_changed",
        phrase("Stock-up planner: product line '%(line)s' removed.", line=found.name),
    )
    db.session.flush()
    return found


def save_line(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User | None,
    *,
    line_id: int | None = None,
    because: str | None = None,
) -> tuple[ProductLine, str]:
    """Add or change a product line; return it and what changed, in words. Flush only.

    ``because`` says where new figures came from (an import's window), after the change.
    """
    values = _checked_line(raw, store, catalog, new=line_id is None)
    lines = product_lines(store)
    taken = {line.name: line.id for line in lines}
    if "name" in values and taken.get(values["name"], line_id) != line_id:
        raise InputError.one(
            "name", phrase("the store already has a line called '%(name)s'", name=values["name"])
        )
    for sku in values.get("skus", ()):
        other = next((x for x in lines if x.id != line_id and sku in (x.skus or ())), None)
        if other is not None:
            raise InputError.one(
                "skus",
                phrase(
                    "SKU '%(sku)s' already belongs to line '%(line)s'", sku=sku, line=other.name
                ),
            )
    if line_id is None:
        line = ProductLine(store_id=store.id, **({"uplift_percent": {}, "skus": []} | values))
        db.session.add(line)
        change = phrase("product line '%(line)s' added", line=line.name)
    else:
        found = get_by_id(ProductLine, line_id)
        if found is None or found.store_id != store.id:
            raise NotFound(phrase("no product line %(id)s on this store", id=line_id))
        line = found
        changed = changes_said(
            change_phrase(k, getattr(line, k), v)
            for k, v in values.items()
            if getattr(line, k) != v
        )
        for name, value in values.items():
            setattr(line, name, value)
        if changed and because:
            change = phrase(
                "product line '%(line)s': %(changes)s %(because)s",
                line=line.name,
                changes=changed,
                because=because,
            )
        elif changed:
            change = phrase("product line '%(line)s': %(changes)s", line=line.name, changes=changed)
        else:
            change = phrase("product line '%(line)s': no change", line=line.name)
    log_activity(
        store.id, actor, "stock_up_changed", phrase("Stock-up planner: %(change)s.", change=change)
    )
    db.session.flush()
    return line, change
