"""The inbox over the API: a person reads and dismisses their own reminders, never anyone else's."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from tests.reminders.test_dispatch import FAST
from tracker.extensions import db
from tracker.reminders.dispatch import dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task, remove_member

INBOX = "/api/v1/inbox"


def _open_tasks(store, count: int = 2) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.store_id == store.id, Task.status == "open", Task.gate.is_(None))
            .order_by(Task.due_on, Task.id)
            .limit(count)
        )
    )


def _remind(person, store, tasks, key: str, subject: str = "Your tasks: 2 overdue") -> Reminder:
    """Queue one reminder to ``person`` and deliver it to their inbox."""
    queue_now([person], "digest", key, subject, "Open it", store=store, tasks=tasks)
    db.session.commit()
    dispatch_due(FAST)
    return db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == person.id, Reminder.channel_id.is_(None))
        .order_by(Reminder.id.desc())
    ).first()


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.fixture
def team(make_user, make_store):
    manager = make_user(name="Ana")
    member = make_user(role="member", name="Bo")
    store = make_store(actor=manager, members=(member,), opened_on="2026-10-01")
    return manager, member, store


def test_each_person_sees_only_their_own_reminders_newest_first(team, api_as):
    manager, member, store = team
    first, second = _open_tasks(store)
    older = _remind(member, store, [first, second], "one")
    newer = _remind(member, store, [first], "two", subject="Due tomorrow")
    managers = _remind(manager, store, [second], "three", subject="Only for Ana")

    page = api_as(member).get(INBOX)
    assert page.status_code == 200
    body = page.get_json()
    assert [item["id"] for item in body["items"]] == [newer.id, older.id]
    assert body["next_cursor"] is None
    latest = body["items"][0]
    assert latest["kind"] == "digest" and latest["subject"] == "Due tomorrow"
    assert latest["read"] is False and latest["read_at"] is None
    assert latest["dismissed"] is False
    assert latest["queued_at"] and latest["sent_at"]
    assert latest["store"] == {"id": store.id, "name": store.name}
    [task] = latest["tasks"]
    assert task["id"] == first.id and task["title"] == first.title
    assert task["store"] == {"id": store.id, "name": store.name}
    assert task["url"].startswith("http") and task["url"].endswith(f"/tasks/{first.id}")
    assert task["status"] == "open" and task["due_on"] == first.due_on.isoformat()

    # A manager sees every store, but still only their own reminders.
    theirs = api_as(manager).get(INBOX).get_json()
    assert [item["id"] for item in theirs["items"]] == [managers.id]


def test_a_task_done_since_says_so_and_one_on_a_store_left_since_is_gone(team, api_as):
    manager, member, store = team
    first, second = _open_tasks(store)
    _remind(member, store, [first, second], "one")
    complete_task(second.id, manager)
    db.session.commit()
    [entry] = api_as(member).get(INBOX).get_json()["items"]
    statuses = {task["id"]: task["status"] for task in entry["tasks"]}
    assert statuses == {first.id: "open", second.id: "done"}

    remove_member(store, member, actor=manager)
    db.session.commit()
    [entry] = api_as(member).get(INBOX).get_json()["items"]
    # Still the reminder as it was sent, but nothing of the store as it is now.
    assert {t["status"] for t in entry["tasks"]} == {"gone"}
    assert [t["title"] for t in entry["tasks"]] == [first.title, second.title]


def test_reading_the_list_marks_nothing_read_and_read_marks_all_read(team, api_as):
    _, member, store = team
    [task] = _open_tasks(store, 1)
    one = _remind(member, store, [task], "one")
    two = _remind(member, store, [task], "two")
    api = api_as(member)
    api.get(INBOX)
    unread = api.get(f"{INBOX}?unread=true").get_json()
    assert [item["id"] for item in unread["items"]] == [two.id, one.id]

    marked = api.post(f"{INBOX}/read")
    assert marked.status_code == 200 and marked.get_json() == {"marked_read": 2}
    assert api.get(f"{INBOX}?unread=true").get_json() == {"items": [], "next_cursor": None}
    everything = api.get(f"{INBOX}?unread=false").get_json()["items"]
    assert [item["read"] for item in everything] == [True, True]
    assert all(item["read_at"] for item in everything)
    # Committed: the database says so outside the request too.
    db.session.expire_all()
    assert db.session.get(Reminder, one.id).read_at is not None
    assert api.post(f"{INBOX}/read").get_json() == {"marked_read": 0}


def test_the_inbox_pages_by_cursor_without_gaps_or_repeats(team, api_as):
    _, member, store = team
    [task] = _open_tasks(store, 1)
    sent = [_remind(member, store, [task], f"r{n}").id for n in range(5)]
    api = api_as(member)
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(INBOX, query_string=query).get_json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(sent, reverse=True) and pages == 3
    # The unread filter holds across pages.
    api.post(f"{INBOX}/read")
    newest = _remind(member, store, [task], "r5")
    first = api.get(INBOX, query_string={"limit": 1, "unread": "true"}).get_json()
    assert [item["id"] for item in first["items"]] == [newest.id]
    assert first["next_cursor"] is None


def test_dismissing_takes_it_out_of_the_inbox_and_again_changes_nothing(team, api_as):
    _, member, store = team
    [task] = _open_tasks(store, 1)
    kept = _remind(member, store, [task], "kept")
    entry = _remind(member, store, [task], "gone")
    api = api_as(member)

    answer = api.post(f"{INBOX}/{entry.id}/dismiss")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["id"] == entry.id and body["dismissed"] is True and body["read"] is True
    assert [item["id"] for item in api.get(INBOX).get_json()["items"]] == [kept.id]
    db.session.expire_all()
    assert db.session.get(Reminder, entry.id).state == "dismissed"

    again = api.post(f"{INBOX}/{entry.id}/dismiss")
    assert again.status_code == 200 and again.get_json() == body


def test_no_one_can_dismiss_anothers_reminder_and_it_answers_as_a_missing_one(team, api_as):
    manager, member, store = team
    [task] = _open_tasks(store, 1)
    members = _remind(member, store, [task], "theirs")
    managers = _remind(manager, store, [task], "mine")
    missing = managers.id + 1000

    for caller, other in ((manager, members), (member, managers)):
        api = api_as(caller)
        refused = api.post(f"{INBOX}/{other.id}/dismiss")
        absent = api.post(f"{INBOX}/{missing}/dismiss")
        assert refused.status_code == absent.status_code == 404
        said, said_missing = refused.get_json()["error"], absent.get_json()["error"]
        assert said["code"] == said_missing["code"] == "not_found"
        assert said["message"].replace(str(other.id), "N") == said_missing["message"].replace(
            str(missing), "N"
        )
    db.session.expire_all()
    assert {db.session.get(Reminder, r.id).state for r in (members, managers)} == {"sent"}
    assert [item["id"] for item in api_as(member).get(INBOX).get_json()["items"]] == [members.id]


@pytest.mark.parametrize("reminder_id", ["0", "2147483648", "99999999999999999999999"])
def test_an_id_no_reminder_can_have_answers_404(team, api_as, reminder_id):
    _, member, _ = team
    answer = api_as(member).post(f"{INBOX}/{reminder_id}/dismiss")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("reminder_id", ["abc", "-1", "1.5"])
def test_an_id_that_is_not_a_number_answers_404(team, api_as, reminder_id):
    _, member, _ = team
    answer = api_as(member).post(f"{INBOX}/{reminder_id}/dismiss")
    assert answer.status_code == 404 and "error" in answer.get_json()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "zz"}, "cursor"),
        ({"cursor": _cursor(["x"])}, "cursor"),
        ({"cursor": _cursor([0])}, "cursor"),
        ({"cursor": _cursor([2**40])}, "cursor"),
        ({"cursor": _cursor([True])}, "cursor"),
        ({"cursor": _cursor([1, 2])}, "cursor"),
        ({"cursor": _cursor({"id": 1})}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"unread": "maybe"}, "unread"),
        ({"store_id": "1"}, "store_id"),
    ],
)
def test_a_bad_page_or_filter_answers_400_naming_it(team, api_as, query, field):
    _, member, _ = team
    answer = api_as(member).get(INBOX, query_string=query)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == field


def test_the_inbox_needs_a_token(client):
    assert client.get(INBOX).status_code == 401
    assert client.post(f"{INBOX}/1/dismiss").status_code == 401
    assert client.post(f"{INBOX}/read").status_code == 401


def test_a_longer_inbox_costs_no_more_statements(team, api_as, make_store, count_queries):
    manager, member, store = team
    other = make_store(actor=manager, members=(member,), opened_on="2026-10-05")
    api = api_as(member)
    _remind(member, store, _open_tasks(store), "first")
    api.get(INBOX)  # the token's first use is noted once
    with count_queries() as short:
        assert len(api.get(INBOX).get_json()["items"]) == 1
    for n in range(4):
        _remind(member, other if n % 2 else store, _open_tasks(other if n % 2 else store), f"r{n}")
    with count_queries() as longer:
        assert len(api.get(INBOX).get_json()["items"]) == 5
    assert _reads(longer) == _reads(short)


def _reads(counter) -> int:
    # Leave out the token's last use, noted at most once a minute whatever the inbox holds.
    noted = "UPDATE api_tokens"
    return sum(1 for statement in counter.statements if not statement.startswith(noted))
