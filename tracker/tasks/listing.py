"""Find tasks across the stores a person may see: filters, text search and cursor pages."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.orm import selectinload

from tracker.auth.models import User
from tracker.clock import local_today
from tracker.columns import MAX_ID
from tracker.errors import InputError, load_input
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.stores.access import visible_stores
from tracker.tasks.models import Task, TaskComment
from tracker.tasks.queries import done_keys_by_store
from tracker.tasks.schemas import PAGE_DEFAULT, TaskQuery

# The statuses a list shows when none is chosen: retired and missed rows are not work.
SHOWN = frozenset({"open", "done", "locked"})
# Rows read at a time while a page is filled: locks are worked out in Python, so a page
# of locked (or unlocked) tasks may need more rows than it shows.
_BATCH = 200


@dataclass(frozen=True)
class TaskFilters:
    """What a task list is narrowed to; the defaults show every open, locked and done task."""

    q: str = ""
    store_id: int | None = None
    assignee: str | int | None = None  # "me", "none" or a person's id
    statuses: frozenset[str] = SHOWN
    critical: bool | None = None
    due_before: date | None = None
    due_by: date | None = None  # on or before: My tasks' "this week"

    @property
    def narrowed(self) -> bool:
        """Whether anything but the store is chosen."""
        return self != TaskFilters(store_id=self.store_id, due_by=self.due_by)

    def query_args(self) -> dict[str, str]:
        """The filters as a page's query arguments (``TaskQuery`` names), to keep in links."""
        args: dict[str, str] = {}
        if self.q:
            args["q"] = self.q
        if self.assignee is not None:
            args["assignee"] = str(self.assignee)
        if len(self.statuses) == 1:
            args["status"] = next(iter(self.statuses))
        elif self.statuses == SHOWN - {"done"}:
            args["hide_done"] = "true"
        if self.critical is not None:
            args["critical"] = "true" if self.critical else "false"
        if self.due_before is not None:
            args["due_before"] = self.due_before.isoformat()
        return args


@dataclass
class ListedTask:
    """A task as a list shows it: with what still locks it (empty: free)."""

    task: Task
    reasons: list[str]
    today: date

    @property
    def status(self) -> str:
        return "locked" if self.reasons else self.task.status


@dataclass
class TaskPage:
    items: list[ListedTask] = field(default_factory=list)
    next_cursor: str | None = None


def parse_task_query(
    args: Mapping[str, Any], *, form: bool = False
) -> tuple[TaskFilters, int, tuple[date, int] | None]:
    """Read a task list's query string (``TaskQuery``): the filters, page size and cursor.

    A page's filter ``form`` leaves a choice out as an empty value, and its other query
    arguments are the page's own.
    """
    schema = TaskQuery()
    if form:
        args = {k: v for k, v in args.items() if k in schema.fields and v != ""}
    values = load_input(schema, dict(args))
    status = values.get("status")
    critical = values.get("critical")
    statuses = frozenset({status}) if status else SHOWN
    if values.get("hide_done") == "true":
        statuses -= {"done"}
    filters = TaskFilters(
        q=values.get("q", ""),
        store_id=values.get("store_id"),
        assignee=values.get("assignee"),
        statuses=statuses,
        critical=None if critical is None else critical == "true",
        due_before=values.get("due_before"),
    )
    cursor = values.get("cursor")
    return filters, values.get("limit", PAGE_DEFAULT), decode_cursor(cursor) if cursor else None


def encode_cursor(task: Task) -> str:
    """Where the next page starts: after this task in (due date, id) order, opaque to clients."""
    raw = f"{task.due_on.isoformat()}.{task.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, int]:
    """Read a cursor back; one that this API did not give is refused as bad input."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day, _, task_id = raw.partition(".")
        found = date.fromisoformat(day), int(task_id)
        if not 0 < found[1] <= MAX_ID:
            raise ValueError(task_id)
        return found
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InputError.one(
            "cursor", phrase("is not a cursor this list gave; start again without it")
        ) from None


def _conditions(user: User, filters: TaskFilters) -> Select[Task]:
    stored = {"done"} if "done" in filters.statuses else set()
    if filters.statuses & {"open", "locked"}:
        stored.add("open")
    query = select(Task).where(
        Task.store_id.in_(select(visible_stores(user).subquery().c.id)),
        Task.status.in_(sorted(stored)) if stored else false(),
    )
    # An id no column can hold matches nothing (and the database is not asked to compare it).
    if filters.store_id is not None:
        query = query.where(
            Task.store_id == filters.store_id if filters.store_id <= MAX_ID else false()
        )
    if filters.assignee == "me":
        query = query.where(Task.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Task.assignee_id.is_(None))
    elif isinstance(filters.assignee, int):
        query = query.where(
            Task.assignee_id == filters.assignee if filters.assignee <= MAX_ID else false()
        )
    if filters.critical is not None:
        query = query.where(Task.critical.is_(filters.critical))
    if filters.due_before is not None:
        query = query.where(Task.due_on < filters.due_before)
    if filters.due_by is not None:
        query = query.where(Task.due_on <= filters.due_by)
    for word in filters.q.split():
        # Every word somewhere: the title, the description, the note or a comment.
        like = f"%{_escaped(word)}%"
        query = query.where(
            or_(
                Task.title.ilike(like, escape="\\"),
                Task.description.ilike(like, escape="\\"),
                Task.note.ilike(like, escape="\\"),
                exists().where(
                    TaskComment.task_id == Task.id, TaskComment.body.ilike(like, escape="\\")
                ),
            )
        )
    return query


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_tasks(
    user: User,
    filters: TaskFilters,
    *,
    limit: int | None = PAGE_DEFAULT,
    after: tuple[date, int] | None = None,
) -> TaskPage:
    """List the tasks ``user`` may see that pass ``filters``, by due date; one page of them.

    ``after`` is where the page before stopped (a decoded cursor); ``limit`` None: all.
    A task's lock is worked out on its own store's day.
    """
    query = _conditions(user, filters).options(
        selectinload(Task.store), selectinload(Task.assignee), selectinload(Task.completed_by)
    )
    page = TaskPage()
    while True:
        batch_query = query
        if after is not None:
            day, task_id = after
            batch_query = batch_query.where(
                or_(Task.due_on > day, and_(Task.due_on == day, Task.id > task_id))
            )
        batch = db.session.scalars(batch_query.order_by(Task.due_on, Task.id).limit(_BATCH)).all()
        for listed in with_locks(batch):
            if listed.status not in filters.statuses:
                continue
            if limit is not None and len(page.items) == limit:
                page.next_cursor = encode_cursor(page.items[-1].task)
                return page
            page.items.append(listed)
        if len(batch) < _BATCH:
            return page
        after = (batch[-1].due_on, batch[-1].id)


def with_locks(tasks: Sequence[Task]) -> list[ListedTask]:
    """Each task with what locks it now, on its own store's day (gated ones only)."""
    done = done_keys_by_store({task.store_id for task in tasks if task.gate is not None})
    listed = []
    for task in tasks:
        store = task.store
        today = local_today(store.zone)
        reasons = (
            task.lock_reasons(today, done.get(store.id, set()), store.followers)
            if task.gate is not None
            else []
        )
        listed.append(ListedTask(task, reasons, today))
    return listed


def people_to_hand_to(actor: User) -> list[User]:
    """Whom ``actor`` may give tasks to across stores: everyone active for a manager, else
    themselves (each task's own store is checked when it is given)."""
    if not actor.is_manager:
        return [actor]
    return list(
        db.session.scalars(select(User).where(User.active).order_by(User.name_key, User.email))
    )
