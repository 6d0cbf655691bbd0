"""Which reminders are queued for whom, and when, in each person's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.playbook.catalog import STOCK_UP_ANCHORS
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.reminders.services import add_channel, update_preferences
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders
from tracker.tasks.services import add_custom_task


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _local(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _kinds(person_id: int, task_id: int | None = None) -> list[str]:
    query = select(Reminder.kind).where(
        Reminder.user_id == person_id, Reminder.channel_id.is_(None)
    )
    if task_id is not None:
        query = query.where(Reminder.task_id == task_id)
    return sorted(db.session.scalars(query))


@pytest.fixture
def errand(make_user, make_store, catalog):
    """A task due on a given day, given to a member living in a given zone."""

    def make(due_on: date, zone: str, **preferences):
        manager = make_user()
        person = make_user(role="member", timezone=zone)
        # These tests are about single reminders, which a person chooses over the digest.
        update_preferences(person, {"digest": False, **preferences})
        # Open by the day the task is due: no task falls due before its store opened.
        opened_on = min(due_on, date(2026, 11, 2)).isoformat()
        store = make_store(actor=manager, members=(person,), opened_on=opened_on)
        task = add_custom_task(
            store,
            {"title": "Send the samples", "due_on": due_on.isoformat(), "assignee_id": person.id},
            catalog,
            manager,
        )
        db.session.commit()
        return person, task

    return make


@pytest.mark.parametrize(
    ("zone", "reminder_day", "utc_hour"),
    [
        ("America/New_York", date(2026, 3, 8), 13),  # DST begins: 09:00 EDT
        ("America/New_York", date(2026, 11, 1), 14),  # DST ends: 09:00 EST
        ("Europe/London", date(2026, 3, 29), 8),  # BST begins
        ("Europe/London", date(2026, 10, 25), 9),  # BST ends
    ],
)
def test_a_nine_oclock_reminder_follows_daylight_saving(
    app, errand, catalog, zone, reminder_day, utc_hour
):
    person, task = errand(reminder_day + timedelta(days=3), zone)
    queue_reminders(
        catalog, now=_utc(reminder_day.year, reminder_day.month, reminder_day.day, utc_hour - 1, 59)
    )
    assert _kinds(person.id, task.id) == []
    moment = _utc(reminder_day.year, reminder_day.month, reminder_day.day, utc_hour, 0)
    assert moment == _local(reminder_day, 9, 0, zone)
    queue_reminders(catalog, now=moment)
    assert _kinds(person.id, task.id) == ["due_soon"]


def test_a_person_in_shanghai_is_reminded_in_their_own_morning_about_a_us_store(
    app, errand, catalog
):
    person, task = errand(date(2026, 12, 10), "Asia/Shanghai")
    assert task.store.zone == "America/Los_Angeles"
    # 09:00 on the 9th in Shanghai is still the 8th in California: two days before, in the
    # store's day, so not the reminder of one day before (reminders come 3 and 1 days before).
    queue_reminders(catalog, now=_utc(2026, 12, 9, 1, 0))
    assert _kinds(person.id, task.id) == []
    queue_reminders(catalog, now=_utc(2026, 12, 10, 0, 59))
    assert _kinds(person.id, task.id) == []
    # 09:00 on the 10th in Shanghai is the 9th in California: due in one day there.
    queue_reminders(catalog, now=_utc(2026, 12, 10, 1, 0))
    assert _kinds(person.id, task.id) == ["due_soon"]
    reminder = db.session.scalars(select(Reminder).where(Reminder.task_id == task.id)).one()
    assert reminder.subject.startswith("Due in 1 day: Send the samples")


def test_queueing_twice_never_doubles_a_reminder(app, errand, catalog):
    person, task = errand(date(2026, 12, 10), "UTC")
    for minute in (0, 1, 30):
        queue_reminders(catalog, now=_utc(2026, 12, 9, 9, minute))
    assert _kinds(person.id, task.id) == ["due_soon"]


def test_an_overdue_task_reminds_at_most_once_per_local_day(app, errand, catalog):
    person, task = errand(date(2026, 12, 1), "Europe/London")
    queue_reminders(catalog, now=_utc(2026, 12, 2, 9, 0))
    queue_reminders(catalog, now=_utc(2026, 12, 2, 17, 0))
    assert _kinds(person.id, task.id) == ["overdue"]
    queue_reminders(catalog, now=_utc(2026, 12, 3, 9, 5))
    assert _kinds(person.id, task.id) == ["overdue", "overdue"]


def test_a_reminder_missed_by_a_long_outage_is_not_sent_a_day_late(app, errand, catalog):
    person, task = errand(date(2026, 12, 10), "UTC", remind_days_before=[3])
    queue_reminders(catalog, now=_utc(2026, 12, 8, 9, 0))  # the 7th's reminder is stale by now
    assert _kinds(person.id, task.id) == []


def test_an_unassigned_task_reminds_every_active_manager_and_no_one_deactivated(
    app, make_user, make_store, catalog
):
    boss, other, gone = make_user(), make_user(), make_user()
    for manager in (boss, other):
        update_preferences(manager, {"digest": False})
    gone.active = False
    store = make_store(actor=boss)
    task = add_custom_task(
        store, {"title": "Unowned errand", "due_on": "2026-12-10"}, catalog, boss
    )
    db.session.commit()
    queue_reminders(catalog, now=_utc(2026, 12, 9, 9, 0))
    assert _kinds(boss.id, task.id) == ["due_soon"]
    assert _kinds(other.id, task.id) == ["due_soon"]
    assert _kinds(gone.id, task.id) == []


def test_a_digest_replaces_single_reminders_for_those_who_want_one(app, errand, catalog):
    person, _ = errand(date(2026, 12, 10), "Asia/Shanghai", digest=True, digest_at="07:30")
    queue_reminders(catalog, now=_local(date(2026, 12, 9), 7, 29, "Asia/Shanghai"))
    assert _kinds(person.id) == []
    queue_reminders(catalog, now=_local(date(2026, 12, 9), 9, 0, "Asia/Shanghai"))
    digest = db.session.scalars(select(Reminder).where(Reminder.user_id == person.id)).one()
    assert digest.kind == "digest" and "Send the samples" in digest.text
    assert digest.subject.startswith("Your tasks: 0 overdue, 0 today, 1 this week")


def test_each_channel_gets_its_own_copy_beside_the_inbox(app, errand, catalog):
    person, task = errand(date(2026, 12, 10), "UTC")
    add_channel(person, "webhook", "https://example.com/hook")
    add_channel(person, "slack", "https://hooks.slack.com/services/T/B/X")
    db.session.commit()
    queue_reminders(catalog, now=_utc(2026, 12, 9, 9, 0))
    rows = db.session.scalars(select(Reminder).where(Reminder.task_id == task.id)).all()
    assert len(rows) == 3 and len({r.key for r in rows}) == 3
    assert sum(r.channel_id is None for r in rows) == 1


def test_quiet_hours_hold_an_event_until_they_end(app, make_user, make_store):
    manager = make_user(timezone="Asia/Shanghai")
    update_preferences(manager, {"quiet_from": "22:00", "quiet_until": "07:00"})
    store = make_store(actor=manager)
    late_evening = _local(date(2026, 12, 9), 23, 0, "Asia/Shanghai")
    queue_now(
        [manager],
        "gate_open",
        "gate:test",
        "Unlocked",
        "text",
        store=store,
        tasks=[],
        now=late_evening,
    )
    reminder = db.session.scalars(select(Reminder).where(Reminder.kind == "gate_open")).one()
    assert reminder.next_attempt_at == _local(date(2026, 12, 10), 7, 0, "Asia/Shanghai")


def test_stock_up_deadlines_remind_managers_14_7_and_1_days_before(
    app, make_user, make_store, catalog
):
    manager = make_user(timezone="UTC")
    update_preferences(manager, {"digest": False})  # a digest lists them instead
    store = make_store(actor=manager, opened_on="2026-06-01", today=date(2026, 7, 1))
    keys = {e.key for e in catalog.entries if e.due.anchor in STOCK_UP_ANCHORS}
    task = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.key.in_(keys)).order_by(Task.due_on)
    ).first()
    assert task is not None, "the plan should hold a stock-up deadline"
    for days in (14, 7, 1):
        day = task.due_on - timedelta(days=days)
        queue_reminders(catalog, now=_local(day, 9, 0, "UTC"))
    kinds = _kinds(manager.id, task.id)
    assert kinds.count("stock_up") == 3
    subjects = db.session.scalars(
        select(Reminder.subject).where(Reminder.task_id == task.id, Reminder.kind == "stock_up")
    ).all()
    assert any("in 14 days" in s for s in subjects) and any("in 1 day:" in s for s in subjects)


def test_reminder_settings_refuse_bad_values_by_field(app, make_user):
    from tracker.errors import InputError

    person = make_user()
    for raw, field in [
        ({"remind_at": "25:00"}, "remind_at"),
        ({"remind_days_before": "three"}, "remind_days_before"),
        ({"remind_days_before": [99]}, "remind_days_before"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"quiet_from": "22:00"}, "quiet_until"),
        ({"digest": "yes"}, "digest"),
    ]:
        with pytest.raises(InputError) as error:
            update_preferences(person, raw)
        assert error.value.errors[0].field == field
    db.session.rollback()
    assert db.session.get(type(person), person.id).remind_days_before == [3, 1]
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0


def test_queueing_says_how_many_rows_it_added_on_both_databases(app, errand, catalog, sink):
    person, _ = errand(date(2026, 3, 10), "UTC")
    add_channel(person, "webhook", sink.url)
    db.session.commit()
    moment = _utc(2026, 3, 7, 9)  # three days before, at nine
    queued = queue_reminders(catalog, now=moment)
    rows = db.session.scalar(select(func.count()).select_from(Reminder))
    assert queued == rows > 0  # what `tracker reminders dispatch` prints as "Queued N"
    assert queue_reminders(catalog, now=moment) == 0  # nothing twice


def test_queueing_costs_the_same_statements_for_one_store_and_five(
    app, make_user, make_store, catalog, count_queries
):
    manager = make_user()
    make_store(actor=manager, name="First")
    moment = _utc(2026, 12, 1, 20)
    with count_queries() as one:
        queue_reminders(catalog, now=moment)
    db.session.rollback()
    for number in range(4):
        make_store(actor=manager, name=f"More {number}")
    with count_queries() as five:
        queue_reminders(catalog, now=moment)
    db.session.rollback()
    assert one.count == five.count, (one.statements, five.statements)
