"""The outbox keeps what it sent or gave up on for a retention period, then forgets it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.services import prune_outbox
from tracker.scheduler.tick import run_tick


def _rows(person, *rows):
    now = utcnow()
    db.session.execute(
        insert(Reminder),
        [
            {
                "key": key,
                "user_id": person.id,
                "channel_id": None,
                "kind": "due_soon",
                "subject": key,
                "text": key,
                "payload": {},
                "state": state,
                "attempts": 1,
                "next_attempt_at": now - timedelta(days=days),
                "created_at": now - timedelta(days=days),
            }
            for key, state, days in rows
        ],
    )
    db.session.commit()


def _keys() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Reminder.key)))


def test_sent_and_dead_reminders_are_pruned_after_the_retention_period(app, make_user):
    person = make_user()
    _rows(
        person,
        ("old-sent", "sent", 100),
        ("old-dead", "dead", 100),
        ("recent-sent", "sent", 10),
        ("old-failed", "failed", 100),  # still being retried: kept
    )
    assert prune_outbox(retention_days=90) == 2
    assert _keys() == {"recent-sent", "old-failed"}


def test_each_tick_prunes_with_the_configured_retention(app, make_user):
    app.config["TRACKER_REMINDER_RETENTION_DAYS"] = 30
    person = make_user()
    _rows(person, ("month-old", "sent", 40), ("week-old", "sent", 7))
    run_tick(app, name="test")
    assert _keys() == {"week-old"}
