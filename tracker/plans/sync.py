"""Keep a store's task rows in step with the plan its profile gives.

One function serves creation, profile edits and the daily roll forward:
it works out what the plan wants, compares it with the rows there are, and
either reports the difference (a preview) or applies it. Done tasks and
custom tasks are never touched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tracker.activity.services import activity_row, log_activity
from tracker.auth.models import User
from tracker.checklists.models import Checklist
from tracker.clock import local_today
from tracker.extensions import db
from tracker.playbook.catalog import STOCK_UP_ANCHORS, Catalog, Entry
from tracker.playbook.checklists import PREFIX as CHECKLIST_PREFIX
from tracker.playbook.checklists import Checklist as ChecklistSpec
from tracker.playbook.checklists import (
    after_anchors,
    checklist_entries,
    with_entries,
)
from tracker.playbook.phrases import phrase
from tracker.playbook.plan import Plan, PlannedTask, generate_plan, peak_slot
from tracker.playbook.profile import StoreProfile
from tracker.playbook.seeds import SeedError
from tracker.stockup.models import ProductLine
from tracker.stockup.services import stock_up_overrides
from tracker.stores.models import Store, StoreMembership
from tracker.tasks.models import Task

# Peak work is planned this far ahead; dated one-off work is planned in full.
PEAK_HORIZON_DAYS = 120
# Recurring tasks get rows for the coming two weeks only, rolled forward daily.
OCCURRENCE_WINDOW_DAYS = 14
# An occurrence left undone this long after its day is recorded as missed.
MISSED_AFTER_DAYS = 7
# Look this far ahead so a one-off task whose date moved out keeps its row.
ENGINE_HORIZON_DAYS = 730


@dataclass(frozen=True)
class PlannedRow:
    """The values the plan wants one task row to have."""

    key: str
    slot: str
    values: dict[str, Any]

    @property
    def identity(self) -> tuple[str, str]:
        return (self.key, self.slot)


@dataclass(frozen=True)
class PlannedChecklist:
    """A saved checklist as the plan takes it: its entries, checked against the catalog."""

    spec: ChecklistSpec
    version: int
    entries: tuple[Entry, ...]

    @classmethod
    def of(cls, spec: ChecklistSpec, version: int, catalog: Catalog) -> PlannedChecklist:
        return cls(spec, version, checklist_entries(spec, catalog, version=version))

    @functools.cached_property
    def after(self) -> dict[str, tuple[str, int]]:
        """Plan key -> (the step it follows, days after that one is done); worked out once."""
        return after_anchors(self.spec)

    @functools.cached_property
    def by_task_key(self) -> dict[str, Any]:
        """Each entry as written, by its task key."""
        return {self.spec.task_key(entry.key): entry for entry in self.spec.entries}


# (the checklist as saved, its version, catalog version) -> the checklist checked and ready
# to plan, or None when it no longer fits the seeds: the daily roll forward asks per store.
_CHECKED: dict[tuple[str, int, str], PlannedChecklist | None] = {}
_CHECKED_KEPT = 1024


def active_checklists(catalog: Catalog) -> list[PlannedChecklist]:
    """Every checklist in use, ready to plan (one that no longer fits the seeds is left out)."""
    planned = []
    for row in db.session.scalars(
        select(Checklist).where(Checklist.retired_at.is_(None)).order_by(Checklist.key)
    ):
        key = (json.dumps(row.body(), sort_keys=True), row.version, catalog.version)
        if key not in _CHECKED:
            if len(_CHECKED) >= _CHECKED_KEPT:
                _CHECKED.clear()
            try:
                _CHECKED[key] = PlannedChecklist.of(row.spec(), row.version, catalog)
            except SeedError:
                # e.g. a peak it named left the seeds; its open tasks stay as they are
                _CHECKED[key] = None
        found = _CHECKED[key]
        if found is not None:
            planned.append(found)
    return planned


def is_checklist_key(key: str) -> bool:
    return key.startswith(f"{CHECKLIST_PREFIX}.")


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
    # Values a new task starts with but a later plan never changes (a checklist's assignee).
    starts_with: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Only some of the store's work was compared (one checklist's): the plan is not
    # rolled forward by applying it.
    partial: bool = False
    # Open tasks whose due date someone set by hand: the plan would move them, but does not.
    kept_by_hand: list[Move] = field(default_factory=list)

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
    """Spell the plan out as task rows: one per one-off task, peak task and occurrence.

    Each row has the values of a row of no checklist (``_with_checklist_values`` gives a
    checklist's rows theirs). A recurring task's occurrences differ only in their day.
    """
    rows = []
    window_ends_on = today + timedelta(days=OCCURRENCE_WINDOW_DAYS)
    for task in plan.tasks:
        if task.recurrence is not None:
            days = task.occurrences(today, window_ends_on)
            if days:
                values = _values(task, days[0])
                rows += [
                    PlannedRow(task.key, day.isoformat(), values | {"due_on": day}) for day in days
                ]
        elif task.peak is not None:
            slot = peak_slot(task.peak.key, task.peak.date)
            rows.append(PlannedRow(task.key, slot, _values(task, task.due_on)))
        else:
            rows.append(PlannedRow(task.key, "", _values(task, task.due_on)))
    return rows


def _values(task: PlannedTask, due_on: date) -> dict[str, Any]:
    return {
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
        **_NO_CHECKLIST,
    }


# The checklist values of a row that is not a checklist's (see _with_checklist_values).
_NO_CHECKLIST = {"checklist_version": None, "counts_for_readiness": True}


def _with_stock_up_plan(
    rows: list[PlannedRow],
    store: Store,
    profile: StoreProfile,
    catalog: Catalog,
    today: date,
    lines: list[ProductLine] | None,
) -> list[PlannedRow]:
    """Date stock-up tasks by the store's product lines, when it has any, with quantities."""
    overrides = stock_up_overrides(store, profile, catalog, today, lines)
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
            # Not before the store opened (only work before launch may fall due then): due
            # on the opening day, the first it can be done, the work after it kept in step
            # and a date set by hand kept; the late stock-up warning says what can still be
            # done for a line that is short now.
            due_on = max(due_on, profile.opened_on)
            quantities = "; ".join(override["quantities"])
            values = values | {
                "due_on": due_on,
                # Said again on a page in the reader's language (tracker/i18n/seeds.py).
                "description": f"{values['description']}\n\nStock-up planner: {quantities}.",
            }
        adjusted.append(PlannedRow(row.key, row.slot, values))
    return adjusted


def plan_changes(
    store: Store,
    profile: StoreProfile,
    catalog: Catalog,
    today: date,
    *,
    checklists: Sequence[PlannedChecklist] | None = None,
    only: str | None = None,
    existing_tasks: Sequence[Task] | None = None,
    done_on: Mapping[tuple[str, str], date] | None = None,
    lines: list[ProductLine] | None = None,
    plans: dict[Any, tuple[Plan, list[PlannedRow]]] | None = None,
    in_view: bool = False,
) -> PlanChanges:
    """Work out, without changing anything, what ``profile`` would do to the store's tasks.

    Playbook work and the checklists' (``checklists``: those in use when not given) are
    planned together. ``only`` limits the comparison to the tasks whose key starts with it
    (one checklist's, when it is saved); ``existing_tasks`` and ``done_on`` are those rows
    and the days their steps were done, when the caller has read them for many stores;
    ``lines`` the store's product lines, likewise. ``plans`` keeps the plans worked out for
    other stores: a store with the same profile, day and checklists gets the same plan and
    rows before its own product lines and done steps are applied to them.

    ``in_view`` (the daily roll forward, given the store's rows and product lines) spells out
    only the rows that can change something: peak work due beyond the peak horizon gets no
    row unless the store has one already, so the plan leaves it out
    (``generate_plan``'s ``peak_work_until``) instead of writing it out to drop it here.
    Stores with product lines (whose stock-up dates can pull such work into view) and a
    checklist step dated from the one before it are planned whole. The changes are the same.
    """
    if checklists is None:
        checklists = active_checklists(catalog)
    mine = [item for item in checklists if item.spec.applies_to_store(store.id)]
    if only is not None:
        # Only this checklist's work: plan its entries and the playbook entries they name.
        named = {key for item in mine for entry in item.entries for key in entry.depends_on}
        base = [entry for entry in catalog.entries if entry.key in named]
        from dataclasses import replace

        planning = replace(catalog, entries=tuple(base))
    else:
        planning = catalog
    planning = with_entries(planning, (entry for item in mine for entry in item.entries))
    alike: tuple[Any, ...] = (
        profile,
        today,
        only,
        tuple((item.spec.key, item.version) for item in mine),
    )
    peak_horizon = today + timedelta(days=PEAK_HORIZON_DAYS)
    leaving_out: dict[str, Any] = {}
    if in_view and only is None and existing_tasks is not None and lines is not None and not lines:
        leaving_out = {
            "peak_work_until": peak_horizon,
            # Rows the store has keep their task, whatever its date (it is compared below).
            "peak_work_kept": frozenset((task.key, task.slot) for task in existing_tasks),
            # A checklist step dated from the one before it may be moved into view.
            "keys_kept": frozenset(key for item in mine for key in item.after),
        }
        alike += (peak_horizon, leaving_out["peak_work_kept"], leaving_out["keys_kept"])
    found = plans.get(alike) if plans is not None else None
    if found is None:
        plan = generate_plan(
            profile,
            planning,
            today=today,
            horizon_days=ENGINE_HORIZON_DAYS,
            # A checklist's entries are dated from the store and its peaks, never from stock-up.
            stock_up=only is None,
            **leaving_out,
        )
        found = (plan, planned_rows(plan, today))
        if plans is not None:
            plans[alike] = found
    plan, rows = found
    applicable = {task.key for task in plan.tasks} | plan.left_out_keys
    peaks = {(peak.key, peak.date) for peak in plan.peaks}
    if existing_tasks is None:
        query = select(Task).where(
            Task.store_id == store.id, Task.origin.in_(("playbook", "checklist"))
        )
        if only is not None:
            query = query.where(Task.key.startswith(only, autoescape=True))
        existing_tasks = list(db.session.scalars(query)) if store.id is not None else []
    existing = {(task.key, task.slot): task for task in existing_tasks}

    changes = PlanChanges(plan, partial=only is not None)
    if only is None:
        rows = _with_stock_up_plan(rows, store, profile, planning, today, lines)
    else:
        rows = [row for row in rows if row.key.startswith(only)]
    rows = _with_checklist_values(rows, mine, existing, store, done_on, changes)
    wanted: set[tuple[str, str]] = set()
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
        elif task.status == "open":
            if task.due_on_by_hand and row.values["due_on"] != task.due_on:
                changes.kept_by_hand.append(Move(task, row, task.due_on))
                row = PlannedRow(row.key, row.slot, row.values | {"due_on": task.due_on})
            names = tuple(row.values)
            read = _readers.get(names) or _readers.setdefault(names, attrgetter(*names))
            if read(task) != tuple(row.values.values()):
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


# How a row's values are read off a task, by the names a row has (a handful of shapes).
_readers: dict[tuple[str, ...], Any] = {}


def _with_checklist_values(
    rows: list[PlannedRow],
    checklists: Sequence[PlannedChecklist],
    existing: Mapping[tuple[str, str], Task],
    store: Store,
    done_on: Mapping[tuple[str, str], date] | None,
    changes: PlanChanges,
) -> list[PlannedRow]:
    """Give checklist rows their version, readiness flag and, once the step they follow is
    done, the day it was done plus their offset; note each new task's default assignee."""
    by_key: dict[str, tuple[PlannedChecklist, Any]] = {}
    after: dict[str, tuple[str, int]] = {}
    for item in checklists:
        by_key.update((key, (item, entry)) for key, entry in item.by_task_key.items())
        after.update(item.after)
    if done_on is None:
        done_on = {}
        if after and store.id is not None:
            done_on = {
                identity: _local_day(task.completed_at, store.zone)
                for identity, task in existing.items()
                if task.status == "done" and task.completed_at is not None
            }
    if not by_key:
        return rows  # no checklist's rows: each has its values (planned_rows)
    adjusted = []
    for row in rows:
        found = by_key.get(row.key)
        if found is None:
            adjusted.append(row)  # not a checklist's row: it has its values (planned_rows)
            continue
        item, entry = found
        values = row.values | {
            "checklist_version": item.version,
            "counts_for_readiness": entry.counts_for_readiness,
        }
        follows = after.get(row.key)
        done = done_on.get((follows[0], row.slot)) if follows else None
        if follows and done is not None:
            values["due_on"] = done + timedelta(days=follows[1])
            values["estimated"] = False
        if follows:
            # Kept on the row, so ticking the step before dates this one at once
            # (tasks/services.py), as the next refresh would.
            values["gate"] = (values["gate"] or {}) | {
                "after_done": {"task": follows[0], "days": follows[1]}
            }
        waits = [key for key in (values["gate"] or {}).get("tasks", ()) if key in by_key]
        if waits:
            # The steps it waits for are named by their titles (no seed names them).
            values["gate"] = values["gate"] | {
                "titles": {key: by_key[key][1].title for key in waits}
            }
        if entry.assignee_id is not None:
            changes.starts_with[row.key] = {"assignee_id": entry.assignee_id}
        adjusted.append(PlannedRow(row.key, row.slot, values))
    return adjusted


def _local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def new_task_rows(store: Store, changes: PlanChanges) -> list[dict[str, Any]]:
    """The column values of the tasks a change adds, every row with the same columns."""
    version = changes.plan.playbook_version
    return [
        {
            "store_id": store.id,
            "key": row.key,
            "slot": row.slot,
            "origin": "checklist" if is_checklist_key(row.key) else "playbook",
            "playbook_version": version,
            "status": "open",
            "assignee_id": None,
            **changes.starts_with.get(row.key, {}),
            **row.values,
        }
        for row in changes.added
    ]


def only_assignable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep a new task's default assignee only where they work on its store; elsewhere it
    starts unassigned (and reminds the managers). Two queries, however many rows."""
    wanted = {row["assignee_id"] for row in rows if row.get("assignee_id") is not None}
    if not wanted:
        return rows
    people = {p.id: p for p in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    members = {
        (store_id, user_id)
        for store_id, user_id in db.session.execute(
            select(StoreMembership.store_id, StoreMembership.user_id).where(
                StoreMembership.user_id.in_(wanted)
            )
        )
    }
    for row in rows:
        person = people.get(row.get("assignee_id") or 0)
        if row.get("assignee_id") is not None and not (
            person is not None
            and person.active
            and (person.is_manager or (row["store_id"], person.id) in members)
        ):
            row["assignee_id"] = None
    return rows


def apply_plan_changes(
    store: Store,
    changes: PlanChanges,
    *,
    actor: User | None,
    reason: str,
    add_new: bool = True,
    flush: bool = True,
    log_rows: list[dict[str, Any]] | None = None,
) -> PlanChanges:
    """Apply a worked-out change to the store's task rows, logging each one; flush, not commit.

    ``add_new`` False leaves the new rows to the caller (who inserts many stores' at once, see
    :func:`new_task_rows`); ``flush`` False leaves the flush to the caller too.
    """
    version = changes.plan.playbook_version
    if add_new:
        new_rows = only_assignable(new_task_rows(store, changes))
        db.session.add_all(Task(**values) for values in new_rows)
    for task, row in changes.revived:
        _set(task, row, version)
        task.status = "open"
        _log(
            store,
            task,
            actor,
            "revived",
            phrase("Applies again (%(reason)s).", reason=reason),
            log_rows,
        )
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
                log_rows,
            )
    for task in changes.retired:
        task.status = "retired"
        _log(
            store,
            task,
            actor,
            "retired",
            phrase("No longer applies (%(reason)s).", reason=reason),
            log_rows,
        )
    for task in changes.missed:
        task.status = "missed"
    if not changes.partial:
        store.playbook_version = version
        store.zone = changes.plan.store.timezone
        store.plan_synced_on = changes.plan.today
    if flush:
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


def _log(
    store: Store,
    task: Task | None,
    actor: User | None,
    kind: str,
    message: str,
    log_rows: list[dict[str, Any]] | None = None,
) -> None:
    """Log it now, or (``log_rows``) keep its values for the caller to write with many others."""
    if log_rows is not None and task is not None and task.id is not None:
        log_rows.append(activity_row(store.id, actor, kind, message, task_id=task.id))
    else:
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
