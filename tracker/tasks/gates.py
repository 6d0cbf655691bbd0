"""Notice the moment a locked task unlocks, and tell the people on it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from tracker.auth.models import User
from tracker.db import db, utcnow
from tracker.reminders.queue import queue_now
from tracker.stores.models import Store, local_today
from tracker.tasks.models import Task
from tracker.tasks.queries import done_keys_by_store


def check_gates(store_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Record each gated task's lock; queue a reminder for each that just opened. Flush only."""
    now = now or utcnow()
    query = select(Task).where(Task.status == "open", Task.gate.is_not(None))
    if store_ids is not None:
        query = query.where(Task.store_id.in_(list(store_ids)))
    gated = db.session.scalars(query).all()
    if not gated:
        return 0
    done = done_keys_by_store({task.store_id for task in gated})
    managers: list[User] | None = None
    opened = 0
    for task in gated:
        store: Store = task.store
        locked = bool(
            task.lock_reasons(local_today(store.zone, now), done[store.id], store.followers)
        )
        if task.was_locked and not locked:
            if task.assignee is not None and task.assignee.active:
                people = [task.assignee]
            else:
                if managers is None:
                    managers = list(
                        db.session.scalars(select(User).where(User.role == "manager", User.active))
                    )
                people = managers
            subject = f"Unlocked: {task.title} [{store.name}]"
            text = "\n".join(
                [
                    f"You can do this now: {task.title}",
                    f"Store: {store.name}",
                    f"What held it: {task.gate.get('reason', '')}" if task.gate else "",
                    f"Due on {task.due_on.isoformat()} · open it: /tasks/{task.id}",
                ]
            )
            opened += queue_now(
                people,
                "gate_open",
                f"gate:{task.id}:{task.slot}",
                subject,
                text,
                store=store,
                tasks=[task],
                now=now,
            )
        task.was_locked = locked
    db.session.flush()
    return opened
