"""Live-stream cadence: logging lives, the streak, the daily task, the evening nudge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tracker.clock import local_today
from tracker.extensions import db
from tracker.lives.models import LiveSession
from tracker.lives.services import cadence, log_live
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders

ZONE = "America/Los_Angeles"


@pytest.fixture
def shop(make_user, make_store, api_as):
    manager = make_user()
    today = local_today(ZONE)
    store = make_store(actor=manager, opened_on=(today - timedelta(days=30)).isoformat())
    return store, api_as(manager), today


def _at(day, hour=20):
    """A moment on ``day`` in the store's zone, never in the future (today: just now)."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(ZONE))
    now = datetime.now(ZoneInfo(ZONE))
    if moment > now:
        midnight = datetime(now.year, now.month, now.day, tzinfo=ZoneInfo(ZONE))
        moment = max(midnight, now - timedelta(minutes=1))
    return moment.isoformat()


def test_a_long_enough_live_ticks_that_days_live_task(shop):
    store, api, today = shop
    answer = api.post(
        f"/api/v1/stores/{store.id}/lives",
        json={"started_at": _at(today, 9), "minutes": 60, "gmv": 1250.5},
    )
    assert answer.status_code == 201 and answer.json["minutes"] == 60
    task = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id, Task.key == "live.daily", Task.slot == today.isoformat()
        )
    ).one()
    assert task.status == "done"


def test_a_live_of_too_few_minutes_does_not_count(shop):
    store, api, today = shop
    api.post(f"/api/v1/stores/{store.id}/lives", json={"started_at": _at(today, 9), "minutes": 59})
    task = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id, Task.key == "live.daily", Task.slot == today.isoformat()
        )
    ).one()
    assert task.status == "open"
    cadence = api.get(f"/api/v1/stores/{store.id}/cadence").json
    assert cadence["last_7_days"] == 0 and cadence["streak_days"] == 0


def test_cadence_counts_the_last_7_days_and_the_streak(shop):
    store, api, today = shop
    for back in (1, 2, 3, 5):  # yesterday, the day before, three days ago; then a gap
        day = today - timedelta(days=back)
        assert (
            api.post(
                f"/api/v1/stores/{store.id}/lives", json={"started_at": _at(day, 10), "minutes": 90}
            ).status_code
            == 201
        )
    cadence = api.get(f"/api/v1/stores/{store.id}/cadence").json
    assert cadence["target_per_week"] == 7
    assert cadence["last_7_days"] == 4
    assert cadence["streak_days"] == 3  # today has no live yet, which does not break it
    api.post(f"/api/v1/stores/{store.id}/lives", json={"started_at": _at(today, 8), "minutes": 61})
    assert api.get(f"/api/v1/stores/{store.id}/cadence").json["streak_days"] == 4


def test_a_live_counts_on_the_day_it_started_in_the_stores_zone(make_user, make_store, catalog):
    manager = make_user()
    day = date(2026, 12, 1)
    store = make_store(actor=manager, opened_on="2026-11-02", today=day)
    # 23:30 in California is 07:30 UTC the next day; it counts for the Californian day.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo(ZONE))
    assert late.astimezone(UTC).date() == date(2026, 12, 2)
    next_morning = datetime(2026, 12, 2, 9, tzinfo=UTC)
    log_live(
        store,
        {"started_at": late.astimezone(UTC).isoformat(), "minutes": 75},
        catalog,
        manager,
        now=next_morning,
    )
    db.session.commit()
    task = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id, Task.key == "live.daily", Task.slot == day.isoformat()
        )
    ).one()
    assert task.status == "done"
    assert (
        db.session.scalars(
            select(Task.status).where(
                Task.store_id == store.id, Task.key == "live.daily", Task.slot == "2026-12-02"
            )
        ).one()
        == "open"
    )
    counted = cadence(store, catalog, now=next_morning)
    assert (counted.last_7_days, counted.streak_days, counted.live_today) == (1, 1, False)


def test_the_target_is_editable_per_store(shop):
    store, api, _ = shop
    assert (
        api.patch(f"/api/v1/stores/{store.id}", json={"live_target_per_week": 5}).status_code == 200
    )
    assert api.get(f"/api/v1/stores/{store.id}/cadence").json["target_per_week"] == 5
    bad = api.patch(f"/api/v1/stores/{store.id}", json={"live_target_per_week": 0})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "live_target_per_week"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"started_at": "tonight", "minutes": 60}, "started_at"),
        ({"started_at": "2999-01-01T20:00:00+00:00", "minutes": 60}, "started_at"),
        ({"started_at": "2026-11-20T20:00:00+00:00", "minutes": 0}, "minutes"),
        ({"started_at": "2026-11-20T20:00:00+00:00", "minutes": "sixty"}, "minutes"),
        ({"started_at": "2026-11-20T20:00:00+00:00", "minutes": 60, "gmv": -1}, "gmv"),
        ({"started_at": "2026-11-20T20:00:00+00:00", "minutes": 60, "viewers": 3}, "viewers"),
    ],
)
def test_a_bad_live_is_refused_by_field(shop, body, field):
    store, api, _ = shop
    answer = api.post(f"/api/v1/stores/{store.id}/lives", json=body)
    assert answer.status_code == 400 and answer.json["error"]["field"] == field
    assert api.get(f"/api/v1/stores/{store.id}/lives").json == []


def test_the_evening_without_a_live_nudges_the_live_team(shop, catalog):
    _, _, today = shop
    evening = datetime(today.year, today.month, today.day, 18, tzinfo=ZoneInfo(ZONE))
    queue_reminders(catalog, now=evening.astimezone(UTC) - timedelta(minutes=1))
    assert not db.session.scalars(select(Reminder).where(Reminder.kind == "no_live_today")).all()
    queue_reminders(catalog, now=evening.astimezone(UTC))
    nudges = db.session.scalars(select(Reminder).where(Reminder.kind == "no_live_today")).all()
    assert len(nudges) == 1 and nudges[0].subject.startswith("No live yet today")


def test_no_evening_nudge_once_the_day_has_its_live(shop, catalog):
    store, api, today = shop
    api.post(f"/api/v1/stores/{store.id}/lives", json={"started_at": _at(today, 9), "minutes": 60})
    evening = datetime(today.year, today.month, today.day, 18, 5, tzinfo=ZoneInfo(ZONE))
    queue_reminders(catalog, now=evening.astimezone(UTC))
    assert not db.session.scalars(select(Reminder).where(Reminder.kind == "no_live_today")).all()


def test_a_live_logged_on_the_store_page_is_kept_and_ticks_the_days_task(shop, client, login):
    store, _, today = shop
    login(store.created_by)
    started = datetime.fromisoformat(_at(today, 9)).astimezone(ZoneInfo(ZONE))
    answer = client.post(
        f"/stores/{store.id}/lives",
        data={"started_at": started.strftime("%Y-%m-%dT%H:%M"), "minutes": "75"},
    )
    assert answer.status_code == 302
    lives = db.session.scalars(select(LiveSession).where(LiveSession.store_id == store.id)).all()
    assert [live.minutes for live in lives] == [75]
    task = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id, Task.key == "live.daily", Task.slot == today.isoformat()
        )
    ).one()
    assert task.status == "done"
