"""Write to the activity log: one entry per thing done to a store or one of its tasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert

from tracker.activity.models import Activity
from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.playbook.phrases import Phrase


def log_activity(
    store_id: int, actor: User | None, kind: str, message: str, *, task: object | None = None
) -> None:
    """Add an entry (``actor`` None: the system did it); it is saved with the unit of work.

    ``task`` is the Task the entry is about, flushed or not (the log sits below tasks).

    A Phrase message is kept as one too, so each reader sees the entry in their language.
    """
    kept = message.to_json() if isinstance(message, Phrase) else None
    db.session.add(
        Activity(
            store_id=store_id, task=task, user=actor, kind=kind, message=str(message), phrase=kept
        )
    )


def activity_row(
    store_id: int, actor: User | None, kind: str, message: str, *, task_id: int | None = None
) -> dict[str, Any]:
    """An entry's column values, for many entries written at once (:func:`write_activity`)."""
    return {
        "store_id": store_id,
        "task_id": task_id,
        "user_id": actor.id if actor is not None else None,
        "kind": kind,
        "message": str(message),
        "phrase": message.to_json() if isinstance(message, Phrase) else None,
        "created_at": utcnow(),
    }


def write_activity(rows: Sequence[dict[str, Any]]) -> None:
    """Write many entries in one statement (the ORM would send one INSERT each on SQLite).

    Into the table itself: the ORM's bulk insert would only add its bookkeeping.
    """
    if rows:
        db.session.execute(insert(cast(Table, Activity.__table__)), list(rows))
