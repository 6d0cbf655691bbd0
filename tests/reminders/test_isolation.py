"""One bad store or person never stops everyone else's reminders; the fault is shown where it is.

A store whose market left the seeds, or a person or store with a time zone that does not exist,
used to end the whole tick: nobody got anything while /healthz said "ok" and the outbox
"Nothing failed".
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select, update

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.services import update_preferences
from tracker.scheduler.tick import run_tick
from tracker.stores.models import Store
from tracker.tasks.services import add_custom_task


@pytest.fixture
def overdue(make_user, make_store, catalog):
    """A store with an overdue task for a member reminded now; returns (person, store)."""

    def make(manager, name):
        person = make_user(role="member", timezone="UTC")
        moment = utcnow()
        # Single reminders (not the daily digest), due at this very minute.
        update_preferences(
            person, {"digest": False, "remind_at": time(moment.hour, moment.minute).isoformat()}
        )
        store = make_store(actor=manager, members=(person,), name=name)
        add_custom_task(
            store,
            {
                "title": f"Ship the samples of {name}",
                "due_on": (moment.date() - timedelta(days=2)).isoformat(),
                "assignee_id": person.id,
            },
            catalog,
            manager,
        )
        db.session.commit()
        return person, store

    return make


def _delivered_to(person_id: int) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Reminder.subject).where(Reminder.user_id == person_id, Reminder.state == "sent")
        )
    )


def test_a_store_whose_market_left_the_seeds_stops_no_one_else(
    app, client, login, make_user, overdue
):
    manager = make_user(timezone="UTC")
    healthy, _ = overdue(manager, "Healthy shop")
    _, broken = overdue(manager, "Broken shop")
    db.session.execute(update(Store).where(Store.id == broken.id).values(market="ZZ"))
    db.session.commit()

    run_tick(app, name="test")

    assert any("Healthy shop" in subject for subject in _delivered_to(healthy.id))
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any("Broken shop" in reason for reason in health["reasons"])
    assert health["faults"][0]["store"] == {"id": broken.id, "name": "Broken shop"}
    login(manager)
    page = client.get("/reminders").get_data(as_text=True)
    assert "Broken shop" in page and "ZZ" in page


def test_a_person_with_an_unknown_time_zone_stops_no_one_else(
    app, client, login, make_user, overdue
):
    manager = make_user(timezone="UTC")
    healthy, _ = overdue(manager, "Healthy shop")
    lost, _ = overdue(manager, "Lost shop")
    db.session.execute(update(User).where(User.id == lost.id).values(timezone="Mars/Olympus"))
    db.session.commit()

    run_tick(app, name="test")

    assert any("Healthy shop" in subject for subject in _delivered_to(healthy.id))
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert any(lost.email in reason for reason in health["reasons"])
    login(manager)
    page = client.get("/reminders").get_data(as_text=True)
    assert lost.email in page and "Mars/Olympus" in page


def test_a_store_with_an_unknown_time_zone_stops_no_one_else(app, client, make_user, overdue):
    manager = make_user(timezone="UTC")
    healthy, _ = overdue(manager, "Healthy shop")
    _, broken = overdue(manager, "Zoneless shop")
    db.session.execute(update(Store).where(Store.id == broken.id).values(zone="Moon/Base"))
    db.session.commit()

    run_tick(app, name="test")

    assert any("Healthy shop" in subject for subject in _delivered_to(healthy.id))
    health = client.get("/healthz").get_json()
    assert any("Zoneless shop" in reason for reason in health["reasons"])


def test_a_fault_that_went_away_leaves_health_ok_again(app, client, make_user, overdue):
    manager = make_user(timezone="UTC")
    _, broken = overdue(manager, "Broken shop")
    db.session.execute(update(Store).where(Store.id == broken.id).values(market="ZZ"))
    db.session.commit()
    run_tick(app, name="test")
    db.session.execute(update(Store).where(Store.id == broken.id).values(market="US"))
    db.session.commit()

    run_tick(app, name="test")

    assert client.get("/healthz").get_json()["status"] == "ok"
