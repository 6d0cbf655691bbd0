"""Rolling a store's plan forward to its today: the one way it is done, whoever asks.

The scheduler does it daily for every store; a page opened first (the plan, the store's
readiness) does it for its store; ``tracker plan refresh`` does it on demand. Each gets
the same: recurring work moves on, new peak work comes into view, missed occurrences are
recorded, gates that opened are told, and a stock-up order-by date that passed is warned
of that day.
"""

from __future__ import annotations

from datetime import datetime

from tracker.clock import local_today
from tracker.extensions import db
from tracker.plans.stock_up import warn_late_stock_ups
from tracker.plans.sync import PlanChanges, roll_forward
from tracker.playbook.catalog import Catalog
from tracker.stockup.services import plan_stock_up
from tracker.stores.models import Store
from tracker.tasks.gates import check_gates


def is_behind(store: Store, *, now: datetime | None = None) -> bool:
    """Tell whether the store's plan was last rolled forward before its own today."""
    synced = store.plan_synced_on
    return synced is None or synced < local_today(store.zone, now)


def roll_store_forward(
    store_id: int, catalog: Catalog, *, now: datetime | None = None
) -> PlanChanges | None:
    """Roll one store's plan forward to its today, unless someone already has. Flush only.

    Nothing happens (None) when the plan is already at the store's today: whoever rolled
    it forward first did everything below, once.
    """
    changes = roll_forward(store_id, catalog, now=now)
    if changes is None:
        return None
    store = db.session.get(Store, store_id)  # loaded and locked by roll_forward
    assert store is not None
    today = local_today(store.zone, now)
    warn_late_stock_ups(store, plan_stock_up(store, catalog, today), now=now)
    check_gates([store.id], now=now)
    return changes
