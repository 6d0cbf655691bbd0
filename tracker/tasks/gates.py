"""Notice the moment a locked task unlocks, and tell the people on it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ColumnElement, Select, exists, func, select, true
from sqlalchemy.orm import aliased, selectinload

from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n.format import day
from tracker.i18n.seeds import gate_reason, task_title
from tracker.reminders.queue import Draft, draft_now, insert_drafts, task_url
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.queries import done_keys_by_store
from tracker.tasks.recipients import active_managers, people_to_remind

# A gate opening on work due within this many days is told at once, even to digest readers.
URGENT_WITHIN_DAYS = 2
# Open work that has a gate (SQL NULL when it has none).
_GATED_OPEN = (Task.status == "open", Task.gate.is_not(None))


def check_gates(
    store_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    changed_keys: Collection[str] | None = None,
) -> int:
    """Record each gated task's lock; queue a reminder for each that just opened. Flush only.

    With ``changed_keys`` (the keys of tasks just ticked or unticked), only the tasks whose
    gate waits for one of them are looked at: ticking off work nothing waits for costs one
    small read. Gates that open by date or followers are the tick's to notice.
    """
    now = now or utcnow()
    chosen = [Task.store_id.in_(list(store_ids))] if store_ids is not None else []
    if changed_keys is not None:
        keys = set(changed_keys)
        # Only the gates, not the tasks with their store and assignee (built for every tick).
        waiting = [
            task_id
            for task_id, gate in db.session.execute(
                select(Task.id, Task.gate).where(*_GATED_OPEN, *chosen)
            )
            if keys.intersection(gate.get("tasks", ()))
        ]
        if not waiting:
            return 0
        chosen.append(Task.id.in_(waiting))
    gated = db.session.scalars(gated_open_tasks_query().where(*chosen)).all()
    if not gated:
        return 0
    done = done_keys_by_store({task.store_id for task in gated})
    opened = settle_gates(gated, done, now, functools.cache(active_managers))
    db.session.flush()
    return opened


def waited_for(dialect: str) -> ColumnElement[bool]:
    """Whether an open task of the same store has a gate waiting for the task's key: what
    ``check_gates(changed_keys=[task.key])`` looks for, as a column of the task's own read.

    ``key in gate["tasks"]`` in SQL: SQLite's ``json_each``, PostgreSQL's
    ``json_array_elements_text`` (a gate's ``tasks`` is a list, written only when not empty).
    """
    waiting = aliased(Task)
    if dialect == "postgresql":
        keys = func.json_array_elements_text(waiting.gate["tasks"]).table_valued("value")
    else:
        keys = func.json_each(waiting.gate, "$.tasks").table_valued("value")
    return exists(
        select(1)
        .select_from(waiting)
        .join(keys, true())
        .where(
            waiting.store_id == Task.store_id,
            waiting.status == "open",
            waiting.gate.is_not(None),
            keys.c.value == Task.key,
        )
    )


def gated_open_tasks_query() -> Select[Task]:
    """The open tasks that have a gate, with their store and assignee."""
    return (
        select(Task)
        .where(*_GATED_OPEN)
        .options(selectinload(Task.store), selectinload(Task.assignee))
    )


def settle_gates(
    gated: Iterable[Task],
    done: Mapping[int, set[str]],
    now: datetime,
    managers: Callable[[], list[User]],
) -> int:
    """Record each task's lock given what is ``done`` in each store; queue a reminder for each
    that just opened (``managers`` gives the active managers, asked at most once). No flush.

    The reminders of every gate that opened are queued together: a few statements, however
    many gates open (the daily roll forward checks a chunk of stores' gates at once)."""
    drafts: list[Draft] = []
    for task in gated:
        store: Store = task.store
        locked = bool(
            task.lock_reasons(local_today(store.zone, now), done[store.id], store.followers)
        )
        if task.was_locked and not locked:
            # Digest readers see it in their next digest, unless the work is due within
            # two days: then waiting for the digest would cost them the time they have.
            urgent = (task.due_on - local_today(store.zone, now)).days <= URGENT_WITHIN_DAYS
            people = [
                person
                for person in people_to_remind(task.assignee, managers())
                if urgent or not person.digest
            ]
            drafts += draft_now(
                people,
                "gate_open",
                f"gate:{task.id}:{task.slot}",
                functools.partial(_unlocked_subject, task, store),
                functools.partial(_unlocked_text, task, store),
                store=store,
                tasks=[task],
                now=now,
            )
        task.was_locked = locked
    return insert_drafts(drafts, now)


def _unlocked_subject(task: Task, store: Store) -> str:
    """What a gate-open reminder's subject says, in the language it is being written in."""
    return gettext("Unlocked: %(title)s [%(store)s]", title=task_title(task), store=store.name)


def _unlocked_text(task: Task, store: Store) -> str:
    """What a gate-open reminder says, in the language it is being written in."""
    return "\n".join(
        [
            gettext("You can do this now: %(title)s", title=task_title(task)),
            gettext("Store: %(store)s", store=store.name),
            gettext("What held it: %(reason)s", reason=gate_reason(task)) if task.gate else "",
            gettext(
                "Due on %(day)s · open it: %(link)s", day=day(task.due_on), link=task_url(task.id)
            ),
        ]
    )
