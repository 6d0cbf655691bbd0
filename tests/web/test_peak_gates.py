"""A peak's gated work waits for the same peak's work, not another peak's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tracker.errors import RuleError
from tracker.extensions import db
from tracker.tasks.models import Task
from tracker.tasks.services import complete_task, lock_reasons

NOW = datetime(2026, 10, 1, 19, tzinfo=UTC)


def _task(store, key, peak):
    return db.session.scalar(
        select(Task).where(Task.store_id == store.id, Task.key == key, Task.peak_key == peak)
    )


def test_registering_for_christmas_does_not_open_black_fridays_prices(make_user, make_store):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-09-01", today=date(2026, 10, 1))
    complete_task(_task(store, "campaign.register", "christmas").id, manager, now=NOW)
    db.session.commit()

    prices = _task(store, "campaign.set_prices", "black_friday")
    assert lock_reasons(prices, now=NOW) == ["waiting for: campaign.register"]
    with pytest.raises(RuleError) as refused:
        complete_task(prices.id, manager, now=NOW)
    assert refused.value.code == "task_locked"
    db.session.rollback()

    # Christmas's own price setting is open, and Black Friday's opens with its registration.
    assert lock_reasons(_task(store, "campaign.set_prices", "christmas"), now=NOW) == []
    complete_task(_task(store, "campaign.register", "black_friday").id, manager, now=NOW)
    complete_task(prices.id, manager, now=NOW)
    db.session.commit()
    assert prices.status == "done"
