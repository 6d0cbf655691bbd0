"""Change a task where it is listed: who does it and its due date, on My tasks and the
all-tasks list, with htmx or a plain form, logged like the task page's change (issue 14)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.tasks.test_pages_lists import _day, manager, member, store, task_by_key  # noqa: F401
from tracker.activity.models import Activity
from tracker.extensions import db


def _row(page: str, task_id: int) -> str:
    return page.split(f'id="task-{task_id}"', 1)[1].split("</li>", 1)[0]


def test_each_list_offers_who_and_when_in_the_row(client, login, manager, store):  # noqa: F811
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    for path in ("/my-tasks", "/tasks"):
        row = _row(client.get(path).text, task.id)
        assert f'action="/tasks/{task.id}/change' in row, path
        assert 'name="assignee_id"' in row and 'name="due_on"' in row, path


def test_a_row_changed_with_htmx_on_my_tasks_keeps_its_change_form(
    client,
    login,
    manager,  # noqa: F811
    member,  # noqa: F811
    store,  # noqa: F811
):
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    answer = client.post(
        f"/tasks/{task.id}/change?show_store=1",
        data={"assignee_id": str(member.id)},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    # The new row can be changed again: the person list is still there.
    assert 'name="assignee_id"' in answer.text and "Leo Wang" in answer.text
    logged = db.session.scalars(
        select(Activity.message).where(Activity.task_id == task.id, Activity.kind == "assigned")
    ).all()
    assert logged == ["Assigned to Leo Wang."]


def test_without_javascript_a_change_goes_back_to_the_list_it_came_from(
    client,
    login,
    manager,  # noqa: F811
    store,  # noqa: F811
):
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    listing = client.get("/tasks?critical=1").text
    back = re.search(r'name="next" value="([^"]+)"', _row(listing, task.id))
    assert back and back.group(1).replace("&amp;", "&") == "/tasks?critical=1"
    answer = client.post(
        f"/tasks/{task.id}/change?show_store=1",
        data={"due_on": _day(9).isoformat(), "next": "/tasks?critical=1"},
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/tasks?critical=1"
    assert task_by_key(store, "accounts.bind_official").due_on == _day(9)
    moved = db.session.scalars(
        select(Activity.message).where(Activity.task_id == task.id, Activity.kind == "due_moved")
    ).all()
    assert len(moved) == 1
    # Somewhere else is never followed.
    away = client.post(
        f"/tasks/{task.id}/change?show_store=1",
        data={"due_on": _day(8).isoformat(), "next": "https://example.com/"},
    )
    assert away.headers["Location"] == "/my-tasks"


def test_without_javascript_a_tick_goes_back_to_the_list_too(client, login, manager, store):  # noqa: F811
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    row = _row(client.get("/tasks?q=official").text, task.id)
    back = re.search(r'name="next" value="([^"]+)"', row).group(1).replace("&amp;", "&")
    answer = client.post(f"/tasks/{task.id}/complete?show_store=1", data={"next": back})
    assert answer.status_code == 302 and answer.headers["Location"] == "/tasks?q=official"
    assert task_by_key(store, "accounts.bind_official").status == "done"
