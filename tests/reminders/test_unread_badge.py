"""The inbox badge on every page: what it says, and that it costs the same however many
reminders a person leaves unread.

Issue 16 (found measuring the layout floor): the badge counted every unread reminder of
the person on every page, reading each one's row to check its state. A manager of an
agency who never opens the inbox gathers thousands: at 3,000 the floor under every page
grew by 0.9 ms on SQLite (2.0 → 2.9 ms of CPU), and it grows with each one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import insert

from tests.statements import statements_sent
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.services import unread_count

BADGE = re.compile(r'<span class="badge critical" id="unread">([^<]*)</span>')


def _unread(person_id: int, count: int, start: int = 0) -> None:
    db.session.execute(
        insert(Reminder),
        [
            {
                "key": f"test:{person_id}:{start + number}",
                "user_id": person_id,
                "kind": "overdue",
                "subject": "Overdue",
                "text": "A task is overdue",
                "payload": {},
                "state": "sent",
            }
            for number in range(count)
        ],
    )
    db.session.commit()


def badge(client: Any) -> str | None:
    found = BADGE.search(client.get("/my-tasks").get_data(as_text=True))
    return found.group(1) if found else None


def test_the_badge_counts_up_to_99_then_says_99_plus(client, login, make_user):
    person = make_user()
    login(person)
    assert badge(client) is None
    _unread(person.id, 7)
    assert badge(client) == "7"
    _unread(person.id, 92, start=7)
    assert badge(client) == "99"
    _unread(person.id, 1, start=99)
    assert badge(client) == "99+"
    _unread(person.id, 400, start=100)
    assert badge(client) == "99+"


def test_the_badge_reads_at_most_a_hundred_inbox_entries_from_the_index_alone(make_user):
    """Both databases stop at a hundred. SQLite, which plans the same way at any size,
    reads them from the inbox index without a row each; PostgreSQL's plan for a test's
    few rows says nothing of a large inbox's, so its half checks the limit alone."""
    person = make_user()
    _unread(person.id, 150)
    with statements_sent(lambda statement: "FROM reminders" in statement) as seen:
        assert unread_count(person) == 100  # enough to say "99+"
    ((statement, parameters),) = seen
    assert "LIMIT" in statement.upper()
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = "\n".join(str(row[-1]) for row in rows)
        assert "USING COVERING INDEX ix_reminders_inbox" in plan, plan
