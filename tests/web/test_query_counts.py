"""The busiest pages cost the same number of SQL statements for a store of 20 tasks and of 400."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import g
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import create_token
from tracker.clock import local_today
from tracker.extensions import db
from tracker.playbook.catalog import Catalog
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import add_custom_task, change_task, complete_task

SMALL, LARGE = 20, 400
# Each store keeps at least this many tasks added by hand, to assign and tick off.
CUSTOM_AT_LEAST = 8
# Enough for any of these pages, yet far below one statement per task row.
HTMX = {"HX-Request": "true"}
# The plan page: the person, the store, its tasks, who may be handed them together with
# who they are assigned to and who ticked them off (one read; issue 16: three before), its
# accounts and lives, imports (staleness, orders), the partner link, the unread count, the
# calendar feed; its counters come from the tasks already read.
PLAN_STATEMENTS = 11
# My tasks: the person, their stores, their tasks, those tasks' stores and assignees, what
# is done in those stores, the unread count.
MY_TASKS_STATEMENTS = 7


@dataclass
class Sized:
    """A store with a given number of tasks in view, and the people who work on it."""

    store_id: int
    worker_email: str  # the member who opens My tasks
    free_task_ids: list[int]  # open hand-made tasks of the worker's, free to tick off


def _visible_count(store_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.store_id == store_id, Task.status.in_(("open", "done")))
    )


def _build(
    total: int,
    *,
    manager: User,
    catalog: Catalog,
    make_user: Callable[..., User],
    make_store: Callable[..., Store],
) -> Sized:
    """Create a store with its plan, then trim or add hand-made tasks to show ``total`` tasks."""
    worker, helper = make_user("member"), make_user("member")
    store = make_store(actor=manager, members=(worker, helper), name=f"Store of {total}")
    # Retire the latest playbook tasks (as a profile change would) until the rest fit,
    # keeping the gated ones: ticking checks them, in a store of any size.
    keep = total - CUSTOM_AT_LEAST
    extra = db.session.scalars(
        select(Task.id)
        .where(Task.store_id == store.id, Task.status == "open", Task.gate.is_(None))
        .order_by(Task.due_on.desc(), Task.id.desc())
        .limit(max(0, _visible_count(store.id) - keep))
    ).all()
    db.session.execute(update(Task).where(Task.id.in_(extra)).values(status="retired"))

    today = local_today(store.zone)
    people: list[User | None] = [worker, helper, manager, None]
    custom: list[Task] = []
    for number in range(total - _visible_count(store.id)):
        due_on = today + timedelta(days=number % 14 - 3)  # overdue, today and this week
        raw = {"title": f"Hand-made task {number}", "due_on": due_on.isoformat()}
        task = add_custom_task(store, raw, catalog, manager)
        assignee = people[number % len(people)]
        if assignee is not None:
            change_task(task, {"assignee_id": assignee.id}, manager)
        custom.append(task)
    # Some work is done already, by the helper and by the manager.
    for task in custom[1:8:4]:
        complete_task(task.id, helper)
    complete_task(custom[2].id, manager)
    db.session.commit()

    free = [task.id for task in custom if task.assignee == worker and task.status == "open"]
    assert _visible_count(store.id) == total
    return Sized(store.id, worker.email, free[:2])


@dataclass
class Scene:
    """A manager (with an API token) and two stores they see: 20 tasks in view and 400."""

    manager_email: str
    manager_token: str
    small: Sized
    large: Sized

    def by_size(self) -> tuple[tuple[Sized, int], ...]:
        return ((self.small, SMALL), (self.large, LARGE))


@pytest.fixture
def scene(app, catalog, make_user, make_store) -> Scene:
    """Build the manager, their token and the two stores through the services."""
    manager = make_user()
    build: dict[str, Any] = {
        "manager": manager,
        "catalog": catalog,
        "make_user": make_user,
        "make_store": make_store,
    }
    small, large = _build(SMALL, **build), _build(LARGE, **build)
    _, secret = create_token(manager, "query counts")
    db.session.commit()
    return Scene(manager.email, secret, small, large)


class Visitor:
    """One person's browser; each request starts as it would in production, from nothing.

    The ``app`` fixture keeps one app context open, and a test request reuses it: without
    this, ``g`` (where Flask-Login keeps the current person) and the database session would
    carry over from the previous request and hide the statements a real request sends.
    """

    def __init__(self, app: Any, email: str | None = None) -> None:
        self.client = app.test_client()
        if email is not None:
            response = self.send("post", "/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        db.session.remove()
        for name in list(g):
            g.pop(name)
        return getattr(self.client, method)(path, **kwargs)

    def count(self, count_queries: Any, method: str, path: str, status: int, **kwargs: Any) -> int:
        """Send one request and return how many statements it sent."""
        with count_queries() as counter:
            response = self.send(method, path, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        return counter.count

    def rows(self, path: str) -> int:
        """Count the task rows a page shows."""
        return self.send("get", path).get_data(as_text=True).count('class="task ')


def test_the_plan_page_costs_the_same_for_20_tasks_and_400(app, scene, count_queries):
    visitor = Visitor(app, scene.manager_email)
    counts = {}
    for sized, total in scene.by_size():
        path = f"/stores/{sized.store_id}"
        # The first view of the day rolls the plan forward; count an ordinary view after it.
        assert visitor.send("get", path).status_code == 200
        counts[total] = visitor.count(count_queries, "get", path, 200)
        assert visitor.rows(path) == total
    assert counts[SMALL] == counts[LARGE], counts
    assert counts[SMALL] <= PLAN_STATEMENTS, counts


def test_my_tasks_costs_the_same_for_20_tasks_and_400(app, scene, count_queries):
    counts, rows = {}, {}
    for sized, total in scene.by_size():
        visitor = Visitor(app, sized.worker_email)
        counts[total] = visitor.count(count_queries, "get", "/my-tasks", 200)
        rows[total] = visitor.rows("/my-tasks")
    # The larger store really lists many more rows on the page.
    assert rows[LARGE] > 5 * rows[SMALL] > 0, rows
    assert counts[SMALL] == counts[LARGE], counts
    assert counts[SMALL] <= MY_TASKS_STATEMENTS, counts


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_ticking_a_task_off_costs_the_same_for_20_tasks_and_400(app, scene, count_queries, headers):
    visitor = Visitor(app, scene.manager_email)
    status = 200 if headers else 302
    counts = {}
    for sized, total in scene.by_size():
        task_id = sized.free_task_ids[0]
        path = f"/tasks/{task_id}/complete"
        counts[total] = visitor.count(count_queries, "post", path, status, headers=headers)
        assert db.session.get(Task, task_id).status == "done"
    assert counts[SMALL] == counts[LARGE], counts
    assert counts[SMALL] <= (TICK_STATEMENTS_WITH_COUNTERS if headers else TICK_STATEMENTS), counts


def test_ticking_a_task_off_through_the_api_costs_the_same_for_20_tasks_and_400(
    app, scene, count_queries
):
    visitor = Visitor(app)
    bearer = {"Authorization": f"Bearer {scene.manager_token}"}
    # The token's last use is written at most once a minute: get that write out of the way
    # with a request that commits (a read-only one does not keep it).
    warm_up = f"/api/v1/tasks/{scene.small.free_task_ids[0]}/complete"
    assert visitor.send("post", warm_up, headers=bearer).status_code == 200
    counts = {}
    for sized, total in scene.by_size():
        task_id = sized.free_task_ids[1]
        path = f"/api/v1/tasks/{task_id}/complete"
        counts[total] = visitor.count(count_queries, "post", path, 200, headers=bearer)
        assert db.session.get(Task, task_id).status == "done"
    assert counts[SMALL] == counts[LARGE], counts
    assert counts[SMALL] <= API_TICK_STATEMENTS, counts


# Ticking off: the person, the task with its store (seen, held, and whether a gate waits
# for its key, in one read), the change and its log entry; on the store's page (htmx) the
# row also needs who it may be handed to, and one more counts the plan's done tasks for its
# counters, swapped in out of band (issue 16: 8 before: the task was read twice, and gates
# were looked for in a statement of their own).
TICK_STATEMENTS = 4
TICK_STATEMENTS_WITH_COUNTERS = TICK_STATEMENTS + 2
# Through the API: the token, its person, the task (as above), the change, its log entry
# (9 before: also the task again, the gates, then its store and what is done there to say
# whether the done task is locked, which it cannot be).
API_TICK_STATEMENTS = 5


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_ticking_off_work_no_gate_waits_for_reads_no_gates_and_no_row_twice(
    app, scene, count_queries, headers
):
    visitor = Visitor(app, scene.manager_email)
    status = 200 if headers else 302
    limit = TICK_STATEMENTS_WITH_COUNTERS if headers else TICK_STATEMENTS
    for sized, _ in scene.by_size():
        task_id = sized.free_task_ids[0]  # added by hand: nothing waits for it
        count = visitor.count(
            count_queries, "post", f"/tasks/{task_id}/complete", status, headers=headers
        )
        assert db.session.get(Task, task_id).status == "done"
        assert count <= limit, count
        count = visitor.count(
            count_queries, "post", f"/tasks/{task_id}/reopen", status, headers=headers
        )
        assert db.session.get(Task, task_id).status == "open"
        assert count <= limit, count
