"""The plan a store gets: which tasks, due when, locked by what."""

from __future__ import annotations

from datetime import date, timedelta

from tracker.playbook.peaks import Peak
from tracker.playbook.plan import generate_plan
from tracker.playbook.stockup import Shutdown, stock_up_deadlines


def _tasks(plan, key):
    return [task for task in plan.tasks if task.key == key]


def _keys(plan):
    return {task.key for task in plan.tasks}


def test_black_friday_stock_up_is_worked_back_from_the_warmup(plan_for):
    plan = plan_for(opened_on="2026-01-05", today=date(2026, 6, 1), horizon_days=200)
    deadlines = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    # Black Friday 2026-11-27; warm-up 16 days before: 2026-11-11.
    # Arrive a 7-day inbound buffer before: 11-04. Sea to the US, 45 days
    # at most: ship by 09-20. Production 30 days: order by 08-21.
    assert deadlines.peak.date == date(2026, 11, 27)
    assert deadlines.in_stock_by == date(2026, 11, 11)
    assert deadlines.arrive_by == date(2026, 11, 4)
    assert deadlines.ship_by == date(2026, 9, 20)
    assert deadlines.order_by == date(2026, 8, 21)
    place_order = [t for t in _tasks(plan, "stockup.place_order") if t.peak.key == "black_friday"]
    assert [t.due_on for t in place_order] == [date(2026, 8, 21)]
    assert place_order[0].title == "Order Black Friday 2026 stock from the factory"


def test_air_freight_and_store_overrides_move_the_deadlines(plan_for):
    plan = plan_for(
        opened_on="2026-01-05",
        today=date(2026, 6, 1),
        horizon_days=200,
        freight_mode="air",
        production_days=20,
    )
    deadlines = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    # 11-04 minus 10 days by air = 10-25; minus 20 days of production = 10-05.
    assert (deadlines.ship_by, deadlines.order_by) == (date(2026, 10, 25), date(2026, 10, 5))


def _peak(day: date, warmup_days: int) -> Peak:
    return Peak("test_peak", "Test peak", day, day - timedelta(days=warmup_days), True, False)


def test_chinese_new_year_closure_pulls_order_by_earlier(catalog):
    shutdown = Shutdown.around(date(2027, 2, 6), catalog.supply.chinese_new_year)
    # Factories closed 2027-01-30 .. 2027-02-27 (7 days before, 21 after).
    assert shutdown.factories == (date(2027, 1, 30), date(2027, 2, 27))
    deadlines = stock_up_deadlines(
        _peak(date(2027, 3, 30), warmup_days=10),
        freight_mode="air",
        lead_time_days=10,
        production_days=30,
        inbound_buffer_days=7,
        shutdowns=[shutdown],
    )
    # In stock 03-20, arrive 03-13, ship 03-03. Counting 30 working days back
    # from 03-03: 03-02, 03-01, 02-28 (3 days), then 29 closed days, then
    # 27 more days back from 01-29: order by 2027-01-03 instead of 02-01.
    assert deadlines.ship_by == date(2027, 3, 3)
    assert deadlines.order_by == date(2027, 1, 3)
    assert any("29 days earlier" in note for note in deadlines.adjustments)


def test_ship_by_moves_before_forwarders_close(catalog):
    shutdown = Shutdown.around(date(2027, 2, 6), catalog.supply.chinese_new_year)
    deadlines = stock_up_deadlines(
        _peak(date(2027, 2, 25), warmup_days=3),
        freight_mode="air",
        lead_time_days=10,
        production_days=5,
        inbound_buffer_days=7,
        shutdowns=[shutdown],
    )
    # Arrive 02-15, ship 02-05 would be inside the forwarders' closure
    # (02-01 .. 02-16): ship the day before they close, 01-31.
    assert deadlines.ship_by == date(2027, 1, 31)
    assert any("forwarders close" in note for note in deadlines.adjustments)


def test_no_shutdown_no_adjustment(catalog):
    deadlines = stock_up_deadlines(
        _peak(date(2026, 11, 27), warmup_days=16),
        freight_mode="sea",
        lead_time_days=45,
        production_days=30,
        inbound_buffer_days=7,
        shutdowns=[Shutdown.around(date(2027, 2, 6), catalog.supply.chinese_new_year)],
    )
    assert deadlines.adjustments == ()
    assert deadlines.order_by == date(2026, 8, 21)


def test_channel_accounts_never_before_inspection_end(plan_for):
    given = plan_for(opened_on="2026-01-05", inspection_ends_on="2026-03-01")
    (task,) = _tasks(given, "accounts.bind_channel")
    assert task.due_on > date(2026, 3, 1)
    assert task.gate.after == date(2026, 3, 1)
    assert task.locked and not task.estimated

    estimated = plan_for(opened_on="2026-01-05", market="UK")
    (task,) = _tasks(estimated, "accounts.bind_channel")
    # No end date given: the UK default of 60 days, marked as an estimate.
    assert estimated.store.inspection_ends_on == date(2026, 3, 6)
    assert estimated.store.inspection_estimated
    assert task.due_on > date(2026, 3, 6) and task.estimated


def test_channel_gate_opens_the_day_after_inspection_ends(plan_for):
    plan = plan_for(opened_on="2026-01-05", inspection_ends_on="2026-03-01")
    (task,) = _tasks(plan, "accounts.bind_channel")
    assert not task.gate.is_open(date(2026, 3, 1))
    assert task.gate.is_open(date(2026, 3, 2))


def test_fully_managed_stores_get_no_account_tasks(plan_for):
    plan = plan_for(model="full_managed", categories=["apparel"])
    assert not [key for key in _keys(plan) if key.startswith("accounts.")]
    assert not [key for key in _keys(plan) if key.startswith(("live.", "ads.", "campaign."))]
    assert {
        "supply.plan_inventory",
        "products.refresh_range",
        "after_sales.platform_check_in",
    } <= _keys(plan)


def test_invitation_only_category_gives_warning_and_application_task(plan_for):
    plan = plan_for(market="TH", categories=["apparel", "jewelry", "food"])
    warning = next(w for w in plan.warnings if w.code == "invitation_category")
    assert "Jewelry and Food" in warning.message
    (task,) = _tasks(plan, "eligibility.apply_invitation_category")
    assert task.title.endswith("Jewelry, Food")
    assert task.phase == "pre_launch" and task.due_on < plan.store.profile.opened_on


def test_open_categories_need_no_application(plan_for):
    plan = plan_for(market="TH", categories=["apparel"])
    assert "eligibility.apply_invitation_category" not in _keys(plan)
    assert not [w for w in plan.warnings if w.code == "invitation_category"]


def test_pop_in_the_uk_is_planned_with_a_warning(plan_for):
    plan = plan_for(market="UK", categories=[])
    (warning,) = [w for w in plan.warnings if w.code == "model_not_offered_in_market"]
    assert "United Kingdom" in warning.message and "Fully managed" in warning.message
    assert "accounts.bind_official" in _keys(plan)


def test_plans_are_deterministic(plan_for):
    first = plan_for(market="SA", model="full_managed", today=date(2026, 11, 23))
    second = plan_for(market="SA", model="full_managed", today=date(2026, 11, 23))
    assert first.to_json() == second.to_json()


def test_recurring_task_is_listed_once_with_its_next_occurrence(plan_for):
    plan = plan_for(opened_on="2026-01-05", today=date(2026, 3, 10))
    (live,) = _tasks(plan, "live.daily")
    assert live.recurrence.every == "day"
    assert live.starts_on == date(2026, 1, 13)
    assert live.due_on == date(2026, 3, 10)
    assert live.occurrences(date(2026, 3, 10), date(2026, 3, 12)) == [
        date(2026, 3, 10),
        date(2026, 3, 11),
        date(2026, 3, 12),
    ]


def test_monthly_occurrences_keep_the_day_of_month(plan_for):
    plan = plan_for(model="full_managed", categories=["apparel"], opened_on="2026-01-01")
    (refresh,) = _tasks(plan, "products.refresh_range")
    # Starts 30 days after opening (01-31): the end of February, then 03-31.
    assert refresh.occurrences(date(2026, 1, 1), date(2026, 4, 1)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_ads_stay_locked_until_positioning_tags_and_followers(plan_for, catalog):
    plan = plan_for(followers=5000)
    (ads,) = _tasks(plan, "ads.launch")
    target = catalog.markets["US"].follower_target
    assert ads.locked and ads.gate.followers_at_least == target
    done = frozenset(ads.gate.tasks)
    assert set(done) >= {"positioning.store_style", "audience.check_account_tags"}
    today = plan.today
    assert ads.gate.is_open(today, followers=target, done=done)
    assert not ads.gate.is_open(today, followers=target - 1, done=done)
    assert not ads.gate.is_open(today, followers=target, done=done - {"positioning.store_style"})
    assert ads.gate.unmet(today, followers=target - 1, done=done) == [
        f"{target - 1:,} of {target:,} followers"
    ]


def test_peak_deadlines_before_opening_are_left_out_with_a_warning(plan_for):
    plan = plan_for(opened_on="2026-10-01", today=date(2026, 10, 1), horizon_days=90)
    black_friday = [t for t in plan.tasks if t.peak and t.peak.key == "black_friday"]
    assert all(t.due_on >= date(2026, 10, 1) for t in black_friday)
    assert "stockup.place_order" not in {t.key for t in black_friday}
    warning = next(w for w in plan.warnings if w.code == "peak_deadline_before_opening")
    assert "Black Friday 2026" in warning.message and "stockup.place_order" in warning.message


def test_horizon_limits_what_is_planned(plan_for):
    plan = plan_for(today=date(2026, 1, 5), horizon_days=30)
    assert plan.tasks
    assert max(t.due_on for t in plan.tasks) <= date(2026, 2, 4)
    assert "ads.launch" not in _keys(plan)


def test_chinese_new_year_work_is_for_cross_border_stores(plan_for):
    cross = plan_for(market="US", entity="CN", today=date(2026, 11, 1), horizon_days=120)
    local = plan_for(market="US", entity="US", today=date(2026, 11, 1), horizon_days=120)
    assert local.store.profile.store_type == "local"
    assert {"cny.order_spring_stock", "xb.state_delivery_times"} <= _keys(cross)
    assert not {k for k in _keys(local) if k.startswith(("cny.", "xb."))}
    assert {"local.offer_fast_delivery", "local.price_against_competitors"} <= _keys(local)


def test_saudi_stores_plan_for_ramadan_and_white_friday(plan_for):
    plan = plan_for(
        model="full_managed",
        market="SA",
        categories=["fmcg"],
        opened_on="2026-06-01",
        today=date(2026, 8, 1),
        horizon_days=200,
    )
    peaks = {t.peak.key for t in plan.tasks if t.peak}
    assert {"white_friday", "ramadan"} <= peaks
    assert "black_friday" not in peaks


def test_dependencies_name_only_tasks_that_apply(plan_for, catalog):
    plan = plan_for(model="full_managed", categories=["apparel"])
    applicable = _keys(
        generate_plan(plan.store.profile, catalog, today=plan.today, horizon_days=3650)
    )
    for task in plan.tasks:
        assert set(task.depends_on) <= applicable


def test_dependencies_are_due_no_later_than_their_dependents(catalog, make_profile):
    """The shipped playbooks never ask for a task before the work it depends on."""
    for model, market, entity in [
        ("pop", "US", "CN"),
        ("pop", "TH", "TH"),
        ("full_managed", "UK", "CN"),
        ("full_managed", "SA", "SA"),
    ]:
        profile = make_profile(model=model, market=market, entity=entity, categories=[])
        plan = generate_plan(profile, catalog, today=date(2026, 1, 5), horizon_days=3650)
        first_due = {}
        for task in plan.tasks:
            first_due.setdefault(
                (task.key, task.peak.date if task.peak else None), task.starts_on or task.due_on
            )
        for task in plan.tasks:
            peak_date = task.peak.date if task.peak else None
            for dep in task.depends_on:
                dep_due = first_due.get((dep, peak_date), first_due.get((dep, None)))
                if dep_due is not None:
                    assert dep_due <= (task.starts_on or task.due_on), (
                        model,
                        market,
                        task.key,
                        dep,
                    )


def test_campaign_work_without_a_possible_registration_is_left_out(plan_for):
    # Opens 2026-12-01 in Thailand: registration for 12.12 (warm-up 12-05,
    # register 28 days before) closed before the store existed.
    plan = plan_for(
        market="TH",
        categories=["apparel"],
        opened_on="2026-12-01",
        today=date(2026, 11, 23),
        horizon_days=40,
    )
    double_12 = {t.key for t in plan.tasks if t.peak and t.peak.key == "double_12"}
    assert "campaign.register" not in double_12
    assert "campaign.schedule_key_lives" not in double_12
    assert "campaign.review_results" in double_12
    # A plain dependency is not a prerequisite: spring stock can still be ordered.
    assert "cny.order_spring_stock" in _keys(plan)
    warning = next(w for w in plan.warnings if "12.12" in w.message)
    assert "campaign.schedule_key_lives" in warning.message
