"""Stores for the readiness tests, on a fixed day, with a team that ticks work off."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from tracker.auth.models import User
from tracker.errors import RuleError
from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task

TODAY = date(2026, 10, 1)
NOW = datetime(2026, 10, 1, 19, tzinfo=UTC)  # noon in California, where US stores keep dates
OPENED = "2026-09-01"


def tick_up_to(
    store: Store,
    actor: User,
    due_by: date,
    *,
    leave: Collection[int] = (),
    now: datetime = NOW,
) -> None:
    """Tick off every task due by ``due_by`` that can be ticked, as a diligent team would."""
    progress = True
    while progress:  # ticking one task may open the gate of another
        progress = False
        tasks = db.session.scalars(
            select(Task)
            .where(Task.store_id == store.id, Task.status == "open", Task.due_on <= due_by)
            .order_by(Task.due_on, Task.id)
        ).all()
        for task in tasks:
            if task.id in leave:
                continue
            try:
                complete_task(task.id, actor, now=now)
                progress = True
            except RuleError:
                pass  # still locked
    db.session.commit()


def onboarding_task(store: Store, *, critical: bool) -> Task:
    """The first onboarding task of the store that is (or is not) critical, due before today."""
    return db.session.scalars(
        select(Task)
        .where(
            Task.store_id == store.id,
            Task.phase == "onboarding",
            Task.critical.is_(critical),
            Task.due_on < TODAY,
        )
        .order_by(Task.due_on, Task.id)
    ).first()


def peak_task(store: Store, key: str, peak: str) -> Task:
    """The store's task of one playbook entry for one peak."""
    return db.session.scalar(
        select(Task).where(Task.store_id == store.id, Task.key == key, Task.peak_key == peak)
    )


@pytest.fixture
def manager(make_user) -> User:
    """The manager who sets the stores up."""
    return make_user()


@pytest.fixture
def shop(make_store, manager) -> Callable[..., Store]:
    """Make a US self-operated store opened a month before the fixed day."""

    def make(name: str, **overrides) -> Store:
        overrides.setdefault("opened_on", OPENED)
        return make_store(actor=manager, name=name, today=TODAY, **overrides)

    return make


@pytest.fixture
def quiet_store(shop) -> Callable[[], Store]:
    """Make a local, fully managed UK store opening after Christmas: as of the fixed day it
    has no peak work in view (it sorts last by peak) and no onboarding work due yet."""

    def make() -> Store:
        return shop(
            "Quiet UK",
            model="full_managed",
            market="UK",
            entity="GB",
            categories=["home"],
            opened_on="2026-12-28",
        )

    return make


@pytest.fixture
def on_the_fixed_day() -> Iterator[None]:
    """Stop the clock at noon in California on the fixed day, for pages that read it."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def three_stores(shop, manager) -> dict[str, Store]:
    """Ready (US), at risk (US) and not ready (Thailand), as of the fixed day."""
    # With the US inspection's 500 orders: channel accounts are bound when its days end.
    ready, slow = shop("Ready US", orders_to_date=500), shop("Slow US", orders_to_date=500)
    late = shop("Late TH", market="TH", categories=["home"])
    tick_up_to(ready, manager, date(2026, 11, 27))
    tick_up_to(slow, manager, date(2026, 11, 27), leave=[onboarding_task(slow, critical=False).id])
    return {"ready": ready, "at_risk": slow, "not_ready": late}
