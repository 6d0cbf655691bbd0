"""Keep a store's task rows in step with the plan its profile gives.

One function serves creation, profile edits and the daily roll forward:
it works out what the plan wants, compares it with the rows there are, and
either reports the difference (a preview) or applies it. Done tasks and
custom tasks are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db
from tracker.playbook.catalog import STOCK_UP_ANCHORS, Catalog
from tracker.playbook.phrases import phrase
from tracker.playbook.plan import Plan, PlannedTask, generate_plan, peak_slot
from tracker.playbook.profile import StoreProfile
from tracker.stockup.services import stock_up_overrides
from tracker.stores.models import Store
from tracker.tasks.models import Task

# Peak work is planned this far ahead; dated one-off work is planned in full.
PEAK_HORIZON_DAYS = 120
# Recurring tasks get rows for the coming two weeks only, rolled forward daily.
OCCURRENCE_WINDOW_DAYS = 14
# An occurrence left undone this long after its day is recorded as missed.
MISSED_AFTER_DAYS = 7
# Look this far ahead so a one-off task whose date moved out keeps its row.
_ENGINE_HORIZON_DAYS = 730


@dataclass(frozen=True)
class PlannedRow:
    """The values the plan wants one task row to have."""

    key: str
    slot: str
    values: dict[str, Any]

    @property
    def identity(self) -> tuple[str, str]:
        return (self.key, self.slot)


@dataclass
class Move:
    """An open task whose values change; ``due_before`` differs when its date moves."""

    task: Task
    row: PlannedRow
    due_before: date

    @property
    def date_moved(self) -> bool:
        return self.row.values["due_on"] != self.due_before


@dataclass
class PlanChanges:
    """What applying a profile would do to the store's tasks."""

    plan: Plan
    added: list[PlannedRow] = field(default_factory=list)
    revived: list[tuple[Task, PlannedRow]] = field(default_factory=list)
    changed: list[Move] = field(default_factory=list)
    retired: list[Task] = field(default_factory=list)
    missed: list[Task] = field(default_factory=list)
    kept_done: int = 0

    @property
    def moved(self) -> list[Move]:
        return [move for move in self.changed if move.date_moved]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.revived or self.changed or self.retired or self.missed)

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added) + len(self.revived),
            "moved": len(self.moved),
            "updated": len(self.changed) - len(self.moved),
            "retired": len(self.retired),
            "missed": len(self.missed),
            "done_untouched": self.kept_done,
        }


def planned_rows(plan: Plan, today: date) -> list[PlannedRow]:
    """Spell the plan out as task rows: one per one-off task, peak task and occurrence."""
    rows = []
    window_ends_on = today + timedelta(days=OCCURRENCE_WINDOW_DAYS)
    for task in plan.tasks:
        if task.recurrence is not None:
            for day in task.occurrences(today, window_ends_on):
                rows.append(_row(task, day.isoformat(), day))
        elif task.peak is not None:
            rows.append(_row(task, peak_slot(task.peak.key, task.peak.date), task.due_on))
        else:
            rows.append(_row(task, "", task.due_on))
    return rows


def _row(task: PlannedTask, slot: str, due_on: date) -> PlannedRow:
    return PlannedRow(
        task.key,
        slot,
        {
            "title": task.title,
            "description": task.description,
            "phase": task.phase,
            "source": task.source,
            "critical": task.critical,
            "due_on": due_on,
            "estimated": task.estimated,
            "recurrence": task.recurrence.to_json() if task.recurrence else None,
            "gate": task.gate.to_json() if task.gate else None,
            "peak_key": task.peak.key if task.peak else None,
            "peak_date": task.peak.date if task.peak else None,
        },
    )


def _with_stock_up_plan(
    rows: list[PlannedRow], store: Store, profile: StoreProfile, catalog: Catalog, today: date
) -> list[PlannedRow]:
    """Date stock-up tasks by the store's product lines, when it has any, with quantities."""
    overrides = stock_up_overrides(store, profile, catalog, today)
    if not overrides:
        return rows
    adjusted = []
    for row in rows:
        values = row.values
        override = overrides.get((values["peak_key"], values["peak_date"]))
        entry = catalog.entry(row.key) if override else None
        if (
            override is not None
            and entry is not None
            and entry.due.anchor in STOCK_UP_ANCHORS
            and not any(anchor in override for anchor in STOCK_UP_ANCHORS)
        ):
            continue  # every line has enough for this peak: nothing to order, ship or receive
        if override is not None and entry is not None and entry.due.anchor in override:
            due_on = override[entry.due.anchor] + timedelta(days=entry.due.days)
            quantities = "; ".join(override["quantities"])
            values = values | {
                "due_on": due_on,
                # Said again on a page in the reader's language (tracker/i18n/seeds.py).
                "description": f"{values['description']}\n\nStock-up planner: {quantities}.",
            }
        adjusted.append(PlannedRow(row.key, row.slot, values))
    return adjusted


def plan_changes(store: Store, profile: StoreProfile, catalog: Catalog, today: date) -> PlanChanges:
    """Work out, without changing anything, what ``profile`` would do to the store's tasks."""
    plan = generate_plan(profile, catalog, today=today, horizon_days=_ENGINE_HORIZON_DAYS)
    applicable = {task.key for task in plan.tasks}
    peaks = {(peak.key, peak.date) for peak in plan.peaks}
    existing = (
        {
            (task.key, task.slot): task
            for task in db.session.scalars(
                select(Task).where(Task.store_id == store.id, Task.origin == "playbook")
            )
        }
        if store.id is not None
        else {}
    )

    changes = PlanChanges(plan)
    rows = _with_stock_up_plan(planned_rows(plan, today), store, profile, catalog, today)
    wanted: set[tuple[str, str]] = set()
    peak_horizon = today + timedelta(days=PEAK_HORIZON_DAYS)
    for row in rows:
        task = existing.get(row.identity)
        if (
            row.values["peak_key"] is not None
            and row.values["due_on"] > peak_horizon
            and (task is None)
        ):
            continue
        wanted.add(row.identity)
        if task is None:
            changes.added.append(row)
        elif task.status in ("retired", "missed"):
            changes.revived.append((task, row))
        elif task.status == "open" and any(
            getattr(task, name) != value for name, value in row.values.items()
        ):
            changes.changed.append(Move(task, row, task.due_on))

    for identity, task in existing.items():
        if task.status == "done":
            changes.kept_done += 1
            continue
        if task.status != "open" or identity in wanted:
            continue
        if task.recurrence is not None and task.due_on < today:
            if task.key not in applicable:
                changes.retired.append(task)
            elif task.due_on < today - timedelta(days=MISSED_AFTER_DAYS):
                changes.missed.append(task)
            continue  # a recent occurrence stays open, overdue, until it is done or missed
        past_peak = task.peak_date is not None and task.peak_date < today
        if past_peak and (task.peak_key, task.peak_date) not in peaks and task.key in applicable:
            continue  # the peak is behind us: leave its open work as it was
        changes.retired.append(task)
    return changes


def apply_plan_changes(
    store: Store, changes: PlanChanges, *, actor: User | None, reason: str
) -> PlanChanges:
    """Apply a worked-out change to the store's task rows, logging each one; flush, not commit."""
    version = changes.plan.playbook_version
    for row in changes.added:
        task = Task(
            store=store,
            key=row.key,
            slot=row.slot,
            origin="playbook",
            playbook_version=version,
            status="open",
            **row.values,
        )
        db.session.add(task)
    for task, row in changes.revived:
        _set(task, row, version)
        task.status = "open"
        _log(store, task, actor, "revived", phrase("Applies again (%(reason)s).", reason=reason))
    for move in changes.changed:
        _set(move.task, move.row, version)
        if move.date_moved:
            _log(
                store,
                move.task,
                actor,
                "due_moved",
                phrase(
                    "Due date moved from %(before)s to %(after)s (%(reason)s).",
                    before=move.due_before,
                    after=move.row.values["due_on"],
                    reason=reason,
                ),
            )
    for task in changes.retired:
        task.status = "retired"
        _log(
            store, task, actor, "retired", phrase("No longer applies (%(reason)s).", reason=reason)
        )
    for task in changes.missed:
        task.status = "missed"
    store.playbook_version = version
    store.zone = changes.plan.store.timezone
    store.plan_synced_on = changes.plan.today
    db.session.flush()
    return changes


def sync_plan(
    store: Store, catalog: Catalog, today: date, *, actor: User | None = None, reason: str
) -> PlanChanges:
    """Bring the store's task rows in line with its current profile on ``today``."""
    changes = plan_changes(store, store.profile(), catalog, today)
    return apply_plan_changes(store, changes, actor=actor, reason=reason)


def _set(task: Task, row: PlannedRow, version: str) -> None:
    for name, value in row.values.items():
        setattr(task, name, value)
    task.playbook_version = version


def _log(store: Store, task: Task | None, actor: User | None, kind: str, message: str) -> None:
    log_activity(store.id, actor, kind, message, task=task)


def stores_behind(*, now: datetime | None = None) -> list[int]:
    """List the stores whose plan was last rolled forward before their own today."""
    stale = []
    for store_id, zone, synced_on in db.session.execute(
        select(Store.id, Store.zone, Store.plan_synced_on).order_by(Store.id)
    ):
        if synced_on is None or synced_on < local_today(zone, now):
            stale.append(store_id)
    return stale


def roll_forward(
    store_id: int, catalog: Catalog, *, now: datetime | None = None
) -> PlanChanges | None:
    """Roll one store's plan forward to its today, unless someone already has. Flush only.

    The store's row is locked first, so two processes doing this at once
    queue up and the second finds nothing left to do.
    """
    store = db.session.scalar(
        select(Store)
        .where(Store.id == store_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if store is None:
        return None
    today = local_today(store.zone, now)
    if store.plan_synced_on is not None and store.plan_synced_on >= today:
        return None
    return sync_plan(store, catalog, today, reason=phrase("daily roll forward"))
