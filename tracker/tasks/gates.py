"""Notice the moment a locked task unlocks, and tell the people on it."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime

from flask_babel import get_locale, gettext
from sqlalchemy import ColumnElement, Select, exists, func, select, true, update
from sqlalchemy.orm import aliased, selectinload

from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.i18n.format import day
from tracker.i18n.seeds import gate_reason, task_title
from tracker.playbook.plan import Gate
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

    The gated tasks are read as plain values, not as tasks: most locks stay as they were.
    Only those whose lock changed are written (one ``UPDATE`` each way), and only those that
    opened are read again as tasks, to be told: a few statements, however many gates.
    """
    now = now or utcnow()
    query = select(
        Task.id, Task.store_id, Task.gate, Task.peak_key, Task.peak_date, Task.was_locked
    ).where(*_GATED_OPEN)
    if store_ids is not None:
        query = query.where(Task.store_id.in_(list(store_ids)))
    rows = db.session.execute(query.order_by(Task.id)).all()
    if changed_keys is not None:
        keys = set(changed_keys)
        rows = [row for row in rows if keys.intersection(row.gate.get("tasks", ()))]
    if not rows:
        return 0
    stores = {row.store_id for row in rows}
    done = done_keys_by_store(stores)
    days: dict[int, tuple[date, int]] = {
        store_id: (local_today(zone, now), followers)
        for store_id, zone, followers in db.session.execute(
            select(Store.id, Store.zone, Store.followers).where(Store.id.in_(stores))
        )
    }
    opened: list[int] = []
    closed: list[int] = []
    for row in rows:
        today, followers = days[row.store_id]
        locked = bool(
            Gate.from_json(row.gate).unmet(
                today,
                done=done[row.store_id],
                followers=followers,
                peak_key=row.peak_key,
                peak_date=row.peak_date,
            )
        )
        if locked != row.was_locked:
            (closed if locked else opened).append(row.id)
    for ids, locked in ((opened, False), (closed, True)):
        for start in range(0, len(ids), _CHUNK):
            db.session.execute(
                update(Task)
                .where(Task.id.in_(ids[start : start + _CHUNK]))
                .values(was_locked=locked)
            )
    tasks: list[Task] = []
    for start in range(0, len(opened), _CHUNK):
        tasks += db.session.scalars(
            select(Task)
            .where(Task.id.in_(opened[start : start + _CHUNK]))
            .order_by(Task.id)
            .options(selectinload(Task.store), selectinload(Task.assignee))
        )
    queued = insert_drafts(_opened_drafts(tasks, now, functools.cache(active_managers)), now)
    db.session.flush()
    return queued


# How many task ids one statement names at most.
_CHUNK = 500


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
    opened: list[Task] = []
    for task in gated:
        store: Store = task.store
        locked = bool(
            task.lock_reasons(local_today(store.zone, now), done[store.id], store.followers)
        )
        if task.was_locked and not locked:
            opened.append(task)
        task.was_locked = locked
    return insert_drafts(_opened_drafts(opened, now, managers), now)


def _opened_drafts(
    tasks: Sequence[Task], now: datetime, managers: Callable[[], list[User]]
) -> list[Draft]:
    """The reminders of the gates that just opened on ``tasks`` (``managers`` asked only if
    needed).

    Digest readers see it in their next digest, unless the work is due within two days:
    then waiting for the digest would cost them the time they have.

    A gate is said open once for each day its awaited work was done (that day, in the
    store's zone, is in the reminder's key): a gate that shut because that work was opened
    again is said again when the work is done again on a later day; done again the same
    day (ticked back and forth), or a gate that shut and opened again for anything else
    (followers hovering around the target), it is not said twice. Two checks that see the
    same opening at once write the same key, so it is said once.
    """
    if not tasks:
        return []
    done_on = _awaited_done_on(tasks)
    templates: dict[str, tuple[str, ...]] = {}
    drafts: list[Draft] = []
    for task in tasks:
        drafts += _task_opened_drafts(task, now, managers, templates, done_on.get(task.id))
    return drafts


def _awaited_done_on(tasks: Sequence[Task]) -> dict[int, date]:
    """The day (in its store's zone) the work each task's gate waits for was last ticked off,
    by task; a gate that waits for no task has none. One query for every task."""
    awaited = {task.id: list((task.gate or {}).get("tasks", ())) for task in tasks}
    stores = {task.store_id for task in tasks if awaited[task.id]}
    keys = sorted({key for found in awaited.values() for key in found})
    if not keys:
        return {}
    latest = {
        (store_id, key): at
        for store_id, key, at in db.session.execute(
            select(Task.store_id, Task.key, func.max(Task.completed_at))
            .where(Task.store_id.in_(stores), Task.key.in_(keys), Task.status == "done")
            .group_by(Task.store_id, Task.key)
        )
    }
    found: dict[int, date] = {}
    for task in tasks:
        moments = [
            at for key in awaited[task.id] if (at := latest.get((task.store_id, key))) is not None
        ]
        if moments:
            found[task.id] = local_today(task.store.zone, max(moments))
    return found


def _task_opened_drafts(
    task: Task,
    now: datetime,
    managers: Callable[[], list[User]],
    templates: dict[str, tuple[str, ...]],
    done_on: date | None,
) -> list[Draft]:
    """The reminders of a gate that just opened on one task (see ``_opened_drafts``)."""
    store: Store = task.store
    urgent = (task.due_on - local_today(store.zone, now)).days <= URGENT_WITHIN_DAYS
    people = [
        person
        for person in people_to_remind(task.assignee, managers())
        if urgent or not person.digest
    ]
    if not people:
        return []
    said = _Said(task, store, templates)
    return draft_now(
        people,
        "gate_open",
        f"gate:{task.id}:{task.slot}:{done_on.isoformat() if done_on else ''}",
        said.subject,
        said.text,
        store=store,
        tasks=[task],
        now=now,
    )


class _Said:
    """What a gate-open reminder says, in the language it is being written in. The task's
    title is said once per language (the subject and the text both name it), and the
    sentences are looked up once per language for every gate of a check (``templates``)."""

    def __init__(self, task: Task, store: Store, templates: dict[str, tuple[str, ...]]) -> None:
        self.task, self.store, self.templates = task, store, templates
        self.titles: dict[str, str] = {}

    def _words(self) -> tuple[str, tuple[str, ...]]:
        language = str(get_locale())
        if language not in self.templates:
            self.templates[language] = (
                gettext("Unlocked: %(title)s [%(store)s]"),
                gettext("You can do this now: %(title)s"),
                gettext("Store: %(store)s"),
                gettext("What held it: %(reason)s"),
                gettext("Due on %(day)s · open it: %(link)s"),
            )
        if language not in self.titles:
            self.titles[language] = task_title(self.task)
        return self.titles[language], self.templates[language]

    def subject(self) -> str:
        title, (subject, *_) = self._words()
        return subject % {"title": title, "store": self.store.name}

    def text(self) -> str:
        task = self.task
        title, (_, now, store, held, due) = self._words()
        return "\n".join(
            [
                now % {"title": title},
                store % {"store": self.store.name},
                held % {"reason": gate_reason(task)} if task.gate else "",
                due % {"day": day(task.due_on), "link": task_url(task.id)},
            ]
        )
