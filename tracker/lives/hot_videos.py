"""A video took off: create the urgent take-over live and the follow-up clips, and tell the team.

The tasks come from the playbook entries triggered by ``hot_video``; their
timing (hours or days after the event) is data in the playbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.clock import local_today, utcnow
from tracker.errors import RuleError, load_input
from tracker.extensions import db
from tracker.lives.models import HotVideo
from tracker.lives.schemas import HotVideoNew
from tracker.playbook.catalog import DAILY_LIVE_TASK, Catalog
from tracker.playbook.phrases import phrase
from tracker.reminders.queue import queue_now, task_url
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.recipients import active_managers

TRIGGER = "hot_video"


def log_hot_video(
    store: Store,
    raw: Mapping[str, Any],
    catalog: Catalog,
    actor: User,
    *,
    now: datetime | None = None,
) -> tuple[HotVideo, list[Task]]:
    """Record the video and create its triggered tasks; the take-over task comes first."""
    now = now or utcnow()
    values = load_input(HotVideoNew(), raw)
    url, hours = values["url"], values.get("take_over_hours")
    entries = [
        e
        for e in catalog.entries
        if e.trigger == TRIGGER and (e.models is None or store.model in e.models)
    ]
    if not entries:
        raise RuleError(
            "not_self_operated",
            phrase("hot-video take-overs are for stores that run their own lives (POP)"),
        )
    video = HotVideo(store_id=store.id, url=url, logged_at=now, created_by_id=actor.id)
    db.session.add(video)
    db.session.flush()
    team = _live_team(store, now)
    zone = ZoneInfo(store.zone)
    tasks = []
    for entry in sorted(entries, key=lambda e: (e.due.days, e.due.hours)):
        if entry.due.hours and hours is not None:
            due_at = now + timedelta(hours=hours)
        else:
            due_at = now + timedelta(days=entry.due.days, hours=entry.due.hours)
        task = Task(
            store=store,
            key=entry.key,
            slot=f"hot:{video.id}",
            origin="trigger",
            title=entry.title,
            description=f"{entry.description_in(store.market)}\n\nVideo: {url}",
            phase=entry.phase,
            source=entry.source_in(store.market),
            critical=entry.critical,
            due_on=due_at.astimezone(zone).date(),
            due_at=due_at if entry.due.hours else None,
            assignee=team,
            playbook_version=catalog.version,
        )
        db.session.add(task)
        tasks.append(task)
    db.session.flush()
    # On the take-over task's own log, where the person doing it looks.
    log_activity(
        store.id, actor, "hot_video", phrase("A video took off: %(url)s", url=url), task=tasks[0]
    )
    db.session.flush()
    urgent = tasks[0]
    people = [team] if team is not None else active_managers()
    assert urgent.due_at is not None  # a take-over live is due at an instant
    by = urgent.due_at.astimezone(zone).strftime("%H:%M")
    queue_now(
        people,
        "hot_video",
        f"hot:{video.id}",
        lambda: gettext("Go live now: a video is taking off [%(store)s]", store=store.name),
        lambda: "\n".join(
            [
                gettext("A video is taking off: %(url)s", url=url),
                gettext(
                    "Go live by %(time)s (%(zone)s): %(link)s",
                    time=by,
                    zone=store.zone,
                    link=task_url(urgent.id),
                ),
            ]
        ),
        store=store,
        tasks=[urgent],
        now=now,
    )
    return video, tasks


def _live_team(store: Store, now: datetime) -> User | None:
    """Whoever runs today's live (its occurrence's assignee), if anyone does."""
    task = db.session.scalar(
        select(Task).where(
            Task.store_id == store.id,
            Task.key == DAILY_LIVE_TASK,
            Task.slot == local_today(store.zone, now).isoformat(),
        )
    )
    if task is not None and task.assignee is not None and task.assignee.active:
        return task.assignee
    return None
