"""One digest a day per person, in the store's day, with absolute links."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tracker.extensions import db
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.services import add_channel, update_preferences
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders
from tracker.tasks.services import add_custom_task

FAST = DispatchSettings(
    lease_seconds=30,
    max_attempts=3,
    backoff_seconds=0,
    batch_size=100,
    allow_private_targets=True,  # the sink listens on 127.0.0.1
)
BASE = "http://127.0.0.1:5000"


def _rows(person_id: int, inbox_only: bool = True) -> list[Reminder]:
    query = select(Reminder).where(Reminder.user_id == person_id).order_by(Reminder.id)
    if inbox_only:
        query = query.where(Reminder.channel_id.is_(None))
    db.session.expire_all()
    return list(db.session.scalars(query))


def test_a_new_person_gets_one_digest_for_three_stores_opened_in_the_past(
    app, make_user, make_store, catalog, sink
):
    manager = make_user(timezone="Asia/Shanghai")
    add_channel(manager, "webhook", sink.url)
    db.session.commit()
    for name, market in (("Sunny US", "US"), ("Sunny UK", "UK"), ("Sunny MY", "MY")):
        make_store(name=name, market=market, opened_on="2026-10-01", today=date(2026, 12, 3))

    # 08:00 in Shanghai, the default digest time, on the day after.
    queue_reminders(catalog, now=datetime(2026, 12, 4, 0, 0, tzinfo=UTC))
    db.session.commit()

    rows = _rows(manager.id, inbox_only=False)
    assert [row.kind for row in rows] == ["digest", "digest"]  # the inbox and the webhook
    dispatch_due(FAST, now=lambda: datetime(2026, 12, 4, 0, 1, tzinfo=UTC))
    [body] = sink.bodies
    # Grouped by store, each task with its absolute link.
    for name in ("Sunny US", "Sunny UK", "Sunny MY"):
        assert f"\n{name}\n" in body["text"] or body["text"].startswith(f"{name}\n")
    assert body["url"] == f"{BASE}/my-tasks"
    assert body["tasks"] and all(
        task["url"] == f"{BASE}/tasks/{task['id']}" for task in body["tasks"]
    )
    assert f"{BASE}/tasks/{body['tasks'][0]['id']}" in body["text"]


def test_a_task_due_today_in_los_angeles_is_not_overdue_for_a_reader_in_shanghai(
    app, make_user, make_store, catalog
):
    manager = make_user(timezone="Asia/Shanghai")
    update_preferences(manager, {"digest": False})  # single reminders: the 'Overdue' case
    store = make_store(name="Sunny LA", opened_on="2026-12-03", today=date(2026, 12, 3))
    task = add_custom_task(
        store, {"title": "Photograph the lip tints", "due_on": "2026-12-03"}, catalog, manager
    )
    db.session.commit()
    # 09:00 on 4 December in Shanghai is still 3 December (17:00) in Los Angeles.
    queue_reminders(catalog, now=datetime(2026, 12, 4, 1, 0, tzinfo=UTC))
    db.session.commit()
    texts = [row.subject for row in _rows(manager.id)]
    assert not any("Overdue" in text for text in texts), texts
    assert db.session.get(Task, task.id).status == "open"


def test_the_digest_counts_each_task_in_its_stores_day(app, make_user, make_store, catalog):
    manager = make_user(timezone="Asia/Shanghai")
    store = make_store(name="Sunny LA", opened_on="2026-12-03", today=date(2026, 12, 3))
    add_custom_task(
        store, {"title": "Photograph the lip tints", "due_on": "2026-12-03"}, catalog, manager
    )
    db.session.commit()
    queue_reminders(catalog, now=datetime(2026, 12, 4, 0, 0, tzinfo=UTC))  # 08:00 Shanghai
    db.session.commit()
    [digest] = [row for row in _rows(manager.id) if row.kind == "digest"]
    today_part = digest.text.split("Due today")[1]
    assert "Photograph the lip tints" in today_part.split("This week")[0]
    assert "Photograph the lip tints" not in digest.text.split("Due today")[0]


def test_a_person_who_chooses_immediate_reminders_gets_no_digest(
    app, make_user, make_store, catalog
):
    member = make_user(role="member", timezone="America/Los_Angeles")
    update_preferences(member, {"digest": False})
    manager = make_user()
    store = make_store(
        actor=manager, members=(member,), opened_on="2026-12-01", today=date(2026, 12, 1)
    )
    add_custom_task(
        store,
        {"title": "Send the samples", "due_on": "2026-12-04", "assignee_id": member.id},
        catalog,
        manager,
    )
    db.session.commit()
    # 09:00 in Los Angeles on 3 December: one day before.
    queue_reminders(catalog, now=datetime(2026, 12, 3, 17, 0, tzinfo=UTC))
    db.session.commit()
    rows = _rows(member.id)
    assert "digest" not in {row.kind for row in rows}
    [single] = [row for row in rows if "Send the samples" in row.subject]
    assert f"{BASE}/tasks/{single.task_id}" in single.text
