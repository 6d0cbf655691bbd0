"""Two schedulers rolling the same stores forward at the same moment roll each store once.

The daily roll forward runs in every scheduler process (and a page rolls its own store), so
two of them may reach the same chunk of stores together. Whichever comes second must find the
stores rolled forward: no task, activity entry or reminder twice, and no fault reported for
what is only a race. Compared with twin stores rolled forward alone, over several days.
"""

from __future__ import annotations

import contextvars
import threading
from datetime import timedelta
from typing import Any

from tests.plans.test_roll_forward import (
    DAYS,
    START,
    _build,
    _entries,
    _noon,
    _reminders,
    _tasks,
)
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.plans.forward import roll_stores_forward
from tracker.scheduler import tick
from tracker.stores.models import Store

# Only stops a broken run from hanging; nothing here is timed.
BOUND_SECONDS = 120.0


def _side_by_side(app: Any, catalog: Any, now: Any, schedulers: int, monkeypatch: Any) -> list[Any]:
    """Run ``schedulers`` roll forwards at once, each in its own app context and session.

    Each waits for the others after finding which stores are behind, so all of them set out
    to roll the same stores, as processes ticking at the same moment do.
    """
    start = threading.Barrier(schedulers)
    found = threading.Barrier(schedulers)
    results: list[Any] = [None] * schedulers
    behind = tick.stores_behind

    def stores_behind(**named: Any) -> list[int]:
        stores = behind(**named)
        found.wait(timeout=BOUND_SECONDS)
        return stores

    monkeypatch.setattr(tick, "stores_behind", stores_behind)

    def scheduler(number: int) -> None:
        with app.app_context():
            try:
                faults = FaultLog()
                start.wait(timeout=BOUND_SECONDS)
                report = tick.roll_plans_forward(catalog, now=now, faults=faults)
                results[number] = (report, faults.faults)
            except Exception as error:  # reported below, with the others' outcomes
                results[number] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=contextvars.Context().run, args=(scheduler, number))
        for number in range(schedulers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a roll forward never ended"
    return results


def test_two_schedulers_rolling_the_same_stores_at_once_roll_each_store_once(
    app, make_user, make_store, catalog, monkeypatch
):
    alone, raced = _build(make_user, make_store, catalog)
    for offset in DAYS:
        now = _noon(START + timedelta(days=offset))
        roll_stores_forward(alone, catalog, now=now)
        db.session.commit()
        results = _side_by_side(app, catalog, now, 2, monkeypatch)
        monkeypatch.undo()
        for result in results:
            assert not isinstance(result, Exception), f"day {offset}: {result!r}"
            report, faults = result
            assert faults == [] and report.failed == [], f"day {offset}: {faults}"
        # Between them every store was rolled forward, and none twice.
        assert sum(report.stores for report, _ in results) == len(raced), offset
        db.session.expire_all()
        for store_id, twin in zip(alone, raced, strict=True):
            assert _tasks(twin) == _tasks(store_id), (offset, store_id)
            assert _entries(twin) == _entries(store_id), (offset, store_id)
            assert _reminders(twin) == _reminders(store_id), (offset, store_id)
            assert db.session.get(Store, twin).plan_synced_on == now.date()
