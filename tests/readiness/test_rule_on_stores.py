"""The readiness rule pinned on hand-made stores on a fixed day: ready, at risk, not ready."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.readiness.conftest import NOW, OPENED, TODAY, onboarding_task, peak_task, tick_up_to
from tracker.extensions import db
from tracker.readiness.queries import portfolio
from tracker.stores.services import add_member


def by_name(user, catalog, **kwargs):
    return {row.store.name: row for row in portfolio(user, catalog, now=NOW, **kwargs)}


def test_three_stores_ready_at_risk_and_not_ready(shop, manager, catalog):
    ready, slow, late = shop("Ready US"), shop("Slow US"), shop("Late US")
    # Everyone keeps up with the work due up to Black Friday, except one task each.
    tick_up_to(ready, manager, date(2026, 11, 27))
    tick_up_to(slow, manager, date(2026, 11, 27), leave=[onboarding_task(slow, critical=False).id])
    forgotten = onboarding_task(late, critical=True)
    tick_up_to(late, manager, date(2026, 11, 27), leave=[forgotten.id])

    rows = by_name(manager, catalog)

    row = rows["Ready US"]
    assert row.today == TODAY
    assert row.status == "ready", row.reasons
    assert row.reasons == []
    # Binding channel accounts waits for the inspection's 500 orders, so onboarding is
    # not quite complete; a critical task weighs double in the share.
    onboarding = row.onboarding.tally
    assert onboarding.done == onboarding.total - 1
    assert onboarding.weight_total - onboarding.weight_done == 2
    assert 80 <= row.onboarding.percent < 100
    assert row.next_peak.key == "black_friday"
    assert row.next_peak.falls_on == date(2026, 11, 27)
    assert row.next_peak.warmup_starts_on == date(2026, 11, 11)
    assert row.next_peak.tally.days_left == 41  # to the warm-up start
    assert row.next_peak.percent == 100
    assert row.overdue == 0

    row = rows["Slow US"]
    assert row.status == "at_risk"
    assert row.onboarding.status == "at_risk"
    assert row.reasons == ["Onboarding: 1 task overdue"]
    assert row.next_peak.status == "ready"
    assert row.overdue == 1

    row = rows["Late US"]
    assert row.status == "not_ready"
    assert row.reasons == ["Onboarding: 1 critical task overdue"]
    assert row.onboarding.percent < rows["Slow US"].onboarding.percent  # weighs double


def test_a_passed_stock_up_deadline_makes_the_peak_not_ready(shop, manager, catalog):
    # Opened in June, the store has Black Friday's stock-up deadlines in its plan (and the
    # inspection's 500 orders, so binding channel accounts is not overdue).
    store = shop("Stocked US", opened_on="2026-06-01", orders_to_date=500)
    ship = peak_task(store, "stockup.ship", "black_friday")
    assert ship.due_on < TODAY
    tick_up_to(store, manager, date(2026, 11, 27), leave=[ship.id])

    row = by_name(manager, catalog)["Stocked US"]
    peak = row.next_peak
    assert peak.key == "black_friday"
    assert peak.status == "not_ready"
    # A stock-up task is critical too, but the passed deadline is said once, as such.
    assert peak.assessment.reasons == ("1 stock-up deadline passed undone",)
    assert row.reasons == ["Black Friday: 1 stock-up deadline passed undone"]


def test_a_later_peak_s_passed_deadline_makes_the_store_not_ready(shop, manager, catalog):
    store = shop("Later US", opened_on="2026-06-01", orders_to_date=500)
    forecast = peak_task(store, "stockup.forecast", "christmas")
    assert forecast.due_on < TODAY
    tick_up_to(store, manager, date(2026, 12, 25), leave=[forecast.id])
    row = by_name(manager, catalog)["Later US"]
    assert row.next_peak.key == "black_friday" and row.next_peak.status == "ready"
    christmas = next(peak for peak in row.peaks if peak.key == "christmas")
    assert christmas.status == "not_ready"
    assert row.status == "not_ready"
    assert row.reasons[0].startswith("Christmas: ")


def test_once_the_warm_up_has_begun_days_left_run_to_the_peak(shop, manager, catalog):
    store = shop("Warm US")
    tick_up_to(store, manager, date(2026, 11, 27))
    in_the_warm_up = datetime(2026, 11, 20, 20, tzinfo=UTC)
    row = {r.store.name: r for r in portfolio(manager, catalog, now=in_the_warm_up)}["Warm US"]
    assert row.next_peak.key == "black_friday"
    assert row.next_peak.tally.days_left == 7  # to November 27, the warm-up began on the 11th
    assert row.next_peak.status == "ready"


def test_a_store_opened_today_with_nothing_due_yet_is_ready(shop, manager, catalog):
    shop("New US", opened_on="2026-10-01")
    row = by_name(manager, catalog)["New US"]
    assert row.onboarding.percent == 0
    assert row.onboarding.tally.overdue == 0
    assert row.onboarding.tally.days_left > 14
    assert row.onboarding.status == "ready"


def test_blocked_means_locked_past_due_with_the_locks_reason(shop, manager, catalog):
    store = shop("Gated US")
    # The campaign prices wait for the registration; leave the registration undone.
    register = peak_task(store, "campaign.register", "black_friday")
    tick_up_to(store, manager, date(2026, 11, 27), leave=[register.id])
    later = datetime(2026, 10, 30, 19, tzinfo=UTC)  # after the prices were due (10-28)
    row = {r.store.name: r for r in portfolio(manager, catalog, now=later)}["Gated US"]
    blocked = {task.key: task for task in row.blocked}
    assert "campaign.set_prices" in blocked
    assert blocked["campaign.set_prices"].locked_because == ("waiting for: campaign.register",)
    assert "registered" in blocked["campaign.set_prices"].gate_reason
    assert row.overdue >= len(row.blocked) + 1  # the registration itself is overdue too
    assert row.next_peak.status == "not_ready"  # the registration is critical


def test_a_member_sees_only_their_stores(shop, manager, make_user, catalog):
    member = make_user("member")
    mine = shop("Mine US")
    shop("Not mine US")
    add_member(mine, member, actor=manager)
    db.session.commit()
    assert set(by_name(member, catalog)) == {"Mine US"}
    assert set(by_name(manager, catalog)) == {"Mine US", "Not mine US"}


def test_each_store_is_scored_on_its_own_today(make_store, manager, catalog):
    # 19:00 UTC on October 1 is already October 2 in Bangkok.
    make_store(
        actor=manager, name="Thai", market="TH", categories=["home"], opened_on=OPENED, today=TODAY
    )
    make_store(actor=manager, name="Cali", opened_on=OPENED, today=TODAY)
    rows = by_name(manager, catalog)
    assert rows["Thai"].today == date(2026, 10, 2)
    assert rows["Cali"].today == date(2026, 10, 1)
    assert rows["Thai"].next_peak.key == "double_10"
