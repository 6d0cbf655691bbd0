"""The new-store inspection: its length, its order count, and the probation daily caps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tracker.playbook.profile import resolve_profile
from tracker.playbook.stockup import daily_order_limit, peak_daily_sales


def _task(plan, key):
    (task,) = [task for task in plan.tasks if task.key == key]
    return task


@pytest.mark.parametrize("market, days", [("SG", 30), ("UK", 60)])
def test_channel_accounts_unlock_once_the_inspection_days_have_passed(plan_for, market, days):
    # "At least 30 calendar days": opened on 2026-01-05 (day 1), the 30th day is 02-03,
    # and channel accounts can be bound from 02-04, 30 days after opening, not day 32.
    opened_on = date(2026, 1, 5)
    plan = plan_for(
        market=market,
        model="pop",
        entity=market if market != "UK" else "GB",
        categories=["home"],
        opened_on=opened_on.isoformat(),
    )
    last_day = opened_on + timedelta(days=days - 1)
    assert plan.store.inspection_ends_on == last_day
    gate = _task(plan, "accounts.bind_channel").gate
    assert not gate.is_open(last_day)
    assert gate.is_open(opened_on + timedelta(days=days))


def test_the_us_channel_gate_shows_both_inspection_conditions(plan_for):
    plan = plan_for(opened_on="2026-01-05", orders_to_date=120)
    gate = _task(plan, "accounts.bind_channel").gate
    # US cross-border rules of July 2024: at least 30 days and 500 orders.
    assert gate.after == date(2026, 2, 3)
    assert gate.orders_at_least == 500
    assert "500 orders" in gate.reason
    assert gate.unmet(date(2026, 2, 3)) == [
        "not before 2026-02-04 (estimated)",
        "120 of 500 orders",
    ]
    assert gate.unmet(date(2026, 2, 4)) == ["120 of 500 orders"]
    assert gate.unmet(date(2026, 2, 4), orders=500) == []
    shown = gate.to_json()
    assert shown["orders_at_least"] == 500 and shown["orders_to_date"] == 120


def test_orders_to_date_enough_opens_the_gate_after_the_days(plan_for):
    plan = plan_for(opened_on="2026-01-05", orders_to_date=640, today=date(2026, 2, 4))
    task = _task(plan, "accounts.bind_channel")
    assert not task.locked
    assert task.gate.is_open(date(2026, 2, 4))


def test_markets_without_an_order_count_and_local_stores_gate_on_days_only(plan_for):
    for profile in (
        {"market": "TH", "entity": "CN", "categories": ["home"]},
        {"market": "US", "entity": "US", "chinese_share_percent": 0},
    ):
        gate = _task(plan_for(opened_on="2026-01-05", **profile), "accounts.bind_channel").gate
        assert gate.orders_at_least is None, profile
        assert "orders" not in gate.reason


def test_orders_to_date_is_checked(make_profile):
    from tracker.playbook.profile import ProfileError

    with pytest.raises(ProfileError, match="orders_to_date: expected 0 to 2000000000, got -1"):
        make_profile(orders_to_date=-1)
    assert make_profile(orders_to_date=12).orders_to_date == 12


# --- probation: daily order caps ------------------------------------------------------------


def test_a_store_on_probation_at_a_peak_is_capped_at_its_daily_order_limit(plan_for, catalog):
    # A US local store opened 2026-11-01 is on probation until 11-30: Black Friday falls inside.
    plan = plan_for(
        entity="US",
        chinese_share_percent=0,
        opened_on="2026-11-01",
        today=date(2026, 11, 1),
        horizon_days=60,
    )
    black_friday = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    assert black_friday.daily_order_limit == 50  # the Beginner tier
    assert black_friday.to_json()["daily_order_limit"] == 50
    # Christmas 2026's warm-up starts 12-01, after the inspection: no cap.
    christmas = next(d for d in plan.stock_up if d.peak.key == "christmas")
    assert christmas.daily_order_limit is None


def test_a_cross_border_store_short_of_its_orders_stays_capped(plan_for):
    short = plan_for(opened_on="2026-06-01", today=date(2026, 9, 1), orders_to_date=120)
    done = plan_for(opened_on="2026-06-01", today=date(2026, 9, 1), orders_to_date=800)
    (capped,) = [
        d for d in short.stock_up if d.peak.key == "black_friday" and d.peak.date.year == 2026
    ]
    (free,) = [
        d for d in done.stock_up if d.peak.key == "black_friday" and d.peak.date.year == 2026
    ]
    assert capped.daily_order_limit == 200
    assert free.daily_order_limit is None


def test_the_cap_is_a_pure_function_of_the_store_and_the_day(make_profile, catalog):
    store = resolve_profile(
        make_profile(entity="US", chinese_share_percent=0, opened_on="2026-11-01"), catalog
    )
    assert daily_order_limit(store, date(2026, 11, 30)) == 50
    assert daily_order_limit(store, date(2026, 12, 1)) is None
    thai = resolve_profile(
        make_profile(market="TH", entity="TH", categories=["home"], opened_on="2026-11-01"),
        catalog,
    )
    assert daily_order_limit(thai, date(2026, 11, 11)) == 100


def test_peak_sales_forecast_never_exceeds_the_daily_limit():
    assert peak_daily_sales(10, 100, None) == 20
    assert peak_daily_sales(10, 100, 50) == 20
    assert peak_daily_sales(40, 100, 50) == 50


def test_a_store_s_own_daily_order_limit_replaces_the_market_s_tier(plan_for):
    # Seller Center shows the shop's own tier (e.g. promoted to 200 a day): the plan uses it.
    plan = plan_for(
        entity="US",
        chinese_share_percent=0,
        opened_on="2026-11-01",
        today=date(2026, 11, 1),
        horizon_days=60,
        daily_order_limit=200,
    )
    black_friday = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    assert black_friday.daily_order_limit == 200
    # Off probation, the store's own figure caps nothing either.
    christmas = next(d for d in plan.stock_up if d.peak.key == "christmas")
    assert christmas.daily_order_limit is None


def test_a_daily_order_limit_below_one_is_refused(make_profile):
    from tracker.playbook.profile import ProfileError

    with pytest.raises(ProfileError) as refused:
        make_profile(daily_order_limit=0)
    assert [e.field for e in refused.value.errors] == ["daily_order_limit"]
