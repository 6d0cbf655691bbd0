"""Reads about tasks that several areas share, and what "this week" means."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, bindparam, case, func, select, true
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db
from tracker.playbook.plan import done_mark, peak_slot
from tracker.stores.access import visible_store_ids, visible_stores
from tracker.stores.models import Store
from tracker.tasks.models import Task


def done_keys_by_store(store_ids: Iterable[int]) -> dict[int, set[str]]:
    """What is done in each store, as gates read it (:func:`done_mark`), in one query."""
    ids = set(store_ids)
    found: dict[int, set[str]] = {store_id: set() for store_id in ids}
    if not ids:
        return found
    for store_id, key, peak_key, peak_date in db.session.execute(
        select(Task.store_id, Task.key, Task.peak_key, Task.peak_date).where(
            Task.store_id.in_(ids), Task.status == "done"
        )
    ):
        found[store_id].add(done_mark(key, peak_slot(peak_key, peak_date)))
    return found


def done_keys(store_id: int) -> set[str]:
    """What is done in one store, as gates read it."""
    return done_keys_by_store([store_id])[store_id]


# "This week": the seven days after today, on My tasks and in the daily digest alike.
WEEK_DAYS = 7
# My tasks is a to-do list, not a report: past this many rows, the stores' pages are the way.
MY_TASKS_LIMIT = 300


def due_bucket(due_on: date, today: date) -> str | None:
    """Where a due date falls from ``today``: overdue, today, this week, or later (None)."""
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    if days == 0:
        return "today"
    return "week" if days <= WEEK_DAYS else None


def my_open_tasks(
    person: User, *, include_unassigned: bool, limit: int = MY_TASKS_LIMIT
) -> Sequence[Task]:
    """The person's open tasks due by the end of this week in any store's day, soonest first.

    With ``include_unassigned``, the work nobody has taken in their stores too. One row
    more than ``limit`` comes back when there is more, so a page can say it stopped.
    """
    # A member's stores are named (``store_id IN (…)``) so the (store, status, due) index
    # finds their work alone; a manager sees every store, so no store condition at all.
    store_ids = visible_store_ids(person)
    if store_ids is not None and not store_ids:
        return []
    owner = owned_by(person, include_unassigned=include_unassigned, stores_named=bool(store_ids))
    # Every store's "today" is within a day of UTC's, so fetch one day extra; the caller
    # sorts each task into its bucket on its own store's day (``due_bucket``).
    latest = local_today("UTC") + timedelta(days=WEEK_DAYS + 1)
    mine = Task.store_id.in_(store_ids) if store_ids is not None else true()
    return db.session.scalars(
        select(Task)
        .where(mine, Task.status == "open", Task.due_on <= latest, owner)
        .options(selectinload(Task.store), selectinload(Task.assignee))
        .order_by(Task.due_on, Task.store_id, Task.id)
        .limit(limit + 1)
    ).all()


def owned_by(person: User, *, include_unassigned: bool, stores_named: bool) -> ColumnElement[bool]:
    """The tasks assigned to ``person``, and with ``include_unassigned`` to nobody too.

    When the query names the person's stores (``stores_named``), "theirs or nobody's" is
    asked as ``COALESCE(assignee, person) = person``: the same rows, without an OR. SQLite,
    which has no statistics, answered the OR from the assignee index, reading every
    unassigned open task of the company to keep the few of the person's stores (issue 16:
    23 ms of a 49 ms My tasks at 1,000 stores; PostgreSQL did the same only until its
    statistics were taken). Now the (store, status, due) index finds their stores' work
    alone, whatever the statistics. A query over every store (a manager's) keeps the OR,
    whose index is then the right one.
    """
    if not include_unassigned:
        return Task.assignee_id == person.id
    if stores_named:
        return func.coalesce(Task.assignee_id, person.id) == person.id
    return (Task.assignee_id == person.id) | Task.assignee_id.is_(None)


def tasks_by_id(user: User, ids: Iterable[int]) -> dict[int, Task]:
    """The tasks among ``ids`` that ``user`` may see now, by id, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    stores = visible_stores(user).with_only_columns(Store.id)
    found = db.session.scalars(
        select(Task)
        .where(Task.id.in_(wanted), Task.store_id.in_(stores.scalar_subquery()))
        .options(selectinload(Task.store), selectinload(Task.completed_by))
    )
    return {task.id: task for task in found}


@dataclass(frozen=True)
class PlanCounts:
    """How much of a store's plan is done: in all and per phase (open and done tasks)."""

    done: int
    total: int
    phases: dict[str, tuple[int, int]]


def plan_counts_of(tasks: Iterable[Task]) -> PlanCounts:
    """:func:`plan_counts` from the store's open and done tasks, already read (the plan page
    reads them all): the same counts without asking the database again."""
    totals: dict[str, list[int]] = {}
    for task in tasks:
        if task.status not in ("open", "done"):
            continue
        done_total = totals.setdefault(task.phase, [0, 0])
        done_total[0] += task.status == "done"
        done_total[1] += 1
    phases = {phase: (done, total) for phase, (done, total) in totals.items()}
    return PlanCounts(
        done=sum(done for done, _ in phases.values()),
        total=sum(total for _, total in phases.values()),
        phases=phases,
    )


def plan_counts(store_id: int) -> PlanCounts:
    """Count the store's open and done tasks, and the done ones, in all and per phase."""
    rows = db.session.execute(_PLAN_COUNTS, {"store_id": store_id}).all()
    phases = {phase: (int(done or 0), int(total)) for phase, total, done in rows}
    return PlanCounts(
        done=sum(done for done, _ in phases.values()),
        total=sum(total for _, total in phases.values()),
        phases=phases,
    )


# Built once: every tick on a store's page sends it, and building it costs more than running it.
_PLAN_COUNTS = (
    select(Task.phase, func.count(), func.sum(case((Task.status == "done", 1), else_=0)))
    .where(Task.store_id == bindparam("store_id"), Task.status.in_(("open", "done")))
    .group_by(Task.phase)
)
