"""Two schedulers queueing the same reminders at the same moment both finish.

Every scheduler process queues each tick's reminders, and the outbox refuses a key it already
holds (``ON CONFLICT DO NOTHING``). On PostgreSQL a row another open transaction has just
inserted makes a second inserter wait for that transaction: two schedulers inserting the same
keys in different orders each waited for the other, and PostgreSQL ended one of them with a
deadlock error, losing that tick's other work. Rows are inserted in the order of their keys,
so whoever comes second waits for the first and then skips what it queued.
"""

from __future__ import annotations

import functools
import threading

from sqlalchemy import func, select

from tests.together import run_together
from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.queue import Draft, insert_drafts

DRAFTS = 400
ROUNDS = 10  # a deadlock showed within the first few rounds without the sort


def test_two_schedulers_queueing_the_same_reminders_in_any_order_both_finish(app, make_user):
    person_id = make_user(role="member").id
    db.session.commit()

    def scheduler(keys: list[str], start: threading.Barrier) -> None:
        with app.app_context():
            try:
                person = db.session.get(User, person_id)
                now = utcnow()
                drafts = [
                    Draft(person, "gate", key, now, "Subject", "Text", None, ()) for key in keys
                ]
                start.wait()
                insert_drafts(drafts, now)
                db.session.commit()
            finally:
                db.session.remove()

    for round_ in range(ROUNDS):
        keys = [f"race:{round_}:{number:04d}" for number in range(DRAFTS)]
        run_together([functools.partial(scheduler, order) for order in (keys, keys[::-1])])

    # Each key queued once: in the inbox only (the person has no channels).
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == DRAFTS * ROUNDS
