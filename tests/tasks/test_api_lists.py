"""Task lists through the API: search and filters, pages, bulk actions, moving, comments."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tracker.activity.models import Activity
from tracker.clock import local_today
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task

US_ZONE = "America/Los_Angeles"


def days(n: int) -> str:
    return (local_today(US_ZONE) + timedelta(days=n)).isoformat()


@pytest.fixture
def manager(make_user):
    return make_user("manager", name="Mia Chen")


@pytest.fixture
def member(make_user):
    return make_user("member", name="Leo Wang", email="leo@example.com")


@pytest.fixture
def store(make_store, manager, member):
    """A US store opened ten days ago, with ``member`` on it."""
    return make_store(actor=manager, members=(member,), opened_on=days(-10))


@pytest.fixture
def other_store(make_store, manager):
    return make_store(actor=manager, name="Someone Else's Store", opened_on=days(-10))


@pytest.fixture
def as_manager(api_as, manager):
    return api_as(manager)


@pytest.fixture
def as_member(api_as, member):
    return api_as(member)


def listed(api, **query: Any) -> dict[str, Any]:
    response = api.get("/api/v1/tasks", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def every_item(api, **query: Any) -> list[dict[str, Any]]:
    """Follow next_cursor to the end."""
    items, cursor = [], None
    while True:
        page = listed(api, **query, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def key_id(api, store_id: int, key: str) -> int:
    tasks = api.get(f"/api/v1/stores/{store_id}/tasks").get_json()
    return next(task["id"] for task in tasks if task["key"] == key)


# --- search, filters, pages ---------------------------------------------------------------------


def test_tasks_page_by_cursor_without_gaps_or_repeats(as_manager, store, other_store):
    everything = as_manager.get(f"/api/v1/stores/{store.id}/tasks").get_json()
    first = listed(as_manager, store_id=store.id, limit=7)
    assert len(first["items"]) == 7 and first["next_cursor"]
    paged = every_item(as_manager, store_id=store.id, limit=7)
    assert [task["id"] for task in paged] == [task["id"] for task in everything]
    dues = [task["due_on"] for task in paged]
    assert dues == sorted(dues)
    both = every_item(as_manager, limit=200)
    assert {task["store_id"] for task in both} == {store.id, other_store.id}


def test_a_member_lists_only_their_own_stores_tasks(as_member, store, other_store):
    items = every_item(as_member, limit=200)
    assert items and {task["store_id"] for task in items} == {store.id}
    assert listed(as_member, store_id=other_store.id)["items"] == []


def test_filters_by_status_critical_assignee_and_due_date(as_manager, store, member, manager):
    locked = every_item(as_manager, store_id=store.id, status="locked")
    assert locked and all(task["status"] == "locked" for task in locked)
    assert "accounts.bind_channel" in {task["key"] for task in locked}
    opened = every_item(as_manager, store_id=store.id, status="open")
    assert opened and all(task["status"] == "open" for task in opened)
    critical = every_item(as_manager, store_id=store.id, critical="true")
    assert critical and all(task["critical"] for task in critical)
    cutoff = days(3)
    assert all(t["due_on"] < cutoff for t in every_item(as_manager, due_before=cutoff))

    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    as_manager.patch(f"/api/v1/tasks/{task_id}", json={"assignee_id": member.id})
    assert [t["id"] for t in every_item(as_manager, assignee=member.id)] == [task_id]
    assert task_id not in {t["id"] for t in every_item(as_manager, assignee="none")}
    assert all(t["assignee_id"] is None for t in every_item(as_manager, assignee="none"))
    assert every_item(as_manager, assignee="me") == []


def test_text_search_finds_words_in_titles_notes_and_comments(as_manager, store):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    title = as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["title"]
    word = title.split()[-1]
    found = every_item(as_manager, q=word.upper(), store_id=store.id)
    assert task_id in {t["id"] for t in found}
    assert all(word.casefold() in (t["title"] + t["description"]).casefold() for t in found)

    as_manager.patch(f"/api/v1/tasks/{task_id}", json={"note": "waiting for the zebra licence"})
    assert [t["id"] for t in every_item(as_manager, q="zebra")] == [task_id]
    other = key_id(as_manager, store.id, "accounts.bind_channel")
    as_manager.post(f"/api/v1/tasks/{other}/comments", json={"body": "The walrus form is in"})
    assert [t["id"] for t in every_item(as_manager, q="walrus form")] == [other]
    # Wildcards are text, not patterns.
    percent = every_item(as_manager, q="%")
    assert all("%" in t["title"] + t["description"] + t["note"] for t in percent)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"status": "retired"}, "status"),
        ({"assignee": "someone"}, "assignee"),
        ({"critical": "yes"}, "critical"),
        ({"due_before": "soon"}, "due_before"),
        ({"cursor": "not-a-cursor!"}, "cursor"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_filter_answers_400_naming_it(as_manager, store, query, field):
    response = as_manager.get("/api/v1/tasks", query_string=query)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field


# --- bulk ---------------------------------------------------------------------------------------


def test_bulk_tick_does_the_free_ones_and_refuses_a_locked_one_with_its_reason(as_manager, store):
    free = key_id(as_manager, store.id, "accounts.bind_official")
    locked = key_id(as_manager, store.id, "accounts.bind_channel")
    response = as_manager.post(
        "/api/v1/tasks/bulk", json={"ids": [free, locked, 999_999], "action": "complete"}
    )
    assert response.status_code == 200, response.get_json()
    results = {row["id"]: row for row in response.get_json()["results"]}
    assert results[free] == {"id": free, "status": "done"}
    assert results[locked]["error"]["code"] == "task_locked"
    assert "locked" in results[locked]["error"]["message"]
    assert results[999_999]["error"]["code"] == "not_found"
    assert as_manager.get(f"/api/v1/tasks/{free}").get_json()["status"] == "done"
    assert as_manager.get(f"/api/v1/tasks/{locked}").get_json()["status"] == "locked"

    again = as_manager.post("/api/v1/tasks/bulk", json={"ids": [free], "action": "reopen"})
    assert again.get_json()["results"] == [{"id": free, "status": "open"}]


def test_bulk_assign_gives_several_tasks_to_one_person(as_manager, store, member):
    ids = [t["id"] for t in listed(as_manager, store_id=store.id, status="open", limit=3)["items"]]
    response = as_manager.post(
        "/api/v1/tasks/bulk", json={"ids": ids, "action": "assign", "assignee_id": member.id}
    )
    assert all("status" in row for row in response.get_json()["results"])
    assert {t["id"] for t in every_item(as_manager, assignee=member.id)} == set(ids)


def test_a_member_cannot_bulk_act_on_another_stores_tasks(as_member, as_manager, other_store):
    task_id = key_id(as_manager, other_store.id, "accounts.bind_official")
    response = as_member.post("/api/v1/tasks/bulk", json={"ids": [task_id], "action": "complete"})
    assert response.get_json()["results"][0]["error"]["code"] == "not_found"
    assert as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["status"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": [], "action": "complete"}, "ids"),
        ({"ids": [1], "action": "explode"}, "action"),
        ({"ids": ["one"], "action": "complete"}, "ids"),
        ({"ids": [1], "action": "assign"}, "assignee_id"),
        ({"action": "complete"}, "ids"),
    ],
)
def test_a_bad_bulk_body_answers_400_naming_the_field(as_manager, store, body, field):
    response = as_manager.post("/api/v1/tasks/bulk", json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field


# --- moving a due date by hand ------------------------------------------------------------------


def test_a_due_date_moved_by_hand_is_logged_and_kept_by_regeneration(as_manager, store):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    before = as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["due_on"]
    response = as_manager.patch(f"/api/v1/tasks/{task_id}", json={"due_on": days(5)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["due_on"] == days(5)
    log = as_manager.get(f"/api/v1/tasks/{task_id}/activity").get_json()
    assert log[0]["kind"] == "due_moved"
    assert before in log[0]["message"] and days(5) in log[0]["message"]

    # A new opening date would move this task; the date set by hand stays.
    changed = as_manager.patch(f"/api/v1/stores/{store.id}", json={"opened_on": days(-3)})
    assert changed.status_code == 200, changed.get_json()
    assert as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["due_on"] == days(5)


def test_a_bad_due_date_is_refused_naming_it(as_manager, store):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    response = as_manager.patch(f"/api/v1/tasks/{task_id}", json={"due_on": "tomorrow"})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "due_on"


@pytest.mark.parametrize("day", ["1999-01-01", "opened-1"], ids=["decades ago", "eve of opening"])
def test_a_due_date_before_the_store_opened_is_refused_and_changes_nothing(as_manager, store, day):
    """Found on review: "1999-01-01" was taken ("10199 days overdue"), and squashed the
    store's burndown chart into a line from 1999."""
    if day == "opened-1":
        day = days(-11)
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    before = as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["due_on"]
    response = as_manager.patch(f"/api/v1/tasks/{task_id}", json={"due_on": day})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "due_on"
    assert f"is before the store opened ({days(-10)})" in error["message"]
    assert as_manager.get(f"/api/v1/tasks/{task_id}").get_json()["due_on"] == before
    added = as_manager.post(
        f"/api/v1/stores/{store.id}/tasks", json={"title": "Old work", "due_on": day}
    )
    assert added.status_code == 400
    assert added.get_json()["error"]["field"] == "due_on"


def test_work_before_launch_may_fall_due_before_opening_and_a_shown_date_is_not_checked(
    as_manager, store, member
):
    """Review mend: seeds/phases.toml lets work before launch fall due before the store
    opens, and a row's form sends back the date it showed: assigning a task already due
    before opening (its store's opening date edited since) must not be refused for it."""
    added = as_manager.post(
        f"/api/v1/stores/{store.id}/tasks",
        json={"title": "Order samples", "phase": "pre_launch", "due_on": days(-20)},
    )
    assert added.status_code == 201, added.get_json()
    task_id = added.get_json()["id"]
    same = as_manager.patch(
        f"/api/v1/tasks/{task_id}", json={"due_on": days(-20), "assignee_id": member.id}
    )
    assert same.status_code == 200, same.get_json()
    moved = as_manager.patch(f"/api/v1/tasks/{task_id}", json={"due_on": days(-15)})
    assert moved.status_code == 200, moved.get_json()


def test_a_task_added_without_a_date_to_a_store_not_open_yet_is_due_on_its_opening_day(
    as_manager, make_store, manager
):
    later = make_store(actor=manager, name="Opens Later", opened_on=days(20))
    added = as_manager.post(f"/api/v1/stores/{later.id}/tasks", json={"title": "Check stock"})
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["due_on"] == days(20)


def test_a_due_date_on_the_opening_day_is_taken(as_manager, store):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    response = as_manager.patch(f"/api/v1/tasks/{task_id}", json={"due_on": days(-10)})
    assert response.status_code == 200, response.get_json()


# --- comments -----------------------------------------------------------------------------------


def test_a_comment_with_a_mention_reminds_the_person_named(as_manager, store, member, manager):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    response = as_manager.post(
        f"/api/v1/tasks/{task_id}/comments",
        json={"body": "@leo can you do this today? Proof: https://example.com/shot.png"},
    )
    assert response.status_code == 201, response.get_json()
    comment = response.get_json()
    assert comment["by"] == manager.email
    assert comment["mentioned"] == [member.email]
    thread = as_manager.get(f"/api/v1/tasks/{task_id}/comments").get_json()
    assert [c["body"] for c in thread] == [comment["body"]]
    db.session.rollback()
    reminders = db.session.scalars(select(Reminder).where(Reminder.kind == "mention")).all()
    assert reminders and {r.user_id for r in reminders} == {member.id}
    assert all(r.task_id == task_id for r in reminders)
    assert "Mia Chen" in reminders[0].subject


def test_a_mention_by_full_name_or_email_works_and_nobody_else_is_reminded(
    as_member, store, manager
):
    task_id = key_id(as_member, store.id, "accounts.bind_official")
    as_member.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "Asking @Mia Chen"})
    as_member.post(f"/api/v1/tasks/{task_id}/comments", json={"body": f"cc @{manager.email}"})
    as_member.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "no one @nobody"})
    db.session.rollback()
    reminded = db.session.scalars(select(Reminder.user_id).where(Reminder.kind == "mention"))
    assert set(reminded) == {manager.id}


def test_an_empty_comment_is_refused(as_manager, store):
    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    response = as_manager.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "   "})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "body"
    db.session.rollback()
    kinds = db.session.scalars(select(Activity.kind).where(Activity.task_id == task_id))
    assert "commented" not in set(kinds)


def test_a_task_added_without_a_due_date_is_due_on_the_stores_today(as_manager, store):
    response = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json={"title": "Quick one"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["due_on"] == local_today(store.zone).isoformat()
    assert isinstance(date.fromisoformat(response.get_json()["due_on"]), date)
    db.session.rollback()
    assert db.session.scalar(select(Task).where(Task.title == "Quick one")) is not None


def test_ids_no_column_can_hold_find_nothing_rather_than_fail(as_manager, store):
    for query in ({"store_id": "2147483648"}, {"assignee": "99999999999"}):
        assert listed(as_manager, **query) == {"items": [], "next_cursor": None}


# --- the plain lists, paged on request ----------------------------------------------------------


def _follow(api, path: str, limit: int) -> tuple[list[Any], int]:
    """Every row of a plain list, page by page through its Link headers; and the page count."""
    rows, pages, url = [], 0, f"{path}?limit={limit}"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.get_json()
        rows += response.get_json()
        pages += 1
        link = response.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
        assert link is None or link.endswith('rel="next"')
    return rows, pages


def test_the_store_lists_stay_plain_lists_and_page_on_request(as_manager, store):
    whole = as_manager.get(f"/api/v1/stores/{store.id}/tasks")
    assert isinstance(whole.get_json(), list) and "Link" not in whole.headers
    paged, pages = _follow(as_manager, f"/api/v1/stores/{store.id}/tasks", 10)
    assert [t["id"] for t in paged] == [t["id"] for t in whole.get_json()]
    assert pages == -(-len(paged) // 10)

    task_id = key_id(as_manager, store.id, "accounts.bind_official")
    for n in range(3):
        as_manager.post(f"/api/v1/tasks/{task_id}/comments", json={"body": f"note {n}"})
        as_manager.patch(f"/api/v1/tasks/{task_id}", json={"note": f"note {n}"})
    for path in (
        f"/api/v1/tasks/{task_id}/comments",
        f"/api/v1/tasks/{task_id}/activity",
        f"/api/v1/stores/{store.id}/activity",
        "/api/v1/stores",
    ):
        whole = as_manager.get(path).get_json()
        paged, _ = _follow(as_manager, path, 2)
        assert [row["id"] for row in paged] == [row["id"] for row in whole], path


@pytest.mark.parametrize("query", ["limit=0", "limit=x", "limit=201", "cursor=zz", "cursor=WzFd"])
def test_a_bad_page_argument_answers_400(as_manager, store, query):
    response = as_manager.get(f"/api/v1/stores/{store.id}/tasks?{query}")
    assert response.status_code == 400, response.get_json()
