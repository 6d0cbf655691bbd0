"""Use cases about tasks: tick and untick, assign, move, note, add by hand, several at once."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from tracker.activity.services import activity_row, log_activity, write_activity
from tracker.auth.models import User
from tracker.auth.services import record_account_event
from tracker.clock import local_today, utcnow
from tracker.columns import get_by_id, rows_changed
from tracker.errors import FieldError, InputError, NotAllowed, NotFound, RuleError, load_input
from tracker.extensions import db
from tracker.i18n.seeds import task_title
from tracker.playbook.catalog import PRE_LAUNCH, Catalog
from tracker.playbook.checklists import PREFIX as CHECKLIST_PREFIX
from tracker.playbook.phrases import Name, Names, phrase
from tracker.reminders.queue import queue_now, task_url
from tracker.stores.access import can_work_on
from tracker.stores.models import Store, StoreMembership
from tracker.stores.services import people_for_store
from tracker.tasks.access import held_task, task_for
from tracker.tasks.gates import check_gates, gated_open_tasks_query, settle_gates
from tracker.tasks.models import Task, TaskComment
from tracker.tasks.queries import done_keys, done_keys_by_store
from tracker.tasks.recipients import active_managers
from tracker.tasks.schemas import CommentNew, TaskBulk, TaskChange, task_new


def lock_reasons(task: Task, *, now: datetime | None = None) -> list[str]:
    """Say what keeps one task locked now, in its store's own time zone."""
    store = task.store
    return task.lock_reasons(local_today(store.zone, now), done_keys(store.id), store.followers)


def _locked_for_update(task_id: int, held: Task | None = None) -> Task:
    """Load the task and hold its row until commit, so concurrent ticks queue up.

    ``held``: the caller read it so already in this transaction (``task_for(...,
    for_update=True)``, which checks who may) and it is not read again.
    """
    if held is not None:
        if held.id != task_id:
            raise ValueError(f"held task {held.id} is not task {task_id}")
        return held
    task = held_task(task_id)
    if task is None:
        raise NotFound(phrase("no task %(id)s", id=task_id))
    return task


def _moved(
    task: Task,
    expected: str,
    *,
    status: str,
    completed_at: datetime | None,
    completed_by: User | None,
) -> bool:
    """Change the task only if it is still ``expected``; say whether this call changed it.

    The row lock above queues concurrent ticks on PostgreSQL; SQLite has no row locks, so
    the write itself decides: of two people ticking at once, one UPDATE finds the task
    still open and the other finds nothing to change, and only the first is logged.
    """
    changed = db.session.execute(
        _MOVE,
        {
            "task_id": task.id,
            "expected": expected,
            "status": status,
            "completed_at": completed_at,
            "completed_by_id": completed_by.id if completed_by else None,
        },
    )
    if rows_changed(changed) != 1:
        db.session.refresh(task)  # as the one who changed it left it
        return False
    # What the row now holds, without reading it back.
    set_committed_value(task, "status", status)
    set_committed_value(task, "completed_at", completed_at)
    set_committed_value(task, "completed_by_id", completed_by.id if completed_by else None)
    set_committed_value(task, "completed_by", completed_by)
    return True


# Built once: every tick and untick sends it, and building it costs more than running it.
_MOVE = (
    update(Task)
    .where(Task.id == bindparam("task_id"), Task.status == bindparam("expected"))
    .values(
        status=bindparam("status"),
        completed_at=bindparam("completed_at"),
        completed_by_id=bindparam("completed_by_id"),
    )
    .execution_options(synchronize_session=False)
)


def complete_task(
    task_id: int, actor: User | None, *, now: datetime | None = None, held: Task | None = None
) -> tuple[Task, bool]:
    """Mark a task done by ``actor``; a locked task is refused. Return it and whether it changed.

    ``held``: the task as the caller read it for update (``task_for(..., for_update=True)``).
    """
    task = _locked_for_update(task_id, held)
    if task.status == "done":
        return task, False
    if task.status != "open":
        raise RuleError(
            "task_not_open",
            phrase("this task is %(status)s and cannot be ticked off", status=_status(task)),
        )
    reasons = lock_reasons(task, now=now) if task.gate is not None else []
    _refuse_if_locked(reasons)
    if not _moved(task, "open", status="done", completed_at=now or utcnow(), completed_by=actor):
        return task, False  # someone else ticked it off a moment ago
    # The log entries as rows, in one INSERT, rather than objects through the unit of work.
    logged: list[dict[str, Any]] = []
    _log(task, actor, "completed", phrase("Ticked off."), logged)
    _date_steps_after(task, actor, logged)
    write_activity(logged)
    db.session.flush()
    # This may have been what another task waited for (read with it: None if not asked).
    if task.waited_for is not False:
        check_gates([task.store_id], now=now, changed_keys=[task.key])
    return task, True


def complete_tasks(
    task_ids: Sequence[int], actor: User | None, *, now: datetime | None = None
) -> list[BulkResult]:
    """Tick off several tasks in the order given, as ``complete_task`` one after another would.

    Each is done or refused alone (locked, not open, not found); one ticked earlier may unlock
    a later one, and a gate it opens is told as at once. The tasks, what is done in their
    stores and the gated work there are read once, not once a task; no access check (the
    caller's). Flush only.
    """
    ids = list(dict.fromkeys(task_ids))  # each once, in the order given
    tasks = {
        task.id: task
        for task in db.session.scalars(
            select(Task)
            .where(Task.id.in_(ids))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    stores = {task.store_id for task in tasks.values()}
    done = done_keys_by_store(stores)
    gated: dict[int, list[Task]] = {store_id: [] for store_id in stores}
    if stores:
        for waiting in db.session.scalars(
            gated_open_tasks_query().where(Task.store_id.in_(stores)).order_by(Task.id)
        ):
            gated[waiting.store_id].append(waiting)
    managers = functools.cache(active_managers)
    results = []
    logged: list[dict[str, Any]] = []
    # The log entries (in the order made) and locks are written together at the end, not
    # before each task's UPDATE: that is what keeps it to one statement a task.
    with db.session.no_autoflush:
        for task_id in ids:
            found = tasks.get(task_id)
            if found is None:
                message = str(NotFound(phrase("no task %(id)s", id=task_id)))
                results.append(BulkResult(task_id, code="not_found", message=message))
                continue
            try:
                _complete_one(found, actor, now, done, gated, managers, logged)
            except RuleError as error:
                results.append(BulkResult(task_id, code=error.code, message=error.message))
            else:
                results.append(BulkResult(task_id, found))
    write_activity(logged)
    db.session.flush()
    return results


def _complete_one(
    task: Task,
    actor: User | None,
    now: datetime | None,
    done: dict[int, set[str]],
    gated: Mapping[int, list[Task]],
    managers: Callable[[], list[User]],
    logged: list[dict[str, Any]],
) -> None:
    """``complete_task``'s steps for one task of :func:`complete_tasks`, on what it read."""
    if task.status == "done":
        return
    if task.status != "open":
        raise RuleError(
            "task_not_open",
            phrase("this task is %(status)s and cannot be ticked off", status=_status(task)),
        )
    store = task.store
    reasons = (
        task.lock_reasons(local_today(store.zone, now), done[store.id], store.followers)
        if task.gate is not None
        else []
    )
    _refuse_if_locked(reasons)
    if not _moved(task, "open", status="done", completed_at=now or utcnow(), completed_by=actor):
        done[store.id] = done_keys(store.id)  # someone else ticked it off a moment ago
        return
    _log(task, actor, "completed", phrase("Ticked off."), logged)
    _date_steps_after(task, actor, logged)
    done[store.id].add(task.done_mark)
    # What ``check_gates(changed_keys=[task.key])`` would look at: the open work waiting for it.
    waiting = [
        other
        for other in gated[store.id]
        if other.status == "open" and task.key in (other.gate or {}).get("tasks", ())
    ]
    if waiting:
        settle_gates(waiting, done, now or utcnow(), managers)


def _date_steps_after(
    done: Task, actor: User | None, logged: list[dict[str, Any]] | None = None
) -> None:
    """Date the open steps anchored to ``done`` (a checklist's ``after:``) from the day it was
    done, at once; the plan's next refresh gives them the same date (plans/sync.py). Only a
    checklist's steps are anchored to another's moment: other tasks look no further."""
    if done.completed_at is None or not done.key.startswith(f"{CHECKLIST_PREFIX}."):
        return
    done_on = done.completed_at.astimezone(ZoneInfo(done.store.zone)).date()
    for task in db.session.scalars(
        select(Task).where(
            Task.store_id == done.store_id,
            Task.status == "open",
            Task.slot == done.slot,
            Task.gate.is_not(None),
        )
    ):
        follows = (task.gate or {}).get("after_done")
        if not follows or follows.get("task") != done.key or task.due_on_by_hand:
            continue
        due_on = done_on + timedelta(days=int(follows.get("days", 0)))
        if due_on == task.due_on:
            continue
        before, task.due_on, task.estimated = task.due_on, due_on, False
        _log(
            task,
            actor,
            "due_moved",
            phrase(
                "Due date moved from %(before)s to %(after)s (%(reason)s).",
                before=before,
                after=due_on,
                reason=phrase("“%(title)s” was done", title=done.title),
            ),
            logged,
        )


def reopen_task(
    task_id: int, actor: User, *, now: datetime | None = None, held: Task | None = None
) -> tuple[Task, bool]:
    """Mark a done task open again. Return it and whether it changed.

    ``held``: the task as the caller read it for update (``task_for(..., for_update=True)``).
    """
    task = _locked_for_update(task_id, held)
    if task.status == "open":
        return task, False
    if task.status != "done":
        raise RuleError(
            "task_not_done", phrase("this task is %(status)s, not done", status=_status(task))
        )
    if not _moved(task, "done", status="open", completed_at=None, completed_by=None):
        return task, False  # someone else reopened it a moment ago
    logged: list[dict[str, Any]] = []
    _log(task, actor, "reopened", phrase("Reopened."), logged)
    write_activity(logged)
    db.session.flush()
    if task.waited_for is not False:  # another task's gate may hold again
        check_gates([task.store_id], now=now, changed_keys=[task.key])
    return task, True


def change_task(task: Task, raw: Mapping[str, Any], actor: User) -> Task:
    """Change who does the task, its due date, note or evidence link: whichever ``raw`` gives.

    A due date set here is the task's own from then on: regenerating the plan keeps it.

    A manager may give it to anyone on the store; a member may only take it for
    themselves or hand it back.
    """
    values = load_input(TaskChange(), raw)
    if values.get("due_on") not in (None, task.due_on):  # a form sends the date it showed
        _due_after_opening(task.store, values["due_on"], task.phase)
    if "assignee_id" in values:
        _assign(task, values["assignee_id"], actor)
    if "due_on" in values and values["due_on"] != task.due_on:
        before, task.due_on = task.due_on, values["due_on"]
        task.due_on_by_hand = True
        task.due_at = None  # an urgent instant no longer holds on another day
        _log(
            task,
            actor,
            "due_moved",
            phrase(
                "Due date moved by hand from %(before)s to %(after)s.",
                before=before,
                after=task.due_on,
            ),
        )
    if "note" in values and values["note"] != task.note:
        task.note = values["note"]
        note = task.note
        _log(
            task,
            actor,
            "note",
            phrase("Note: %(note)s", note=note) if note else phrase("Note cleared."),
        )
    if "evidence_url" in values and values["evidence_url"] != task.evidence_url:
        task.evidence_url = url = values["evidence_url"]
        _log(
            task,
            actor,
            "evidence",
            phrase("Evidence: %(url)s", url=url) if url else phrase("Evidence link removed."),
        )
    db.session.flush()
    return task


def assign_tasks(tasks: Sequence[Task], assignee_id: int | None, actor: User) -> None:
    """Give several tasks to one person (None: to nobody), as ``change_task`` with that
    ``assignee_id`` would one task after another: the same checks, the first refusal stops the
    rest, one log entry each. The tasks' rows and their log entries are written together."""
    logged: list[dict[str, Any]] = []
    try:
        with db.session.no_autoflush:
            for task in dict.fromkeys(tasks):  # each once, in the order given
                _assign(task, assignee_id, actor, logged)
    finally:
        write_activity(logged)
        db.session.flush()


def _assign(
    task: Task,
    assignee_id: int | None,
    actor: User,
    logged: list[dict[str, Any]] | None = None,
) -> None:
    if not actor.is_manager and task.assignee_id not in (None, actor.id):
        raise NotAllowed(phrase("this task is someone else's: ask a manager to hand it over"))
    assignee = None
    if assignee_id is not None:
        assignee = _person_on(task.store_id, assignee_id, actor)
    if task.assignee_id == (assignee.id if assignee else None):
        return
    task.assignee = assignee
    _log(
        task,
        actor,
        "assigned",
        phrase("Assigned to %(person)s.", person=assignee.display_name)
        if assignee
        else phrase("Unassigned."),
        logged,
    )


def _due_after_opening(store: Store, due_on: date, phase: str | None) -> None:
    """Refuse a due date before the store opened, but for work before launch: no other work
    may fall due then (seeds/phases.toml; the plan leaves such work out), and a date typed
    decades back ("1999-01-01") counted thousands of days overdue."""
    if phase != PRE_LAUNCH and due_on < store.opened_on:
        raise InputError.one(
            "due_on", phrase("is before the store opened (%(day)s)", day=store.opened_on)
        )


def _person_on(store_id: int, person_id: int, actor: User) -> User:
    """The active person with this id who works on the store, whom ``actor`` may give work."""
    person = get_by_id(User, person_id)
    if person is None or not person.active:
        raise InputError.one("assignee_id", phrase("no active person with id %(id)s", id=person_id))
    if not actor.is_manager and person.id != actor.id:
        raise NotAllowed(phrase("a member may only take a task for themselves"))
    if not can_work_on(person, store_id):
        raise InputError.one(
            "assignee_id",
            phrase("%(person)s does not work on this store", person=person.display_name),
        )
    return person


def add_custom_task(store: Store, raw: Mapping[str, Any], catalog: Catalog, actor: User) -> Task:
    """Add a task by hand to the store's plan."""
    values = load_input(task_new(catalog), raw)
    if values["due_on"] is None:
        today = local_today(store.zone)
        # A store that has not opened yet: its work falls due from the opening day.
        opens = store.opened_on if values.get("phase") != PRE_LAUNCH else today
        values["due_on"] = max(today, opens)
    _due_after_opening(store, values["due_on"], values.get("phase"))
    assignee_id = values.pop("assignee_id")
    assignee = _person_on(store.id, assignee_id, actor) if assignee_id is not None else None
    task = Task(
        store=store,
        key="",
        slot="",
        origin="custom",
        source="added by hand",
        assignee=assignee,
        **values,
    )
    db.session.add(task)
    db.session.flush()
    task.key = f"custom.{task.id}"
    _log(task, actor, "created", phrase("Added by hand: %(title)s.", title=task.title))
    db.session.flush()
    return task


@dataclass(frozen=True)
class BulkResult:
    """What one task of a bulk action came to: the task as it is now, or why not."""

    task_id: int
    task: Task | None = None
    code: str = ""
    message: str = ""
    # The fields an input refusal named (a page says each by its label, not its key).
    fields: tuple[FieldError, ...] = ()


def act_on_tasks(
    raw: Mapping[str, Any], actor: User, *, now: datetime | None = None
) -> list[BulkResult]:
    """Tick off, reopen or assign several tasks (``TaskBulk``): each is done or refused alone.

    A refusal (a locked task, one the actor may not see) leaves that task as it was and
    the others go ahead; nothing is changed before a task's own checks pass.
    """
    values = load_input(TaskBulk(), raw)
    action = values["action"]
    results = []
    for task_id in dict.fromkeys(values["ids"]):  # each once, in the order given
        try:
            task = task_for(actor, task_id)
            if action == "complete":
                task, _ = complete_task(task_id, actor, now=now)
            elif action == "reopen":
                task, _ = reopen_task(task_id, actor, now=now)
            else:
                change_task(task, {"assignee_id": values["assignee_id"]}, actor)
        except RuleError as error:
            results.append(BulkResult(task_id, code=error.code, message=error.message))
        except NotFound as error:
            results.append(BulkResult(task_id, code="not_found", message=str(error)))
        except NotAllowed as error:
            results.append(BulkResult(task_id, code="forbidden", message=str(error)))
        except InputError as error:
            results.append(
                BulkResult(
                    task_id,
                    code="invalid",
                    message="; ".join(map(str, error.errors)),
                    fields=tuple(error.errors),
                )
            )
        else:
            results.append(BulkResult(task_id, task))
    db.session.flush()
    return results


# ``@`` then a name: an e-mail, its part before the "@", or a name without its spaces.
_MENTION = re.compile(r"@([^\s@,;:!?()<>\[\]]+(?:@[^\s,;:!?()<>\[\]]+)?)")


def mentioned_people(body: str, people: Sequence[User]) -> list[User]:
    """The people on the store a comment names with ``@``: by e-mail, its local part or name."""
    said = {match.rstrip(".").casefold() for match in _MENTION.findall(body)}
    text = body.casefold()
    found = []
    for person in people:
        handles = {person.email.casefold(), person.email.split("@")[0].casefold()}
        if person.name:
            handles.add(person.name.replace(" ", "").casefold())
        whole_name = person.name and f"@{person.name.casefold()}" in text
        if said & handles or whole_name:
            found.append(person)
    return found


def add_comment(
    task: Task, raw: Mapping[str, Any], actor: User, *, now: datetime | None = None
) -> tuple[TaskComment, list[User]]:
    """Add a comment to the task's thread; each person it @mentions gets a reminder now.

    Return the comment and the people it reminded.
    """
    values = load_input(CommentNew(), raw)
    comment = TaskComment(task=task, author=actor, body=values["body"], created_at=now or utcnow())
    db.session.add(comment)
    db.session.flush()
    store: Store = task.store
    people = [p for p in mentioned_people(comment.body, people_for_store(store)) if p != actor]
    if people:
        queue_now(
            people,
            "mention",
            f"mention:{comment.id}",
            functools.partial(_mention_subject, task, store, actor),
            functools.partial(_mention_text, task, store, actor, comment.body),
            store=store,
            tasks=[task],
            now=now,
        )
    _log(task, actor, "commented", phrase("Commented."))
    db.session.flush()
    return comment, people


def _mention_subject(task: Task, store: Store, actor: User) -> str:
    """A mention's subject, in the language it is being written in."""
    return gettext(
        "%(person)s mentioned you: %(title)s [%(store)s]",
        person=actor.display_name,
        title=task_title(task),
        store=store.name,
    )


def _mention_text(task: Task, store: Store, actor: User, body: str) -> str:
    """A mention's text, in the language it is being written in."""
    return "\n".join(
        [
            gettext("%(person)s wrote:", person=actor.display_name),
            body,
            gettext("Store: %(store)s", store=store.name),
            gettext("Open it: %(link)s", link=task_url(task.id)),
        ]
    )


def remove_member(
    store: Store, user: User, *, actor: User | None, address: str | None = None
) -> bool:
    """Take ``user`` off ``store``; their assigned open tasks go back to the managers."""
    membership = db.session.get(StoreMembership, (store.id, user.id))
    if membership is None:
        return False
    db.session.delete(membership)
    record_account_event(
        user,
        "store_removed",
        actor=actor,
        address=address,
        detail={"store_id": store.id, "store": store.name},
    )
    db.session.execute(
        update(Task)
        .where(Task.store_id == store.id, Task.assignee_id == user.id, Task.status == "open")
        .values(assignee_id=None)
    )
    log_activity(
        store.id,
        actor,
        "member_removed",
        phrase("%(person)s left the store.", person=user.display_name),
    )
    db.session.flush()
    return True


def _status(task: Task) -> Name:
    return Name("status", task.status, task.status)


def _refuse_if_locked(reasons: list[str]) -> None:
    """Refuse to tick off a task while something holds it, naming what."""
    if reasons:
        raise RuleError(
            "task_locked",
            phrase(
                "This task is locked: %(reasons)s.",
                reasons=Names(reasons, "; ".join(reasons), style="semicolon"),
            ),
        )


def _log(
    task: Task,
    actor: User | None,
    kind: str,
    message: str,
    logged: list[dict[str, Any]] | None = None,
) -> None:
    """Log an entry about the task; with ``logged``, add its row there to be written later."""
    if logged is None:
        log_activity(task.store_id, actor, kind, message, task=task)
    else:
        logged.append(activity_row(task.store_id, actor, kind, message, task_id=task.id))
