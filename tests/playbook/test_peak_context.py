"""Peak work is worked out once for stores alike (issue 16: the daily roll forward of 1,000
stores): the peaks, their stock-up deadlines and each peak-anchored entry's dates are kept
with the catalog and shared by stores of the same market, store type, start day, horizon
and freight figures. A store planned after another gets exactly the plan it gets on its
own, whatever it shares; stores that differ in what the peak work is worked out from do
not share it; and what is kept goes with the catalog it was worked out from."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest

from tracker.playbook.catalog import Catalog
from tracker.playbook.plan import Plan, generate_plan
from tracker.playbook.profile import StoreProfile

TODAY = date(2026, 7, 1)
BASE = StoreProfile(
    model="pop",
    market="US",
    store_type="cross_border",
    entity="CN",
    opened_on=date(2026, 1, 10),
    categories=("apparel", "beauty"),
)

# Store fields the shared peak work is not worked out from: stores differing in them share
# it (and still get each its own plan).
IGNORED: dict[str, dict[str, Any]] = {
    "opened_on (earlier, still before today)": {"opened_on": date(2025, 3, 1)},
    "opened_on (lately, still before today)": {"opened_on": date(2026, 6, 20)},
    "categories": {"categories": ("electronics_3c",)},
    "entity (same store type)": {"entity": "HK"},
    "chinese_share_percent": {"chinese_share_percent": 40.0},
    "inspection_ends_on": {"inspection_ends_on": date(2026, 9, 30)},
    "inspection_days": {"inspection_days": 300},
    "timezone": {"timezone": "America/Chicago"},
    "followers": {"followers": 5_000},
    "follower_target": {"follower_target": 100},
    "orders_to_date": {"orders_to_date": 40},
    "daily_order_limit": {"daily_order_limit": 7, "inspection_days": 400},
}

# Store fields (and the day and horizon) it is worked out from: each gives other peak work.
USED: dict[str, dict[str, Any]] = {
    "market": {"market": "UK", "entity": "HK"},
    "store_type": {"store_type": "local", "entity": "US"},
    "opened_on (after today: peaks from then)": {"opened_on": date(2026, 9, 1)},
    "model (freight through the platform)": {"model": "full_managed"},
    "freight_mode": {"freight_mode": "air"},
    "lead_time_days": {"lead_time_days": 9},
    "production_days": {"production_days": 50},
    "inbound_buffer_days": {"inbound_buffer_days": 20},
    # After the mid-year sale's day (13 July): its work is behind.
    "today": {"today": TODAY + timedelta(days=13)},
    "horizon_days": {"horizon_days": 200},
}

# How the roll forward plans (tracker/plans/sync.py) and how a page does.
WAYS = {
    "in view": {"horizon_days": 730, "peak_work_until": TODAY + timedelta(days=120)},
    "whole": {},
}


def _fresh(catalog: Catalog) -> Catalog:
    """The catalog with nothing worked out yet."""
    return dataclasses.replace(catalog, shared={})


def _plan(catalog: Catalog, change: dict[str, Any], way: dict[str, Any]) -> Plan:
    change = dict(change)
    options = way | {
        "today": change.pop("today", TODAY),
        **({"horizon_days": change.pop("horizon_days")} if "horizon_days" in change else {}),
    }
    if "peak_work_until" in options:
        options["peak_work_until"] = options["today"] + timedelta(days=120)
    return generate_plan(dataclasses.replace(BASE, **change), catalog, **options)


def _peak_work(plan: Plan) -> list[Any]:
    return [
        [(t.key, t.peak.key, t.peak.date, t.due_on) for t in plan.tasks if t.peak is not None],
        [d.to_json() for d in plan.stock_up],
        [p.to_json() for p in plan.peaks],
        sorted(plan.left_out_keys),
    ]


def _contexts(catalog: Catalog) -> int:
    kept = catalog.shared.get("peak contexts")
    return len(kept[1]) if kept else 0


def test_every_profile_field_is_either_in_the_key_or_ignored():
    named = {name for change in (*IGNORED.values(), *USED.values()) for name in change}
    fields = {field.name for field in dataclasses.fields(StoreProfile)}
    assert fields - named == set(), "say whether the shared peak work depends on these"


@pytest.mark.parametrize("way", WAYS, ids=list(WAYS))
@pytest.mark.parametrize("name", IGNORED, ids=list(IGNORED))
def test_stores_differing_in_an_ignored_field_share_the_peak_work_and_keep_their_plan(
    catalog, name, way
):
    shared = _fresh(catalog)
    first = _plan(shared, {}, WAYS[way])
    after = _plan(shared, IGNORED[name], WAYS[way])
    assert _contexts(shared) == 1  # worked out once for both
    alone = _plan(_fresh(catalog), IGNORED[name], WAYS[way])
    assert after == alone
    assert after.to_json() == alone.to_json()
    assert after.left_out_keys == alone.left_out_keys
    assert first == _plan(_fresh(catalog), {}, WAYS[way])


@pytest.mark.parametrize("way", WAYS, ids=list(WAYS))
@pytest.mark.parametrize("name", USED, ids=list(USED))
def test_stores_differing_in_a_field_it_is_worked_out_from_get_their_own_peak_work(
    catalog, name, way
):
    shared = _fresh(catalog)
    first = _plan(shared, {}, WAYS[way])
    after = _plan(shared, USED[name], WAYS[way])
    alone = _plan(_fresh(catalog), USED[name], WAYS[way])
    # The field changes the peak work: had it been left out of what is shared, the second
    # store would have had the first one's.
    assert _peak_work(alone) != _peak_work(first)
    assert _contexts(shared) == 2
    assert after == alone
    assert after.to_json() == alone.to_json()
    assert after.left_out_keys == alone.left_out_keys


def test_an_entry_of_the_same_key_but_other_dates_is_dated_again(catalog):
    shared = _fresh(catalog)
    first = _plan(shared, {}, {})
    entry = next(t for t in first.tasks if t.peak is not None and t.peak.key == "black_friday")
    rule = shared.entry(entry.key)
    moved = dataclasses.replace(rule, due=dataclasses.replace(rule.due, days=rule.due.days - 3))
    # A copy with the entry changed (as a checklist's next version is) shares what is kept.
    changed = dataclasses.replace(
        shared, entries=tuple(moved if e is rule else e for e in shared.entries)
    )
    assert changed.shared is shared.shared
    again = [t for t in _plan(changed, {}, {}).tasks if t.key == entry.key]
    assert [t.due_on for t in again] == [
        t.due_on - timedelta(days=3) for t in first.tasks if t.key == entry.key
    ]


def test_a_catalog_with_other_peaks_or_supply_figures_works_its_peak_work_out_again(catalog):
    shared = _fresh(catalog)
    before = _plan(shared, {}, {})
    # A copy with other supply figures (as seeds loaded again) does not use what was kept.
    supply = dataclasses.replace(shared.supply, production_days=shared.supply.production_days + 9)
    other = dataclasses.replace(shared, supply=supply)
    assert other.shared is shared.shared
    after = _plan(other, {}, {})
    assert after == _plan(_fresh(other), {}, {})
    assert _peak_work(after) != _peak_work(before)
    # Peaks loaded again: the same.
    peaks = dict(shared.peaks)
    peaks.pop("us_midyear")  # no other peak is dated from it
    fewer = dataclasses.replace(shared, peaks=peaks)
    planned = _plan(fewer, {}, {})
    assert planned == _plan(_fresh(fewer), {}, {})
    assert any(p.key == "us_midyear" for p in before.peaks)
    assert all(p.key != "us_midyear" for p in planned.peaks)


def test_a_catalog_loaded_again_starts_with_nothing_kept(tmp_path):
    import shutil

    from tests.conftest import SEEDS
    from tracker.playbook.loader import load_catalog

    first = load_catalog(SEEDS)
    _plan(first, {}, {})
    assert _contexts(first) >= 1
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy)
    again = load_catalog(copy)
    assert again is not first
    assert again.shared is not first.shared
    assert _contexts(again) == 0


def test_what_is_kept_is_bounded(catalog, monkeypatch):
    from tracker.playbook import plan

    monkeypatch.setattr(plan, "_PEAK_CONTEXTS_KEPT", 3)
    shared = _fresh(catalog)
    for day in range(10):
        _plan(shared, {"today": TODAY + timedelta(days=day)}, {})
        assert _contexts(shared) <= 3
    assert _plan(shared, {}, {}) == _plan(_fresh(catalog), {}, {})


def test_the_platforms_freight_leg_is_part_of_what_is_shared(catalog):
    """No profile field sets it alone (the seeds give it to full-managed stores, whose freight
    mode no pop store can have), so the engine's own figures are varied here."""
    from tracker.playbook.plan import _peak_context
    from tracker.playbook.profile import resolve_profile

    shared = _fresh(catalog)
    managed = resolve_profile(dataclasses.replace(BASE, model="full_managed"), shared)
    shorter = dataclasses.replace(managed, platform_freight_days=managed.platform_freight_days - 5)
    horizon = TODAY + timedelta(days=730)
    first = _peak_context(shared, managed, TODAY, horizon, True)
    second = _peak_context(shared, shorter, TODAY, horizon, True)
    assert second is not first
    assert [d.arrive_by for d in second.stock_up(shorter)] == [
        d.arrive_by + timedelta(days=5) for d in first.stock_up(managed)
    ]
