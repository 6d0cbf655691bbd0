"""Who may see and change which task: whoever may work on its store."""

from __future__ import annotations

import functools

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, with_expression

from tracker.auth.models import User
from tracker.columns import MAX_ID, get_by_id
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.stores.access import can_work_on
from tracker.tasks.gates import waited_for
from tracker.tasks.models import Task


def task_for(
    user: User, task_id: int, *, with_store: bool = False, for_update: bool = False
) -> Task:
    """Return the task if ``user`` may see its store; raise NotFound otherwise.

    A task of another store answers exactly as a missing one (ASVS: ids cannot be counted).
    ``with_store``: its store is read in the same statement (a page that shows it).
    ``for_update``: read afresh and its row held until commit, as a tick or untick needs it
    (what the service would otherwise read a second time; see tasks.services ``held``).
    """
    if for_update:
        task = held_task(task_id, with_store=with_store)
    else:
        task = get_by_id(Task, task_id, *((joinedload(Task.store),) if with_store else ()))
    if task is None or not can_work_on(user, task.store_id):
        raise NotFound(phrase("no task %(id)s", id=task_id))
    return task


def held_task(task_id: int, *, with_store: bool = False) -> Task | None:
    """Read the task afresh and hold its row (not its store's) until commit; None: no such task.

    The lock queues concurrent ticks on PostgreSQL; SQLite has one writer at a time.
    """
    if not 0 < task_id <= MAX_ID:
        return None
    query = _held_query(db.session.get_bind().dialect.name, with_store)
    return db.session.scalar(query, {"task_id": task_id})


@functools.cache
def _held_query(dialect: str, with_store: bool) -> Select[Task]:
    """The statement of :func:`held_task`, built once: every tick sends it, and building it
    (and its cache key) cost as much as the rest of the read."""
    # With whether a gate waits for it: ticking off work nothing waits for looks no further.
    query = (
        select(Task)
        .where(Task.id == bindparam("task_id"))
        .options(with_expression(Task.waited_for, waited_for(dialect)))
    )
    if with_store:
        query = query.options(joinedload(Task.store))
    return query.with_for_update(of=Task).execution_options(populate_existing=True)
