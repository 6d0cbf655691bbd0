"""Task pages: My tasks, one task with its log, and ticking off without a page reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.activity.models import Activity
from tracker.clock import local_today
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.i18n.text import localize
from tracker.stores.models import Store
from tracker.stores.services import assignable_people
from tracker.tasks import services
from tracker.tasks.access import task_for
from tracker.tasks.models import Task
from tracker.tasks.queries import (
    MY_TASKS_LIMIT,
    done_keys,
    done_keys_by_store,
    due_bucket,
    my_open_tasks,
)
from tracker.web.feedback import flash_refusal
from tracker.web.session import current_user

bp = Blueprint("tasks", __name__)


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
    )


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
    return render_template(
        "tasks/detail.html",
        task=task,
        store=task.store,
        entries=entries,
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
        reasons = task.lock_reasons(today, done_keys(store.id), store.followers)
        return render_template(
            "tasks/_row.html",
            task=task,
            reasons=reasons,
            today=today,
            error=error,
            show_store=request.args.get("show_store") == "1",
        )
    if error:
        flash(localize(error), "error")
    back = url_for("tasks.my_tasks") if request.args.get("show_store") == "1" else None
    return redirect(back or url_for("stores.plan", store_id=task.store_id))


def _tick(task_id: int, change: Callable[..., tuple[Task, bool]]) -> tuple[Task, str | None]:
    """Apply a tick or untick; a refusal rolls back and comes back as its message."""
    task_for(current_user, task_id)
    try:
        task, _ = change(task_id, current_user)
    except RuleError as error:
        db.session.rollback()
        return task_for(current_user, task_id), error.message
    return task, None


@bp.post("/tasks/<int:task_id>/complete")
@login_required
def complete(task_id: int) -> Any:
    """Tick the task off."""
    task, refusal = _tick(task_id, services.complete_task)
    if refusal is None:
        db.session.commit()
    return _row_or_back(task, refusal)


@bp.post("/tasks/<int:task_id>/reopen")
@login_required
def reopen(task_id: int) -> Any:
    """Untick the task."""
    task, refusal = _tick(task_id, services.reopen_task)
    if refusal is None:
        db.session.commit()
    return _row_or_back(task, refusal)


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
