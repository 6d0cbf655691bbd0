"""Changing a product line: save it, move the plan's stock-up tasks, warn of late deadlines."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext

from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.config import absolute_url
from tracker.i18n.format import day, number
from tracker.i18n.seeds import seed_name
from tracker.i18n.text import localize
from tracker.plans.sync import sync_plan
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.reminders.queue import Draft, draft_now, insert_drafts
from tracker.stockup.models import ProductLine
from tracker.stockup.services import (
    LinePeakPlan,
    StockUpPlan,
    delete_line,
    plan_stock_up,
    save_line,
)
from tracker.stores.models import Store
from tracker.tasks.recipients import active_managers


def change_product_line(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User | None,
    *,
    line_id: int | None = None,
    now: datetime | None = None,
    because: str | None = None,
) -> tuple[ProductLine, StockUpPlan]:
    """Add or change a line; the stock-up tasks follow, each move logged with the reason."""
    line, change = save_line(store, raw, catalog, actor, line_id=line_id, because=because)
    today = local_today(store.zone, now)
    sync_plan(
        store,
        catalog,
        today,
        actor=actor,
        reason=phrase("stock-up planner: %(change)s", change=change),
    )
    plan = plan_stock_up(store, catalog, today)
    warn_late_stock_ups(store, plan, now=now)
    return line, plan


def remove_product_line(
    store: Store, line_id: int, catalog: Catalog, actor: User, *, now: datetime | None = None
) -> ProductLine:
    """Remove a line; the stock-up tasks follow the lines left, the move logged with the reason."""
    line = delete_line(store, line_id, actor)
    sync_plan(
        store,
        catalog,
        local_today(store.zone, now),
        actor=actor,
        reason=phrase("stock-up planner: product line '%(line)s' removed", line=line.name),
    )
    return line


def warn_late_stock_ups(store: Store, plan: StockUpPlan, *, now: datetime | None = None) -> int:
    """Tell the store's managers once about each line whose order-by date has passed."""
    if not any("order_by" in row.late for row in plan.rows):
        return 0
    now = now or utcnow()
    return insert_drafts(late_stock_up_drafts(store, plan, now, active_managers()), now)


def late_stock_up_drafts(
    store: Store, plan: StockUpPlan, now: datetime, managers: Sequence[User]
) -> list[Draft]:
    """The reminders :func:`warn_late_stock_ups` queues, for a caller that queues many
    stores' at once (``managers``: the active managers)."""
    drafts: list[Draft] = []
    for row in plan.rows:
        if "order_by" not in row.late:
            continue
        drafts += draft_now(
            managers,
            "stock_up_late",
            f"late:{row.line.id}:{row.peak.key}:{row.peak.date.isoformat()}",
            functools.partial(_late_subject, row, store),
            functools.partial(_late_text, row, store),
            store=store,
            tasks=[],
            now=now,
            path=f"/stores/{store.id}/stock-up#line-{row.line.id}",
        )
    return drafts


def _late_subject(row: LinePeakPlan, store: Store) -> str:
    """What a late stock-up reminder's subject says, in the language it is being written in."""
    return gettext(
        "Too late to order %(line)s for %(peak)s by %(freight)s [%(store)s]",
        line=row.line.name,
        peak=seed_name("peak", row.peak.key, row.peak.name),
        freight=seed_name("freight", row.freight_mode),
        store=store.name,
    )


def _late_text(row: LinePeakPlan, store: Store) -> str:
    """What a late stock-up reminder says, in the language it is being written in."""
    lines = [
        gettext(
            "The order-by date for %(line)s (%(quantity)s units) was %(day)s.",
            line=row.line.name,
            quantity=number(row.quantity),
            day=day(row.order_by),
        )
    ]
    if row.air_instead:
        lines.append(localize(row.air_instead))
    else:
        lines.append(gettext("No freight gets a new order there in time for the peak."))
    lines.append(
        gettext(
            "What can still be done: send a partial shipment of what is ready or in stock "
            "elsewhere, or skip this peak for %(line)s and plan for the next one.",
            line=row.line.name,
        )
    )
    lines.append(
        gettext(
            "Change the line's figures in the planner: %(link)s",
            link=absolute_url(f"/stores/{store.id}/stock-up"),
        )
    )
    return "\n".join(lines)
