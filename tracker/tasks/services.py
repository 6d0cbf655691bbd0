"""Use cases about tasks: tick and untick, assign, note, add by hand."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.columns import get_by_id
from tracker.errors import (
    FieldError,
    InputError,
    NotAllowed,
    NotFound,
    RuleError,
    whole_number_or_text,
)
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import Name, Names, phrase
from tracker.playbook.profile import PLANNABLE_YEARS
from tracker.stores.access import can_work_on
from tracker.stores.models import Store, StoreMembership
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task
from tracker.tasks.queries import done_keys

TITLE_MAX = 300
TEXT_MAX = 5000
URL_MAX = 500


def lock_reasons(task: Task, *, now: datetime | None = None) -> list[str]:
    """Say what keeps one task locked now, in its store's own time zone."""
    store = task.store
    return task.lock_reasons(local_today(store.zone, now), done_keys(store.id), store.followers)


def _locked_for_update(task_id: int) -> Task:
    """Load the task and hold its row until commit, so concurrent ticks queue up."""
    task = db.session.scalar(
        select(Task)
        .where(Task.id == task_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if task is None:
        raise NotFound(phrase("no task %(id)s", id=task_id))
    return task


def complete_task(task_id: int, actor: User, *, now: datetime | None = None) -> tuple[Task, bool]:
    """Mark a task done by ``actor``; a locked task is refused. Return it and whether it changed."""
    task = _locked_for_update(task_id)
    if task.status == "done":
        return task, False
    if task.status != "open":
        raise RuleError(
            "task_not_open",
            phrase("this task is %(status)s and cannot be ticked off", status=_status(task)),
        )
    reasons = lock_reasons(task, now=now)
    if reasons:
        raise RuleError(
            "task_locked",
            phrase(
                "This task is locked: %(reasons)s.",
                reasons=Names(reasons, "; ".join(reasons), style="semicolon"),
            ),
        )
    task.status = "done"
    task.completed_at = now or utcnow()
    task.completed_by = actor
    _log(task, actor, "completed", phrase("Ticked off."))
    db.session.flush()
    check_gates([task.store_id], now=now)  # this may have been what another task waited for
    return task, True


def reopen_task(task_id: int, actor: User, *, now: datetime | None = None) -> tuple[Task, bool]:
    """Mark a done task open again. Return it and whether it changed."""
    task = _locked_for_update(task_id)
    if task.status == "open":
        return task, False
    if task.status != "done":
        raise RuleError(
            "task_not_done", phrase("this task is %(status)s, not done", status=_status(task))
        )
    task.status = "open"
    task.completed_at = None
    task.completed_by = None
    _log(task, actor, "reopened", phrase("Reopened."))
    db.session.flush()
    check_gates([task.store_id], now=now)
    return task, True


def assign_task(task: Task, assignee_id: Any, actor: User) -> Task:
    """Give the task to someone who works on its store, or to nobody (``None``).

    A manager may give it to anyone on the store; a member may only take it
    for themselves or hand it back.
    """
    if not actor.is_manager and task.assignee_id not in (None, actor.id):
        raise NotAllowed(phrase("this task is someone else's: ask a manager to hand it over"))
    if assignee_id in (None, ""):
        assignee = None
    else:
        assignee = _person(assignee_id, "assignee_id")
        if not actor.is_manager and assignee.id != actor.id:
            raise NotAllowed(phrase("a member may only take a task for themselves"))
        if not can_work_on(assignee, task.store_id):
            raise InputError.one(
                "assignee_id",
                phrase("%(person)s does not work on this store", person=assignee.display_name),
            )
    if task.assignee_id == (assignee.id if assignee else None):
        return task
    task.assignee = assignee
    _log(
        task,
        actor,
        "assigned",
        phrase("Assigned to %(person)s.", person=assignee.display_name)
        if assignee
        else phrase("Unassigned."),
    )
    db.session.flush()
    return task


def record_note(task: Task, raw: Mapping[str, Any], actor: User) -> Task:
    """Set the task's note and evidence link; both are optional."""
    errors: list[FieldError] = []
    note = task.note
    evidence_url = task.evidence_url
    if "note" in raw:
        try:
            note = _text(raw["note"], "note", TEXT_MAX)
        except InputError as error:
            errors += error.errors
    if "evidence_url" in raw:
        try:
            evidence_url = parse_url(raw["evidence_url"], "evidence_url")
        except InputError as error:
            errors += error.errors
    if errors:
        raise InputError(errors)
    if note != task.note:
        task.note = note
        _log(
            task,
            actor,
            "note",
            phrase("Note: %(note)s", note=note) if note else phrase("Note cleared."),
        )
    if evidence_url != task.evidence_url:
        task.evidence_url = evidence_url
        _log(
            task,
            actor,
            "evidence",
            phrase("Evidence: %(url)s", url=evidence_url)
            if evidence_url
            else phrase("Evidence link removed."),
        )
    db.session.flush()
    return task


def add_custom_task(store: Store, raw: Mapping[str, Any], catalog: Catalog, actor: User) -> Task:
    """Add a task by hand to the store's plan."""
    errors: list[FieldError] = []

    def check(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except InputError as error:
            errors.extend(error.errors)
            return None

    title = check(_text, raw.get("title"), "title", TITLE_MAX, True)
    description = check(_text, raw.get("description", ""), "description", TEXT_MAX)
    due_on = check(parse_date, raw.get("due_on"), "due_on")
    phase = raw.get("phase")
    if phase in (None, ""):  # left out, or the form's empty choice
        phase = "routine"
    if not isinstance(phase, str) or phase not in catalog.phases:
        errors.append(
            FieldError(
                "phase",
                phrase(
                    "unknown phase '%(got)s' (known: %(known)s)",
                    got=phase,
                    known=", ".join(catalog.phases),
                ),
            )
        )
    critical = raw.get("critical", False)
    if not isinstance(critical, bool):
        errors.append(FieldError("critical", phrase("expected true or false")))
    assignee = None
    if raw.get("assignee_id") not in (None, ""):
        assignee = check(_person, raw["assignee_id"], "assignee_id")
        if assignee is not None and not actor.is_manager and assignee.id != actor.id:
            raise NotAllowed(phrase("a member may only take a task for themselves"))
        if assignee is not None and not can_work_on(assignee, store.id):
            errors.append(
                FieldError(
                    "assignee_id",
                    phrase("%(person)s does not work on this store", person=assignee.display_name),
                )
            )
    unknown = set(raw) - {"title", "description", "due_on", "phase", "critical", "assignee_id"}
    errors += [FieldError(name, phrase("is not a task field")) for name in sorted(unknown)]
    if errors:
        raise InputError(errors)
    task = Task(
        store=store,
        key="",
        slot="",
        origin="custom",
        title=title,
        description=description,
        phase=phase,
        source="added by hand",
        critical=critical,
        due_on=due_on,
        assignee=assignee,
    )
    db.session.add(task)
    db.session.flush()
    task.key = f"custom.{task.id}"
    _log(task, actor, "created", phrase("Added by hand: %(title)s.", title=title))
    db.session.flush()
    return task


def parse_date(raw: Any, field: str) -> date:
    """Read a YYYY-MM-DD date within the years plans cover."""
    if not isinstance(raw, str) or not raw.strip():
        raise InputError.one(field, phrase("expected a date as YYYY-MM-DD"))
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InputError.one(
            field, phrase("expected a date as YYYY-MM-DD, got %(got)s", got=repr(raw))
        ) from None
    if day.year not in PLANNABLE_YEARS:
        raise InputError.one(
            field,
            phrase(
                "%(day)s is outside %(first)s–%(last)s",
                day=day,
                first=str(PLANNABLE_YEARS.start),
                last=str(PLANNABLE_YEARS[-1]),
            ),
        )
    return day


def parse_url(raw: Any, field: str) -> str | None:
    """Read an optional http(s) link."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str):
        raise InputError.one(field, phrase("expected a link as text"))
    url = raw.strip()
    # urlsplit quietly drops tabs, newlines and leading control characters: refuse them here.
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
        raise InputError.one(field, phrase("expected a link without spaces or control characters"))
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError.one(
            field, phrase("expected a link starting with https://, got %(got)s", got=repr(url))
        )
    # Counted as sent, spaces included, so the limit is the one a client can check.
    if len(raw) > URL_MAX:
        raise InputError.one(field, _too_long(len(raw), URL_MAX))
    return url


def _text(raw: Any, field: str, limit: int, required: bool = False) -> str:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise InputError.one(field, phrase("expected text"))
    text = raw.strip()
    if required and not text:
        raise InputError.one(field, phrase("is required"))
    if len(raw) > limit:  # counted as sent, spaces included
        raise InputError.one(field, _too_long(len(raw), limit))
    return text


def _person(raw: Any, field: str) -> User:
    if isinstance(raw, int) and not isinstance(raw, bool):
        user_id = raw
    elif isinstance(raw, str) and isinstance(whole_number_or_text(raw), int):
        user_id = int(raw.strip())
    else:
        raise InputError.one(
            field, phrase("expected a person's id (a whole number), got %(got)s", got=repr(raw))
        )
    user = get_by_id(User, user_id)
    if user is None or not user.active:
        raise InputError.one(field, phrase("no active person with id %(id)s", id=user_id))
    return user


def _too_long(length: int, limit: int) -> str:
    return phrase("is %(length)s characters long; at most %(limit)s", length=length, limit=limit)


def _status(task: Task) -> Name:
    return Name("status", task.status, task.status)


def _log(task: Task, actor: User | None, kind: str, message: str) -> None:
    log_activity(task.store_id, actor, kind, message, task=task)


def remove_member(store: Store, user: User, *, actor: User | None) -> bool:
    """Take ``user`` off ``store``; their assigned open tasks go back to the managers."""
    membership = db.session.get(StoreMembership, (store.id, user.id))
    if membership is None:
        return False
    db.session.delete(membership)
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
