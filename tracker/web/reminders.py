"""Reminder pages: the inbox, a person's reminder settings and channels, the outbox for managers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.auth.access import require_manager
from tracker.clock import local_today, utcnow
from tracker.columns import get_by_id
from tracker.errors import InputError, NotFound
from tracker.extensions import db
from tracker.playbook.phrases import phrase
from tracker.reminders.channels import CHANNEL_KINDS, Target, describe_target
from tracker.reminders.dispatch import retry_reminder, retry_reminders
from tracker.reminders.models import Channel, Reminder
from tracker.reminders.services import (
    add_channel,
    dismiss,
    mark_inbox_read,
    remove_channel,
    update_preferences,
)
from tracker.reminders.services import (
    inbox as inbox_of,
)
from tracker.scheduler.faults import current_faults
from tracker.tasks.queries import done_keys_by_store, tasks_by_id
from tracker.web.session import current_user

bp = Blueprint("reminders", __name__)


@bp.get("/inbox")
@login_required
def inbox() -> str:
    """Show the person's in-app reminders, newest first, with where each task stands now in
    its store's day (tick it here, or see who did it since); mark them read."""
    entries = inbox_of(current_user)
    unread = {entry.id for entry in entries if entry.read_at is None}
    # Only the stores the person still works on: someone taken off a store sees the old text.
    tasks = tasks_by_id(
        current_user,
        (task["id"] for entry in entries for task in (entry.payload or {}).get("tasks", [])),
    )
    store_ids = {task.store_id for task in tasks.values()}
    done = done_keys_by_store(store_ids)
    todays = {task.store_id: local_today(task.store.zone) for task in tasks.values()}
    locks = {
        task.id: task.lock_reasons(todays[task.store_id], done[task.store_id], task.store.followers)
        for task in tasks.values()
        if task.status == "open"
    }
    mark_inbox_read(current_user)
    db.session.commit()
    return render_template(
        "reminders/inbox.html",
        entries=entries,
        unread=unread,
        tasks=tasks,
        todays=todays,
        locks=locks,
    )


@bp.post("/inbox/<int:reminder_id>/dismiss")
@login_required
def dismiss_reminder(reminder_id: int) -> Any:
    """Take a reminder out of the inbox."""
    dismiss(current_user, reminder_id)
    db.session.commit()
    flash(gettext("Dismissed."), "success")
    return redirect(url_for("reminders.inbox"))


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    """Choose when reminders come, a daily digest, quiet hours, and where they go."""
    errors = None
    form: dict[str, Any] = {}
    if request.method == "POST":
        form = request.form.to_dict()
        raw: dict[str, Any] = {
            key: form.get(key, "")
            for key in (
                "timezone",
                "remind_days_before",
                "remind_at",
                "digest_at",
                "quiet_from",
                "quiet_until",
            )
        }
        raw["digest"] = form.get("digest") == "on"
        try:
            update_preferences(current_user, raw)
        except InputError as error:
            db.session.rollback()
            errors = error
        else:
            db.session.commit()
            flash(gettext("Reminder settings saved."), "success")
            return redirect(url_for("reminders.settings"))
    return _render_settings(errors=errors, form=form), 400 if errors else 200


def _render_settings(**context: Any) -> str:
    channels = db.session.scalars(
        select(Channel)
        .where(Channel.user_id == current_user.id, Channel.active)
        .order_by(Channel.id)
    ).all()
    shown = {c.id: describe_target(Target(c.kind, c.target, c.secret)) for c in channels}
    context.setdefault("channel_errors", None)
    context.setdefault("channel_form", {})
    return render_template(
        "reminders/settings.html", channels=channels, shown=shown, kinds=CHANNEL_KINDS, **context
    )


@bp.post("/account/channels")
@login_required
def new_channel() -> Any:
    """Add a channel: e-mail, a webhook, Slack, Feishu, WeCom or DingTalk."""
    form = request.form.to_dict()
    try:
        add_channel(
            current_user, form.get("kind"), form.get("target", ""), form.get("secret") or None
        )
    except InputError as error:
        db.session.rollback()
        return _render_settings(
            errors=None,
            form={},
            channel_errors=error,
            channel_form={k: v for k, v in form.items() if k != "secret"},
        ), 400
    db.session.commit()
    flash(gettext("Channel added."), "success")
    return redirect(url_for("reminders.settings"))


@bp.post("/account/channels/<int:channel_id>/remove")
@login_required
def drop_channel(channel_id: int) -> Any:
    """Switch one of the person's own channels off."""
    channel = get_by_id(Channel, channel_id)
    if channel is None or channel.user_id != current_user.id:
        raise NotFound(phrase("no channel %(id)s of yours", id=channel_id))
    remove_channel(channel)
    db.session.commit()
    flash(gettext("Channel removed."), "info")
    return redirect(url_for("reminders.settings"))


@bp.get("/reminders")
@login_required
def outbox() -> str:
    """Show managers the outbox: what the scheduler cannot do, and what failed or died, with why."""
    require_manager(current_user)
    counts = dict(
        db.session.execute(select(Reminder.state, func.count()).group_by(Reminder.state)).all()
    )
    troubled = db.session.scalars(
        select(Reminder)
        .where(Reminder.needs_attention(utcnow()))
        .options(selectinload(Reminder.user), selectinload(Reminder.channel))
        .order_by(Reminder.state, Reminder.id.desc())
        .limit(200)
    ).all()
    shown = {
        r.id: describe_target(Target(r.channel.kind, r.channel.target, r.channel.secret))
        for r in troubled
        if r.channel is not None
    }
    return render_template(
        "reminders/outbox.html",
        counts=counts,
        troubled=troubled,
        shown=shown,
        faults=current_faults(),
    )


@bp.post("/reminders/<int:reminder_id>/retry")
@login_required
def retry(reminder_id: int) -> Any:
    """Send a dead or failed reminder again from its first attempt (managers)."""
    require_manager(current_user)
    reminder = get_by_id(Reminder, reminder_id)
    if reminder is None:
        raise NotFound(phrase("no reminder %(id)s", id=reminder_id))
    if retry_reminder(reminder):
        flash(gettext("It will be sent again at the next tick."), "success")
    else:
        flash(gettext("It is already on its way again: nothing to retry."), "info")
    db.session.commit()
    return redirect(url_for("reminders.outbox"))


@bp.post("/reminders/retry-dead")
@login_required
def retry_dead() -> Any:
    """Send every dead reminder again from its first attempt (managers), e.g. after a fix."""
    require_manager(current_user)
    count = retry_reminders()
    db.session.commit()
    flash(
        ngettext(
            "%(num)d reminder will be sent again at the next tick.",
            "%(num)d reminders will be sent again at the next tick.",
            count,
        ),
        "success",
    )
    return redirect(url_for("reminders.outbox"))
