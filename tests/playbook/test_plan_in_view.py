"""The plan the daily roll forward works from (peak work beyond its window left out) is the
whole plan without that work, for every kind of store and day: the tasks it keeps are the
whole plan's, in its order, and the keys it says apply are the whole plan's keys."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from tracker.playbook.plan import generate_plan, peak_slot
from tracker.playbook.profile import StoreProfile, derive_store_type

MARKETS = ("US", "UK", "SA", "SG", "TH", "VN", "MY", "PH")
DAYS = (date(2026, 1, 3), date(2026, 7, 1), date(2026, 8, 30), date(2026, 10, 20))


def _profiles(catalog) -> list[StoreProfile]:
    categories = sorted(catalog.categories)
    found = []
    for number, (market, model, entity) in enumerate(
        itertools.product(MARKETS, ("pop", "full_managed"), ("CN", "local"))
    ):
        entity = market if entity == "local" and market != "UK" else "HK"
        found.append(
            StoreProfile(
                model=model,
                market=market,
                store_type=derive_store_type(entity, catalog.markets[market], None),
                entity=entity,
                # Opened long ago, lately, and later than the day (work lost before opening).
                opened_on=date(2026, 7, 1) + timedelta(days=(-400, -30, 15, 70)[number % 4]),
                categories=tuple(categories[number % len(categories) :][:2]),
            )
        )
    return found


def test_leaving_out_peak_work_beyond_the_window_keeps_the_rest_of_the_plan(catalog):
    left_out_somewhere = False
    for profile, today in itertools.product(_profiles(catalog), DAYS):
        until = today + timedelta(days=120)
        whole = generate_plan(profile, catalog, today=today, horizon_days=730)
        beyond = [t for t in whole.tasks if t.peak is not None and t.due_on > until]
        # One row the store has beyond the window keeps its task, whatever its date.
        kept = (
            {(beyond[0].key, peak_slot(beyond[0].peak.key, beyond[0].peak.date))}
            if beyond
            else set()
        )
        lean = generate_plan(
            profile,
            catalog,
            today=today,
            horizon_days=730,
            peak_work_until=until,
            peak_work_kept=kept,
        )
        expected = [
            t
            for t in whole.tasks
            if not (
                t.peak is not None
                and t.due_on > until
                and (t.key, peak_slot(t.peak.key, t.peak.date)) not in kept
            )
        ]
        assert list(lean.tasks) == expected, (profile, today)
        assert {t.key for t in lean.tasks} | lean.left_out_keys == {t.key for t in whole.tasks}
        assert lean.warnings == whole.warnings and lean.peaks == whole.peaks
        assert lean.stock_up == whole.stock_up
        left_out_somewhere |= len(lean.tasks) < len(whole.tasks)
    assert left_out_somewhere
