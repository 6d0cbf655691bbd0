"""Rolling a store's plan forward to its today: the one way it is done, whoever asks.

The scheduler does it daily for every store; a page opened first (the plan, the store's
readiness) does it for its store; ``tracker plan refresh`` does it on demand. Each gets
the same: recurring work moves on, new peak work comes into view, missed occurrences are
recorded, gates that opened are told, and a stock-up order-by date that passed is warned
of that day.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Text, insert, select
from sqlalchemy import cast as cast_to

from tracker.activity.services import write_activity
from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.plans.stock_up import late_stock_up_drafts, warn_late_stock_ups
from tracker.plans.sync import (
    Move,
    Plan,
    PlanChanges,
    PlannedRow,
    active_checklists,
    apply_plan_changes,
    new_task_rows,
    only_assignable,
    plan_changes,
    roll_forward,
)
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.reminders.queue import Draft, insert_drafts
from tracker.stockup.models import ProductLine
from tracker.stockup.services import plan_stock_up
from tracker.stores.models import Store
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task
from tracker.tasks.recipients import active_managers


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


@dataclass
class RolledStores:
    """What rolling many stores forward at once did: each store's changes, and the stores
    whose plan could not even be worked out (left to the store-by-store path)."""

    changes: dict[int, PlanChanges] = field(default_factory=dict)
    left: list[int] = field(default_factory=list)


def roll_stores_forward(
    store_ids: Sequence[int],
    catalog: Catalog,
    *,
    now: datetime | None = None,
    plans: dict[Any, tuple[Plan, list[PlannedRow]]] | None = None,
) -> RolledStores:
    """Roll many stores' plans forward to their today at once, as :func:`roll_store_forward`
    does each: the same task rows and activity entries, in a few statements. Flush only.

    The stores' rows are locked first (as one store's is), so a second process doing this
    at once waits and then finds them rolled forward. Stores, their plan's tasks and product
    lines are read in one query each; a plan is worked out once for stores alike (``plans``
    keeps them for the next call); new tasks and log entries are written in one statement
    each. A store whose plan cannot be worked out is left out (``left``) for the caller to
    try on its own, where its fault is noted against it.
    """
    rolled = RolledStores()
    if not store_ids:
        return rolled
    plans = {} if plans is None else plans
    ids = sorted(store_ids)
    behind: list[tuple[Store, date]] = []
    for store in db.session.scalars(
        select(Store)
        .where(Store.id.in_(ids))
        .order_by(Store.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ):
        today = local_today(store.zone, now)
        if store.plan_synced_on is None or store.plan_synced_on < today:
            behind.append((store, today))
    if not behind:
        return rolled
    wanted = [store.id for store, _ in behind]
    tasks: dict[int, list[Task]] = defaultdict(list)
    for found in _task_values(wanted):
        tasks[found.store_id].append(cast(Task, found))
    lines: dict[int, list[ProductLine]] = defaultdict(list)
    for line in db.session.scalars(
        select(ProductLine)
        .where(ProductLine.store_id.in_(wanted))
        .order_by(ProductLine.store_id, ProductLine.name)
    ):
        lines[line.store_id].append(line)
    checklists = active_checklists(catalog)
    reason = phrase("daily roll forward")
    worked_out: list[tuple[Store, date, PlanChanges]] = []
    for store, today in behind:
        try:
            changes = plan_changes(
                store,
                store.profile(),
                catalog,
                today,
                checklists=checklists,
                existing_tasks=tasks[store.id],
                lines=lines[store.id],
                plans=plans,
                in_view=True,
            )
        except Exception:  # e.g. its market left the seeds: its own try notes the fault
            rolled.left.append(store.id)
            continue
        worked_out.append((store, today, changes))
    _as_tasks([changes for _, _, changes in worked_out])
    logged: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for store, _, changes in worked_out:
        apply_plan_changes(
            store, changes, actor=None, reason=reason, add_new=False, flush=False, log_rows=logged
        )
        added += new_task_rows(store, changes)
        rolled.changes[store.id] = changes
    db.session.flush()
    write_activity(logged)
    added = only_assignable(added)
    if added:
        # Rows whose JSON columns are empty are inserted apart: alike rows side by side, so
        # the driver batches them (as applying a checklist does).
        added.sort(key=lambda values: tuple(value is None for value in values.values()))
        db.session.execute(insert(Task), added)
    # Late stock-up warnings of every store with product lines, queued together.
    late: list[Draft] = []
    managers: list[User] | None = None
    moment = now or utcnow()
    for store, today, _ in worked_out:
        if lines[store.id]:
            plan = plan_stock_up(store, catalog, today, lines[store.id])
            if any("order_by" in row.late for row in plan.rows):
                managers = active_managers() if managers is None else managers
                late += late_stock_up_drafts(store, plan, moment, managers)
    insert_drafts(late, moment)
    if worked_out:
        check_gates([store.id for store, _, _ in worked_out], now=now)
    return rolled


# What ``plan_changes`` reads of a store's rows: the values a plan sets (sync._row, the
# checklist and stock-up values) and what tells a row's state; not its notes, people or
# timestamps, read and converted for nothing (a row it lacks a value of would leave its
# store to the store-by-store path, which the tests would see).
_COMPARED = (
    "id",
    "store_id",
    "key",
    "slot",
    "status",
    "due_on_by_hand",
    "completed_at",
    "title",
    "description",
    "phase",
    "source",
    "critical",
    "due_on",
    "estimated",
    "recurrence",
    "gate",
    "peak_key",
    "peak_date",
    "checklist_version",
    "counts_for_readiness",
)


def _task_values(store_ids: Sequence[int]) -> Iterator[_TaskValues]:
    """The stores' playbook and checklist tasks as the values a plan is compared with.

    Plain values, not ORM objects (most rows do not change): those that do change are read
    again as tasks before the change is applied. Done work is never changed by a plan, only
    counted and, for a checklist's next step, dated from: it is read without the rest. The
    JSON columns and the dates are read as text and decoded once per distinct text (a
    thousand stores' rows hold a few hundred distinct gates, recurrences and days), so the
    values of rows alike are shared and must only be read.
    """
    columns = Task.__table__.c
    of_plans = (Task.store_id.in_(store_ids), Task.origin.in_(("playbook", "checklist")))
    read = [
        cast_to(columns[name], Text).label(name) if name in _DECODED else columns[name]
        for name in _COMPARED
    ]
    decoded = [(_COMPARED.index(name), decode) for name, decode in _DECODED.items()]
    for values in db.session.execute(select(*read).where(*of_plans, Task.status != "done")):
        row = list(values)
        for index, decode in decoded:
            if row[index] is not None:
                row[index] = decode(row[index])
        yield _TaskValues(zip(_COMPARED, row, strict=True))
    done = ("id", "store_id", "key", "slot", "status", "completed_at")
    for values in db.session.execute(
        select(*(columns[name] for name in done)).where(*of_plans, Task.status == "done")
    ):
        yield _TaskValues(zip(done, values, strict=True))


@lru_cache(maxsize=4096)
def _json(text: str) -> Any:
    return json.loads(text)


@lru_cache(maxsize=4096)
def _day(text: str) -> date:
    return date.fromisoformat(text)


# The compared columns read as text and decoded by these (see _task_values).
_DECODED: dict[str, Callable[[str], Any]] = {
    "recurrence": _json,
    "gate": _json,
    "due_on": _day,
    "peak_date": _day,
}


class _TaskValues:
    """A task row's values, read for comparing with the plan (what ``plan_changes`` reads)."""

    store_id: int

    def __init__(self, values: Iterable[tuple[str, Any]]) -> None:
        self.__dict__.update(values)


# How many tasks are read again by id in one statement.
_IDS_AT_ONCE = 500


def _as_tasks(worked_out: list[PlanChanges]) -> None:
    """Put the tasks themselves in place of the values compared, where a change touches them."""
    ids = sorted(
        {
            task.id
            for changes in worked_out
            for task in (
                *(task for task, _ in changes.revived),
                *(move.task for move in changes.changed),
                *(move.task for move in changes.kept_by_hand),
                *changes.retired,
                *changes.missed,
            )
        }
    )
    found: dict[int, Task] = {}
    for start in range(0, len(ids), _IDS_AT_ONCE):
        for task in db.session.scalars(
            select(Task)
            .where(Task.id.in_(ids[start : start + _IDS_AT_ONCE]))
            .execution_options(populate_existing=True)
        ):
            found[task.id] = task
    for changes in worked_out:
        changes.revived = [(found[task.id], row) for task, row in changes.revived]
        changes.changed = [
            Move(found[move.task.id], move.row, move.due_before) for move in changes.changed
        ]
        changes.kept_by_hand = [
            Move(found[move.task.id], move.row, move.due_before) for move in changes.kept_by_hand
        ]
        changes.retired = [found[task.id] for task in changes.retired]
        changes.missed = [found[task.id] for task in changes.missed]
