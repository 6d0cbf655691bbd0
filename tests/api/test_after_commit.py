"""A committed write is answered as done even if the database goes away right after the commit.

The answer used to be built after the commit from expired objects, and the request log read the
person's expired id: a connection lost just then turned a saved write into a 500, and a client
that retried created a duplicate.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tracker.extensions import db
from tracker.tasks.models import Task

# The views under test, not the token check before them.
WRITES = {"complete_task", "add_task", "add_comment", "bulk_tasks"}


@pytest.fixture
def connection_lost_after_commit(app, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bool]]:
    """Once armed, every statement after an API view's commit fails as if the server went away.

    (Commits before the view, such as noting when a token was last used, are left alone.)
    """
    state = {"armed": False, "committed": False}
    original = Session.commit

    def commit(self: Session) -> None:
        original(self)
        callers = {sys._getframe(depth).f_code for depth in range(1, 5)}
        if state["armed"] and any(
            code.co_filename.endswith("api/views.py") and code.co_name in WRITES for code in callers
        ):
            state["committed"] = True

    def before_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if state["committed"]:
            raise OperationalError(statement, {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", commit)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_execute)
    yield state
    event.remove(engine, "before_cursor_execute", before_execute)


def test_a_tick_saved_before_the_connection_dropped_is_answered_200(
    make_user, make_store, api_as, connection_lost_after_commit
):
    manager = make_user()
    store = make_store(actor=manager)
    task_id = db.session.scalar(
        select(Task.id).where(Task.store_id == store.id, Task.key == "accounts.bind_official")
    )
    api = api_as(manager)

    connection_lost_after_commit["armed"] = True
    answer = api.post(f"/api/v1/tasks/{task_id}/complete")
    connection_lost_after_commit.update(armed=False, committed=False)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == "done"
    db.session.expire_all()
    assert db.session.get(Task, task_id).status == "done"


def test_a_created_task_saved_before_the_connection_dropped_is_answered_201(
    make_user, make_store, api_as, connection_lost_after_commit
):
    manager = make_user()
    store = make_store(actor=manager)
    api = api_as(manager)

    connection_lost_after_commit["armed"] = True
    answer = api.post(
        f"/api/v1/stores/{store.id}/tasks",
        json={"title": "Call the forwarder", "due_on": "2026-12-20"},
    )
    connection_lost_after_commit.update(armed=False, committed=False)

    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["title"] == "Call the forwarder"


def test_a_comment_saved_before_the_connection_dropped_is_answered_201(
    make_user, make_store, api_as, connection_lost_after_commit
):
    manager = make_user()
    store = make_store(actor=manager)
    task_id = db.session.scalar(select(Task.id).where(Task.store_id == store.id).limit(1))
    api = api_as(manager)

    connection_lost_after_commit["armed"] = True
    answer = api.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "Samples sent"})
    connection_lost_after_commit.update(armed=False, committed=False)

    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json()["body"] == "Samples sent"


def test_a_bulk_tick_saved_before_the_connection_dropped_is_answered_200(
    make_user, make_store, api_as, connection_lost_after_commit
):
    manager = make_user()
    store = make_store(actor=manager)
    task_id = db.session.scalar(
        select(Task.id).where(Task.store_id == store.id, Task.key == "accounts.bind_official")
    )
    api = api_as(manager)

    connection_lost_after_commit["armed"] = True
    answer = api.post("/api/v1/tasks/bulk", json={"action": "complete", "ids": [task_id]})
    connection_lost_after_commit.update(armed=False, committed=False)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["results"] == [{"id": task_id, "status": "done"}]
