"""Task pages: My tasks, every task with filters, one task with its thread and log, and
ticking off, assigning and moving where a task is listed, one or several at once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.activity.models import Activity
from tracker.clock import local_today
from tracker.errors import InputError, NotAllowed, NotFound, RuleError
from tracker.extensions import db
from tracker.i18n.format import separator
from tracker.i18n.seeds import task_title
from tracker.i18n.text import localize
from tracker.plans.checklists import list_checklists
from tracker.playbook.phrases import phrase
from tracker.stores.access import store_for
from tracker.stores.models import Store
from tracker.stores.services import assignable_people
from tracker.tasks import services
from tracker.tasks.access import task_for
from tracker.tasks.listing import TaskFilters, find_tasks, parse_task_query, people_to_hand_to
from tracker.tasks.models import Task, TaskComment
from tracker.tasks.queries import (
    MY_TASKS_LIMIT,
    done_keys,
    done_keys_by_store,
    due_bucket,
    my_open_tasks,
    plan_counts,
)
from tracker.web.feedback import field_message, flash_refusal, safe_next
from tracker.web.rows import task_row
from tracker.web.session import current_user

bp = Blueprint("tasks", __name__)
# A link in a comment, up to the first space or a closing bracket or quote.
_LINK = re.compile(r"https?://[^\s<>\"')\]]+")


@bp.app_template_filter("linked")
def linked(text: str) -> Markup:
    """Show a comment's text with its http(s) links (evidence) clickable and lines kept."""
    parts: list[Markup] = []
    last = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(".,;:!?")
        parts.append(escape(text[last : match.start()]))
        parts.append(Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(url))
        last = match.start() + len(url)
    parts.append(escape(text[last:]))
    return Markup("").join(parts).replace("\n", Markup("<br>"))


@bp.get("/stores/<int:store_id>/steps/<key>")
@login_required
def step(store_id: int, key: str) -> Any:
    """Open the store's task for a checklist step or playbook entry, named by its key."""
    store = store_for(current_user, store_id)
    task = db.session.scalars(
        select(Task)
        .where(Task.store_id == store.id, Task.key == key, Task.status.in_(("open", "done")))
        .order_by(Task.status.desc(), Task.due_on, Task.id)  # open first, the earliest
        .limit(1)
    ).first()
    if task is None:
        return render_template(
            "error.html", title=gettext("Not found"), message=gettext("No such task here.")
        ), 404
    return redirect(url_for("tasks.detail", task_id=task.id))


@bp.get("/tasks/<int:task_id>/waiting-for/<int:number>")
@login_required
def waiting_for(task_id: int, number: int) -> Any:
    """Go to a task a locked task waits for (the gate's ``number``-th): the same peak's, else
    the latest with that key. Addressed by position: keys are for the API, not for people."""
    task = task_for(current_user, task_id)
    waits_for = list((task.gate or {}).get("tasks", ()))
    if number >= len(waits_for):
        # The gate changed since the page was drawn: the task itself says what it waits for now.
        return redirect(url_for("tasks.detail", task_id=task.id))
    key = waits_for[number]
    found = db.session.scalars(
        select(Task)
        .where(Task.store_id == task.store_id, Task.key == key)
        .order_by((Task.slot == task.slot).desc(), Task.due_on.desc(), Task.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(phrase("no task %(id)s", id=key))
    return redirect(url_for("tasks.detail", task_id=found.id))


@bp.get("/my-tasks")
@login_required
def my_tasks() -> str:
    """List the person's open tasks across stores: overdue, today, this week."""
    # Work nobody has taken is work nobody will do unless someone sees it: shown by default,
    # to managers too; "only mine" narrows it.
    show_unassigned = request.args.get("unassigned", "1") != "0"
    tasks = my_open_tasks(current_user, include_unassigned=show_unassigned)
    truncated = len(tasks) > MY_TASKS_LIMIT
    tasks = tasks[:MY_TASKS_LIMIT]
    filters = filters_from_request()
    if filters.narrowed:
        latest = max((task.due_on for task in tasks), default=None)
        matching = find_tasks(current_user, dataclasses.replace(filters, due_by=latest), limit=None)
        kept = {item.task.id for item in matching.items}
        tasks = [task for task in tasks if task.id in kept]
    done = done_keys_by_store({task.store_id for task in tasks})
    groups: dict[str, list[tuple[Task, list[str], Any]]] = {"overdue": [], "today": [], "week": []}
    for task in tasks:
        today = local_today(task.store.zone)
        bucket = due_bucket(task.due_on, today)
        if bucket is not None:
            reasons = task.lock_reasons(today, done.get(task.store_id, set()), task.store.followers)
            groups[bucket].append((task, reasons, today))
    return render_template(
        "tasks/my.html",
        groups=groups,
        show_unassigned=show_unassigned,
        truncated=truncated,
        limit=MY_TASKS_LIMIT,
        filters=filters,
        people=people_to_hand_to(current_user),
    )


def filters_from_request() -> TaskFilters:
    """The task filters a page's form sent (``TaskQuery``); bad ones are said and dropped."""
    try:
        filters, _, _ = parse_task_query(request.args, form=True)
    except InputError as error:
        flash_refusal(error)
        return TaskFilters()
    return filters


@bp.get("/tasks")
@login_required
def all_tasks() -> str:
    """List every task in the person's stores by due date, filtered and a page at a time."""
    try:
        filters, limit, after = parse_task_query(request.args, form=True)
    except InputError as error:
        flash_refusal(error)
        filters, limit, after = TaskFilters(), 50, None
    page = find_tasks(current_user, filters, limit=limit, after=after)
    args: dict[str, Any] = filters.query_args() | (
        {"limit": limit} if "limit" in request.args else {}
    )
    more = url_for("tasks.all_tasks", **args, cursor=page.next_cursor) if page.next_cursor else None
    return render_template(
        "tasks/all.html",
        page=page,
        filters=filters,
        more=more,
        people=people_to_hand_to(current_user),
    )


@bp.post("/tasks/bulk")
@login_required
def bulk() -> Any:
    """Tick off, reopen or assign the chosen tasks; say what was done and what was refused."""
    back = safe_next(request.form.get("next")) or url_for("tasks.my_tasks")
    action = request.form.get("action", "")
    raw: dict[str, Any] = {
        "ids": [int(i) for i in request.form.getlist("ids") if i.isascii() and i.isdigit()],
        "action": action,
    }
    if action == "assign":
        raw["assignee_id"] = request.form.get("assignee_id", "")
    if not raw["ids"]:
        flash(gettext("Choose the tasks first: tick the box beside each one."), "error")
        return redirect(back)
    try:
        results = services.act_on_tasks(raw, current_user)
    except InputError as error:
        flash_refusal(error)
        return redirect(back)
    db.session.commit()
    done = [result for result in results if result.task is not None]
    if done:
        flash(ngettext("%(num)d task changed.", "%(num)d tasks changed.", len(done)), "success")
    for result in results:
        if result.task is None:
            # Only a task the person may see is named; another is its number alone.
            refused = db.session.get(Task, result.task_id) if result.code != "not_found" else None
            seen = refused is not None and result.code != "forbidden"
            title = task_title(refused) if seen and refused else f"#{result.task_id}"
            flash(
                gettext("%(title)s: %(reason)s", title=title, reason=_reason(result)),
                "error",
            )
    return redirect(back)


def _reason(result: services.BulkResult) -> str:
    """Why one task of a bulk action was refused, with the fields named by their labels."""
    if result.fields:
        return separator().join(field_message(item.field, item.message) for item in result.fields)
    return localize(result.message)


@bp.post("/tasks/<int:task_id>/change")
@login_required
def change(task_id: int) -> Any:
    """Change who does a task or its due date where it is listed."""
    task = task_for(current_user, task_id)
    raw = {name: request.form[name] for name in ("assignee_id", "due_on") if name in request.form}
    if raw.get("due_on") == "":
        del raw["due_on"]  # a date field left empty keeps the date
    try:
        services.change_task(task, raw, current_user)
    except (InputError, NotAllowed) as error:
        db.session.rollback()
        message = (
            "; ".join(localize(item.message) for item in error.errors)
            if isinstance(error, InputError)
            # The Phrase itself, in the reader's language: str(error) is its English.
            else localize(error.args[0] if error.args else str(error))
        )
        return _row_or_back(task_for(current_user, task_id), message)
    db.session.commit()
    return _row_or_back(task)


@bp.post("/tasks/<int:task_id>/comments")
@login_required
def comment(task_id: int) -> Any:
    """Add a comment to the task's thread; people @mentioned are reminded."""
    task = task_for(current_user, task_id)
    raw = {"body": request.form.get("body", "")}
    try:
        _, mentioned = services.add_comment(task, raw, current_user)
    except InputError as error:
        db.session.rollback()
        return _render_detail(task_for(current_user, task_id), error, raw), 400
    db.session.commit()
    if mentioned:
        names = ", ".join(person.display_name for person in mentioned)
        flash(gettext("Comment added; reminded %(people)s.", people=names), "success")
    else:
        flash(gettext("Comment added."), "success")
    return redirect(url_for("tasks.detail", task_id=task.id) + "#comments")


@bp.get("/tasks/<int:task_id>")
@login_required
def detail(task_id: int) -> str:
    """Show one task: what and why, its source, lock, owner, note, evidence and log."""
    return _render_detail(task_for(current_user, task_id))


def _render_detail(
    task: Task, errors: InputError | None = None, form: dict[str, str] | None = None
) -> str:
    entries = db.session.scalars(
        select(Activity)
        .where(Activity.task_id == task.id)
        .options(selectinload(Activity.user))
        .order_by(Activity.id.desc())
    ).all()
    context: dict[str, Any] = {"form": form} if form is not None else {}
    if task.origin == "playbook" and current_user.is_manager:
        context["checklists"] = list_checklists()  # "copy into" one of them
    comments = db.session.scalars(
        select(TaskComment)
        .where(TaskComment.task_id == task.id)
        .options(selectinload(TaskComment.author))
        .order_by(TaskComment.id)
    ).all()
    return render_template(
        "tasks/detail.html",
        task=task,
        store=task.store,
        entries=entries,
        comments=comments,
        reasons=services.lock_reasons(task),
        today=local_today(task.store.zone),
        people=assignable_people(task.store, current_user),
        errors=errors,
        **context,
    )


def _row_or_back(task: Task, error: str | None = None) -> Any:
    """Answer htmx with the task's row; a plain form post goes back to the task's store."""
    if request.headers.get("HX-Request"):
        store: Store = task.store
        today = local_today(store.zone)
        gated = task.gate is not None and task.status == "open"
        reasons = task.lock_reasons(today, done_keys(store.id) if gated else (), store.followers)
        show_store = request.args.get("show_store") == "1"
        row = task_row(
            task,
            reasons,
            today,
            error=error,
            show_store=show_store,
            people=people_to_hand_to(current_user)
            if show_store
            else assignable_people(store, current_user),
        )
        if show_store:
            return row
        # On the store's page, its counters follow the tick (swapped in out of band).
        return str(row) + render_template(
            "stores/_counters_oob.html", task=task, counts=plan_counts(store.id)
        )
    if error:
        flash(localize(error), "error")
    back = safe_next(request.form.get("next"))
    inbox = url_for("reminders.inbox")
    if (back or "").startswith(inbox):
        # Ticked from the inbox: stay there, and say what was done.
        if not error:
            flash(gettext("Done: %(title)s", title=task_title(task)), "success")
        back = back or inbox
    if back is None and request.args.get("show_store") == "1":
        back = url_for("tasks.my_tasks")
    return redirect(back or url_for("stores.plan", store_id=task.store_id))


def _tick(task_id: int, change: Callable[..., tuple[Task, bool]]) -> tuple[Task, str | None]:
    """Apply a tick or untick; a refusal rolls back and comes back as its message."""
    # Read once, with its store (the row shows the store's day) and its row held: the
    # service works on it as read, rather than reading it a second time.
    held = task_for(current_user, task_id, with_store=True, for_update=True)
    try:
        task, _ = change(task_id, current_user, held=held)
    except RuleError as error:
        db.session.rollback()
        return task_for(current_user, task_id), error.message
    return task, None


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Any:
    """Tick the task off."""
    task, refusal = _tick(task_id, services.complete_task)
    # The row is drawn before the commit, from what is already loaded: after it, every
    # attribute would be read again, and nothing after a commit may fail the answer.
    answer = _row_or_back(task, refusal)
    if refusal is None:
        db.session.commit()
    return answer


@bp.post("/tasks/<int:task_id>/reopen")
@login_required
def reopen(task_id: int) -> Any:
    """Untick the task."""
    task, refusal = _tick(task_id, services.reopen_task)
    # The row is drawn before the commit, from what is already loaded: after it, every
    # attribute would be read again, and nothing after a commit may fail the answer.
    answer = _row_or_back(task, refusal)
    if refusal is None:
        db.session.commit()
    return answer


@bp.post("/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Any:
    """Give the task to someone on the store, or to nobody."""
    task = task_for(current_user, task_id)
    try:
        services.change_task(
            task, {"assignee_id": request.form.get("assignee_id", "")}, current_user
        )
    except InputError as error:
        flash_refusal(error)
        return redirect(url_for("tasks.detail", task_id=task.id))
    db.session.commit()
    flash(gettext("Saved who does it."), "success")
    return redirect(url_for("tasks.detail", task_id=task.id))


@bp.post("/tasks/<int:task_id>/note")
@login_required
def note(task_id: int) -> Any:
    """Save the task's note and evidence link."""
    task = task_for(current_user, task_id)
    raw = {
        "note": request.form.get("note", ""),
        "evidence_url": request.form.get("evidence_url", ""),
    }
    try:
        services.change_task(task, raw, current_user)
    except InputError as error:
        db.session.rollback()
        return _render_detail(task_for(current_user, task_id), error, raw), 400
    db.session.commit()
    flash(gettext("Note saved."), "success")
    return redirect(url_for("tasks.detail", task_id=task.id))
