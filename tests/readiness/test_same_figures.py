"""A faster portfolio still shows exactly the same figures as the scoring it replaced.

The reference is the scoring as it was before issue 16's speed work, kept in
``reference_portfolio``; both run on the same varied stores, on SQLite and PostgreSQL,
at moments when the stores' zones are on different dates.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from tests.readiness import reference_portfolio
from tests.readiness.conftest import tick_up_to
from tracker.extensions import db
from tracker.readiness.queries import portfolio
from tracker.tasks.models import Task

# Market, model, categories, opened on: new, launching, settled and years-old stores.
STORES = (
    ("US", "pop", ["beauty"], "2026-11-02"),
    ("UK", "full_managed", ["home"], "2026-09-01"),
    ("TH", "pop", ["home"], "2026-06-15"),
    ("SA", "full_managed", ["home"], "2025-10-20"),
    ("MY", "pop", ["home"], "2026-10-05"),
    ("US", "full_managed", ["home"], "2024-12-01"),
    ("SG", "pop", ["home"], "2026-12-20"),
    ("PH", "pop", ["home"], "2026-08-10"),
)
MOMENTS = (
    datetime(2026, 10, 1, 19, tzinfo=UTC),
    datetime(2026, 11, 20, 23, 30, tzinfo=UTC),  # the next day in Asia, not in America
    datetime(2026, 12, 24, 7, tzinfo=UTC),  # the day before in California
    datetime(2027, 2, 1, 12, tzinfo=UTC),
)


@pytest.fixture
def varied_stores(make_store, manager):
    """Stores of every kind, some keeping up, some letting work slip, some with odd rows."""
    rng = random.Random(16)
    stores = []
    for number, (market, model, categories, opened_on) in enumerate(STORES):
        store = make_store(
            actor=manager,
            name=f"Store {number} {market}",
            market=market,
            model=model,
            categories=categories,
            opened_on=opened_on,
            today=date(2026, 9, 1),
        )
        stores.append(store)
        tasks = db.session.scalars(
            select(Task).where(Task.store_id == store.id).order_by(Task.due_on, Task.id)
        ).all()
        leave = [task.id for task in tasks if rng.random() < 0.15]
        if number % 4:
            tick_up_to(store, manager, date(2026, 12, 1), leave=leave)
        # Work that does not count: retired and missed rows, and a task kept out of readiness.
        db.session.execute(
            update(Task)
            .where(Task.id.in_([t.id for t in tasks[number::9]]))
            .values(status="retired" if number % 2 else "missed")
        )
        db.session.execute(
            update(Task)
            .where(Task.id.in_([t.id for t in tasks[number + 3 :: 11] if t.peak_key]))
            .values(counts_for_readiness=False)
        )
    db.session.commit()
    return stores


def test_the_portfolio_shows_the_same_figures_as_before(varied_stores, manager, catalog):
    seen = set()
    for now in MOMENTS:
        found = portfolio(manager, catalog, now=now)
        expected = reference_portfolio.portfolio(manager, catalog, now=now)

        assert [row.store.id for row in found] == [row.store.id for row in expected]
        for new, old in zip(found, expected, strict=True):
            assert new.onboarding == old.onboarding, (now, new.store.name)
            assert new.peaks == old.peaks, (now, new.store.name)
            assert new == old, (now, new.store.name)
            assert (new.status, new.reasons) == (old.status, old.reasons)
            seen |= {old.status, *(peak.status for peak in old.peaks)}
            seen |= {"peaks"} if old.peaks else set()
            seen |= {"overdue"} if old.overdue else set()
    # The stores and moments cover every status, coming peaks and overdue work.
    assert seen == {"ready", "at_risk", "not_ready", "peaks", "overdue"}


def test_some_stores_only_the_same_as_before(varied_stores, manager, catalog):
    chosen = [varied_stores[1].id, varied_stores[4].id]
    now = MOMENTS[1]
    found = portfolio(manager, catalog, now=now, store_ids=chosen, market="MY")
    expected = reference_portfolio.portfolio(
        manager, catalog, now=now, store_ids=chosen, market="MY"
    )
    assert found == expected
    assert [row.store.id for row in found] == [varied_stores[4].id]
