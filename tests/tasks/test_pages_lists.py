"""Task lists on the pages: filters and search, bulk actions, changing a row in place,
quick add per phase, the comment thread, keyboard shortcuts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.activity.models import Activity
from tracker.clock import local_today
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task

US_ZONE = "America/Los_Angeles"


def _text(response) -> str:
    return response.get_data(as_text=True)


def _day(n: int):
    return local_today(US_ZONE) + timedelta(days=n)


@pytest.fixture
def manager(make_user):
    return make_user("manager", name="Mia Chen")


@pytest.fixture
def member(make_user):
    return make_user("member", name="Leo Wang", email="leo@example.com")


@pytest.fixture
def store(make_store, manager, member):
    return make_store(actor=manager, members=(member,), opened_on=_day(-10).isoformat())


def task_by_key(store, key: str) -> Task:
    db.session.rollback()
    return db.session.scalars(select(Task).where(Task.store_id == store.id, Task.key == key)).one()


def row_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="task[^"]*" id="task-(\d+)"', page)]


def test_the_plan_filters_by_text_and_critical_and_clears(client, login, manager, store):
    login(manager)
    everything = row_ids(_text(client.get(f"/stores/{store.id}")))
    official = task_by_key(store, "accounts.bind_official")
    word = official.title.split()[-1]
    searched = _text(client.get(f"/stores/{store.id}", query_string={"q": word}))
    assert official.id in row_ids(searched)
    assert len(row_ids(searched)) < len(everything)
    assert "Clear filters" in searched
    critical = row_ids(_text(client.get(f"/stores/{store.id}?critical=true&q=&assignee=")))
    db.session.rollback()
    assert critical and all(db.session.get(Task, i).critical for i in critical)
    nothing = _text(client.get(f"/stores/{store.id}", query_string={"q": "qwertyuiop"}))
    assert row_ids(nothing) == []


def test_a_bad_filter_is_said_and_the_whole_plan_shown(client, login, manager, store):
    login(manager)
    page = _text(client.get(f"/stores/{store.id}?status=retired", follow_redirects=True))
    assert 'class="flash error"' in page
    assert row_ids(page)


def test_my_tasks_and_all_tasks_filter_to_locked_work(client, login, manager, store):
    login(manager)
    locked = task_by_key(store, "accounts.bind_channel")
    page = _text(client.get("/tasks", query_string={"status": "locked"}))
    assert locked.id in row_ids(page)
    assert 'data-status="open"' not in page and 'data-status="done"' not in page
    mine = _text(client.get("/my-tasks", query_string={"unassigned": "1", "q": "qwertyuiop"}))
    assert row_ids(mine) == []


def test_all_tasks_pages_with_a_more_link(client, login, manager, store):
    login(manager)
    first = _text(client.get("/tasks", query_string={"limit": "5"}))
    assert len(row_ids(first)) == 5
    more = re.search(r'href="([^"]+)"[^>]*rel="next"', first)
    assert more
    second = _text(client.get(more.group(1).replace("&amp;", "&")))
    assert len(row_ids(second)) == 5 and not set(row_ids(second)) & set(row_ids(first))


def test_bulk_tick_from_the_plan_says_what_was_refused(client, login, manager, store):
    login(manager)
    free = task_by_key(store, "accounts.bind_official")
    locked = task_by_key(store, "accounts.bind_channel")
    back = f"/stores/{store.id}"
    response = client.post(
        "/tasks/bulk",
        data={"ids": [str(free.id), str(locked.id)], "action": "complete", "next": back},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    page = _text(client.get(back))
    assert "1 task changed." in page
    assert f"{locked.title}: This task is locked" in page
    assert task_by_key(store, "accounts.bind_official").status == "done"
    assert task_by_key(store, "accounts.bind_channel").status == "open"
    assert 'form="bulk"' in page and 'id="bulk"' in page


def test_bulk_assign_from_my_tasks(client, login, manager, member, store):
    login(manager)
    tasks = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.status == "open").limit(2)
    ).all()
    client.post(
        "/tasks/bulk",
        data={
            "ids": [str(t.id) for t in tasks],
            "action": "assign",
            "assignee_id": str(member.id),
        },
    )
    db.session.rollback()
    assert {db.session.get(Task, t.id).assignee_id for t in tasks} == {member.id}


def test_a_bulk_action_with_nothing_chosen_says_so_in_words(client, login, manager, store):
    """Found on review: it said "ids: is required"."""
    login(manager)
    page = _text(client.post("/tasks/bulk", data={"action": "complete"}, follow_redirects=True))
    said = page.split('class="flash error"', 1)[1].split("</div>", 1)[0]
    assert "ids" not in said
    assert "Choose the tasks first" in said


def test_a_bulk_assignment_refused_for_a_task_names_the_field_in_words(
    client, login, manager, store, make_user
):
    """Found on review: it said "assignee_id: … does not work on this store"."""
    outsider = make_user("member", name="Cy Outside")
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    page = _text(
        client.post(
            "/tasks/bulk",
            data={"ids": [str(task.id)], "action": "assign", "assignee_id": str(outsider.id)},
            follow_redirects=True,
        )
    )
    said = page.split('class="flash error"', 1)[1].split("</div>", 1)[0]
    assert "assignee_id" not in said
    assert "Who does it: Cy Outside does not work on this store" in said


def test_changing_the_due_date_in_the_row_answers_the_new_row_and_logs_it(
    client, login, manager, member, store
):
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    new_day = _day(6)
    response = client.post(
        f"/tasks/{task.id}/change",
        data={"due_on": new_day.isoformat(), "assignee_id": str(member.id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    row = _text(response)
    assert row.startswith("<li") or row.lstrip().startswith("<li")
    assert "Leo Wang" in row
    moved = task_by_key(store, "accounts.bind_official")
    assert moved.due_on == new_day and moved.due_on_by_hand and moved.assignee_id == member.id
    kinds = set(db.session.scalars(select(Activity.kind).where(Activity.task_id == task.id)))
    assert {"due_moved", "assigned"} <= kinds
    bad = client.post(
        f"/tasks/{task.id}/change", data={"due_on": "next week"}, headers={"HX-Request": "1"}
    )
    assert 'role="alert"' in _text(bad)
    assert task_by_key(store, "accounts.bind_official").due_on == new_day


def test_a_moved_date_shows_as_kept_in_the_regeneration_preview(client, login, manager, store):
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    client.post(f"/tasks/{task.id}/change", data={"due_on": _day(8).isoformat()})
    form = {
        "name": store.name,
        "market": "US",
        "entity": "CN",
        "store_type": "",
        "opened_on": _day(-3).isoformat(),
        "categories": ["beauty"],
        "model": "pop",
        "action": "preview",
    }
    preview = _text(client.post(f"/stores/{store.id}/edit", data=form))
    assert "Kept where they were set by hand (1)" in preview


def test_quick_add_in_a_phase_is_due_today_when_no_date_is_given(client, login, manager, store):
    login(manager)
    page = _text(client.get(f"/stores/{store.id}"))
    assert 'class="quick-add"' in page
    client.post(f"/stores/{store.id}/tasks", data={"title": "Call the agency", "phase": "routine"})
    db.session.rollback()
    task = db.session.scalar(select(Task).where(Task.title == "Call the agency"))
    assert task is not None and task.phase == "routine"
    assert task.due_on == local_today(store.zone)


def test_a_comment_shows_in_the_thread_with_its_link_and_reminds_the_person_named(
    client, login, manager, member, store
):
    login(manager)
    task = task_by_key(store, "accounts.bind_official")
    response = client.post(
        f"/tasks/{task.id}/comments",
        data={"body": "@leo see https://example.com/proof.png <b>now</b>"},
    )
    assert response.status_code == 302
    page = _text(client.get(f"/tasks/{task.id}"))
    assert "reminded Leo Wang" in page
    assert '<a href="https://example.com/proof.png" rel="nofollow noopener">' in page
    assert "&lt;b&gt;now&lt;/b&gt;" in page
    assert "Mia Chen" in page
    db.session.rollback()
    assert db.session.scalars(select(Reminder.user_id).where(Reminder.kind == "mention")).all()
    empty = client.post(f"/tasks/{task.id}/comments", data={"body": " "})
    assert empty.status_code == 400 and 'id="body-error"' in _text(empty)


def test_pages_load_the_keyboard_shortcuts_and_their_help(client, login, manager, store):
    login(manager)
    page = _text(client.get(f"/stores/{store.id}"))
    assert "/static/shortcuts.js" in page and 'id="shortcuts-help"' in page
    assert "<script>" not in page
    script = client.get("/static/shortcuts.js")
    assert script.status_code == 200 and b"shortcuts-help" in script.data
    script.close()


def test_a_bulk_refusal_for_another_stores_task_does_not_name_it(
    client, login, make_store, manager, member, store
):
    elsewhere = make_store(actor=manager, name="Not Leo's", opened_on=_day(-10).isoformat())
    hidden = db.session.scalars(
        select(Task).where(Task.store_id == elsewhere.id, Task.critical.is_(False))
    ).first()
    hidden.title = "Secret supplier call"
    db.session.commit()
    login(member)
    page = _text(
        client.post(
            "/tasks/bulk",
            data={"ids": [str(hidden.id)], "action": "complete"},
            follow_redirects=True,
        )
    )
    assert f"#{hidden.id}" in page and "Secret supplier call" not in page
    db.session.rollback()
    assert db.session.get(Task, hidden.id).status == "open"
