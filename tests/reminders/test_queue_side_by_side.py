"""Two schedulers queueing the same reminders at the same moment both finish.

Every scheduler process queues each tick's reminders, and the outbox refuses a key it already
holds (``ON CONFLICT DO NOTHING``). On PostgreSQL a row another open transaction has just
inserted makes a second inserter wait for that transaction: two schedulers inserting the same
keys in different orders each waited for the other, and PostgreSQL ended one of them with a
deadlock error, losing that tick's other work. Rows are inserted in the order of their keys,
so whoever comes second waits for the first and then skips what it queued.
"""

from __future__ import annotations

import contextvars
import threading

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.queue import Draft, insert_drafts

# Only stops a broken run from hanging; nothing here is timed.
BOUND_SECONDS = 120.0
DRAFTS = 400
ROUNDS = 5


def test_two_schedulers_queueing_the_same_reminders_in_any_order_both_finish(app, make_user):
    person_id = make_user(role="member").id
    db.session.commit()
    errors: list[BaseException] = []

    def scheduler(keys: list[str], start: threading.Barrier) -> None:
        with app.app_context():
            try:
                person = db.session.get(User, person_id)
                now = utcnow()
                drafts = [
                    Draft(person, "gate", key, now, "Subject", "Text", None, ()) for key in keys
                ]
                start.wait(timeout=BOUND_SECONDS)
                insert_drafts(drafts, now)
                db.session.commit()
            except BaseException as error:  # reported below, with the other's outcome
                errors.append(error)
            finally:
                db.session.remove()

    for round_ in range(ROUNDS):
        keys = [f"race:{round_}:{number:04d}" for number in range(DRAFTS)]
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=contextvars.Context().run, args=(scheduler, order, start))
            for order in (keys, keys[::-1])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(BOUND_SECONDS)
        assert not any(thread.is_alive() for thread in threads), "a scheduler never finished"
        assert not errors, f"round {round_}: {errors[0]!r}"

    # Each key queued once: in the inbox only (the person has no channels).
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == DRAFTS * ROUNDS
