"""Changing a product line: save it, move the plan's stock-up tasks, warn of late deadlines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tracker.auth.models import User
from tracker.db import db, utcnow
from tracker.playbook.catalog import Catalog
from tracker.reminders.queue import queue_now
from tracker.stockup.models import ProductLine
from tracker.stockup.services import StockUpPlan, plan_stock_up, save_line
from tracker.stores.models import Store, local_today
from tracker.tasks.plan_sync import sync_plan


def change_product_line(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User,
    *,
    line_id: int | None = None,
    now: datetime | None = None,
) -> tuple[ProductLine, StockUpPlan]:
    """Add or change a line; the stock-up tasks follow, each move logged with the reason."""
    line, change = save_line(store, raw, catalog, actor, line_id=line_id)
    today = local_today(store.zone, now)
    sync_plan(store, catalog, today, actor=actor, reason=f"stock-up planner: {change}")
    plan = plan_stock_up(store, catalog, today)
    warn_late_stock_ups(store, plan, now=now)
    return line, plan


def warn_late_stock_ups(store: Store, plan: StockUpPlan, *, now: datetime | None = None) -> int:
    """Tell the store's managers once about each line whose order-by date has passed."""
    late = [row for row in plan.rows if "order_by" in row.late]
    if not late:
        return 0
    managers = list(db.session.scalars(select(User).where(User.role == "manager", User.active)))
    queued = 0
    for row in late:
        advice = row.air_instead or "It cannot arrive in time by any freight: plan less for it."
        queued += queue_now(
            managers,
            "stock_up_late",
            f"late:{row.line.id}:{row.peak.key}:{row.peak.date.isoformat()}",
            f"Too late to order {row.line.name} for {row.peak.name} by "
            f"{row.freight_mode} [{store.name}]",
            f"The order-by date for {row.line.name} ({row.quantity:,} units) was "
            f"{row.order_by.isoformat()}. {advice}",
            store=store,
            tasks=[],
            now=now or utcnow(),
        )
    return queued
