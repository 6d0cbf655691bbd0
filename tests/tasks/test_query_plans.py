"""A person's open work is read through their stores' index, not the whole company's.

Issue 16: a member's My tasks (and their calendar feed) asked for ``assignee = me OR
assignee IS NULL``. SQLite, which has no statistics unless asked, answered that OR from the
assignee index: every open unassigned task of every store in the company, then kept the
few of the member's stores (23 ms of a 49 ms page at 1,000 stores). It plans the same shape
the same way at any size, so a small company shows it. PostgreSQL did the same only before
its statistics were taken (a freshly seeded benchmark: 18,274 rows read and thrown away,
13 ms). With its statistics taken it picks the store index for either form, so its half
of these tests only guards the new form's plan (sequential scans off, so a test's small
tables do not hide it); the SQLite half is the one the old form fails.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from tests.statements import statements_sent
from tracker.auth.models import User
from tracker.calendar.models import CalendarFeed
from tracker.calendar.services import feed_contents
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.stores.models import Store
from tracker.tasks.queries import my_open_tasks

STORE_INDEX = "ix_tasks_store_status_due"
ASSIGNEE_INDEX = "ix_tasks_assignee_status_due"
STORES = 5  # the member's
OTHERS = 20  # the rest of the company's


def task_reads() -> AbstractContextManager[list[tuple[str, Any]]]:
    """The statements (and their parameters) that read whole task rows, as they are sent."""
    return statements_sent(
        lambda statement: statement.startswith("SELECT tasks.id") and "assignee_id" in statement
    )


def plan_of(statement: str, parameters: Any) -> str:
    """The database's plan for one statement, as text."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    connection.exec_driver_sql("ANALYZE tasks")  # the planner's figures, as autovacuum keeps them
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(str(row[0]) for row in rows)


@pytest.fixture
def member(app: Any, make_user: Callable[..., User], make_store: Callable[..., Store]) -> User:
    """A member on five stores of a company of 25, every plan's work unassigned.

    Five, as in the agency benchmark: without statistics SQLite costs an ``IN`` of that
    many stores above the OR's two index searches, and picked the OR. The rest of the
    company is most of it, as in any agency: PostgreSQL weighs the share.
    """
    manager = make_user("manager")
    member = make_user("member")
    for number in range(STORES + OTHERS):
        make_store(
            actor=manager,
            members=(member,) if number < STORES else (),
            name=f"Store {number}",
        )
    return member


def test_my_tasks_reads_the_members_stores_not_the_companys_unassigned_work(
    member: User,
) -> None:
    with task_reads() as seen:
        tasks = my_open_tasks(member, include_unassigned=True)
    assert seen, "My tasks read no task rows"
    plan = plan_of(*seen[0])
    assert STORE_INDEX in plan, plan
    assert ASSIGNEE_INDEX not in plan, plan
    # And the answer is still the member's: theirs and nobody's, of their five stores.
    assert tasks
    assert all(task.assignee_id in (None, member.id) for task in tasks)
    assert {task.store.name for task in tasks} == {f"Store {n}" for n in range(STORES)}


def test_a_persons_calendar_feed_reads_their_stores_not_the_companys_unassigned_work(
    member: User, catalog: Catalog
) -> None:
    feed = CalendarFeed(user=member)
    with task_reads() as seen:
        contents = feed_contents(feed, catalog, include_unassigned=True)
    assert seen, "the feed read no task rows"
    plan = plan_of(*seen[0])
    assert STORE_INDEX in plan, plan
    assert ASSIGNEE_INDEX not in plan, plan
    assert contents.tasks
