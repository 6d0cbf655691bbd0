"""The plan a store gets: which tasks, due when, locked by what."""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta

import pytest

from tests.conftest import SEEDS
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
    # No end date given: the UK default of 60 days (its last day 2026-03-05), an estimate.
    assert estimated.store.inspection_ends_on == date(2026, 3, 5)
    assert estimated.store.inspection_estimated
    assert task.due_on > date(2026, 3, 5) and task.estimated


def test_channel_gate_opens_the_day_after_inspection_ends(plan_for):
    plan = plan_for(opened_on="2026-01-05", inspection_ends_on="2026-03-01", orders_to_date=500)
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


def test_the_invitation_application_is_due_in_the_first_days_after_opening(plan_for):
    # It is made in Seller Center, which exists once the shop does.
    opened_on = date(2027, 1, 10)
    plan = plan_for(
        market="MY", entity="MY", categories=["food"], opened_on="2027-01-10", today=opened_on
    )
    (task,) = _tasks(plan, "eligibility.apply_invitation_category")
    assert opened_on < task.due_on <= opened_on + timedelta(days=3)
    assert task.phase == "onboarding" and task.critical
    # So a new Malaysian food store has nothing critical overdue on its first day.
    assert not [t.key for t in plan.tasks if t.critical and t.due_on < opened_on]


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
    # No review of a campaign the store never joined.
    assert "campaign.review_results" not in double_12
    # A plain dependency is not a prerequisite: spring stock can still be ordered.
    assert "cny.order_spring_stock" in _keys(plan)
    warning = next(w for w in plan.warnings if "12.12" in w.message)
    assert "campaign.schedule_key_lives" in warning.message


def test_a_us_entity_mostly_chinese_held_gets_the_cross_border_plan(plan_for):
    plan = plan_for(
        entity="US", chinese_share_percent=60, opened_on="2026-06-01", today=date(2026, 6, 1)
    )
    assert plan.store.profile.store_type == "cross_border"
    assert plan.store.freight_mode == "sea"
    assert not [w for w in plan.warnings if w.code == "store_type_mismatch"]
    black_friday = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    # Sea freight from China, as for any cross-border store: order by 08-21, not 09-30.
    assert black_friday.order_by == date(2026, 8, 21)
    keys = _keys(plan)
    assert {"xb.state_delivery_times", "cny.order_spring_stock"} <= keys
    assert not {key for key in keys if key.startswith("local.")}


ADS_WORDS = re.compile(r"\bads?\b|advertis|GMV Max", re.IGNORECASE)


@pytest.mark.parametrize("entity", ["CN", "US"])
def test_every_ads_task_follows_the_ad_gate(plan_for, catalog, entity):
    plan = plan_for(entity=entity, chinese_share_percent=0, followers=0, horizon_days=400)
    (launch,) = _tasks(plan, "ads.launch")
    ads_tasks = [t for t in plan.tasks if ADS_WORDS.search(t.title) and t.key != "ads.launch"]
    assert ads_tasks, "the plan has no ads task besides the launch"
    for task in ads_tasks:
        assert task.locked, task.key
        assert "ads.launch" in task.gate.tasks, task.key
        assert task.gate.followers_at_least == launch.gate.followers_at_least, task.key
        done = frozenset(launch.gate.tasks)
        target = launch.gate.followers_at_least
        # Open only once the launch itself is done.
        assert not task.gate.is_open(plan.today, followers=target, done=done)
        assert task.gate.is_open(plan.today, followers=target, done=done | {"ads.launch"})


def test_ads_tasks_describe_gmv_max_not_manual_audience_targeting(catalog):
    manual = re.compile(r"narrow audiences|tags and interests|target(ing)? audiences?", re.I)
    for entry in catalog.entries:
        if not ADS_WORDS.search(entry.title):
            continue
        assert not manual.search(entry.description), entry.key
        assert "GMV Max" in entry.description, entry.key
        assert "ROI" in entry.description or entry.key == "ads.launch", entry.key


def test_the_follower_target_is_an_assumption_and_says_shop_accounts_need_no_followers():
    markets = tomllib.loads((SEEDS / "markets.toml").read_text(encoding="utf-8"))
    source = markets["defaults"]["ads"]["source"]
    assert source.startswith("assumption")
    assert "no follower minimum" in source
    assert "1,000" in source and "creator" in source


def _fm_plan(plan_for, **overrides):
    profile = {
        "model": "full_managed",
        "categories": ["apparel"],
        "opened_on": "2026-03-02",
        "today": date(2026, 6, 1),
        "horizon_days": 200,
    }
    return plan_for(**(profile | overrides))


def test_fully_managed_stores_get_no_overseas_warehouse_work(plan_for):
    plan = _fm_plan(plan_for)
    keys = _keys(plan)
    assert not {"xb.choose_overseas_warehouse", "xb.review_turnover"} & keys
    assert not {"stockup.ship", "stockup.confirm_arrival"} & keys
    for task in plan.tasks:
        text = f"{task.title} {task.description}".lower()
        assert "overseas warehouse" not in text and "market warehouse" not in text, task.key


def test_fully_managed_stock_up_is_worked_back_from_the_platforms_receiving_deadline(plan_for):
    plan = _fm_plan(plan_for)
    assert plan.store.freight_mode == "platform_warehouse"
    deadlines = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    # Warm-up 2026-11-11; the platform receives in its market warehouse a 7-day buffer
    # before (11-04) and ships from China by sea, 45 days at most: its receiving
    # deadline in China is 09-20. Domestic transit to it, 3 days: hand over by 09-17.
    # Production 30 days: order by 08-18.
    assert deadlines.arrive_by == date(2026, 9, 20)
    assert deadlines.ship_by == date(2026, 9, 17)
    assert deadlines.order_by == date(2026, 8, 18)
    (deliver,) = [t for t in _tasks(plan, "fm.deliver_peak_stock") if t.peak.key == "black_friday"]
    assert deliver.due_on == date(2026, 9, 17)
    assert "receiving warehouse" in deliver.title
    (received,) = [
        t for t in _tasks(plan, "fm.confirm_peak_stock_received") if t.peak.key == "black_friday"
    ]
    assert received.due_on == date(2026, 9, 20)


def test_fully_managed_stores_get_the_work_fm_sellers_do(plan_for):
    keys = _keys(_fm_plan(plan_for))
    assert {
        "fm.answer_platform_invitations",
        "fm.fill_stock_up_orders",
        "fm.samples_and_quality_checks",
        "fm.forecast_peak_stock",
        "fm.order_peak_stock",
    } <= keys
    pop = _keys(plan_for(opened_on="2026-03-02", today=date(2026, 6, 1), horizon_days=200))
    assert not {key for key in pop if key.startswith("fm.")}
    assert {"stockup.ship", "stockup.confirm_arrival", "xb.choose_overseas_warehouse"} <= pop


def test_spring_stock_is_worked_back_so_it_is_on_sale_before_factories_close(plan_for, catalog):
    # A US sea store: 30 days' production, 45 days by sea, 7 days' receiving.
    plan = plan_for(opened_on="2026-06-01", today=date(2026, 9, 1), horizon_days=200)
    new_year = date(2027, 2, 6)
    closure = catalog.supply.chinese_new_year
    factories_close = new_year + timedelta(days=closure.factories_closed_from)
    assert factories_close == date(2027, 1, 30)
    (order,) = _tasks(plan, "cny.order_spring_stock")
    (ship,) = _tasks(plan, "cny.ship_before_closure")
    (ask,) = _tasks(plan, "cny.confirm_closures")
    # In the market warehouse by 01-30, received from 01-23, shipped by sea 45 days
    # before (2026-12-09), made in the 30 days before that (ordered 2026-11-09).
    assert ship.due_on == date(2026, 12, 9)
    assert order.due_on == date(2026, 11, 9)
    assert ask.due_on < order.due_on
    on_sale = order.due_on + timedelta(days=30 + 45 + 7)
    assert on_sale <= factories_close


def test_chinese_new_year_closures_agree_everywhere(plan_for, catalog):
    closure = catalog.supply.chinese_new_year
    for freight_mode in ("sea", "air"):
        plan = plan_for(
            opened_on="2026-06-01",
            today=date(2026, 9, 1),
            horizon_days=200,
            freight_mode=freight_mode,
        )
        (ship,) = _tasks(plan, "cny.ship_before_closure")
        forwarders_close = ship.peak.date + timedelta(days=closure.forwarders_closed_from)
        assert ship.due_on < forwarders_close, freight_mode
        # `tracker peaks` shows the warm-up of Chinese New Year as the day factories close.
        assert ship.peak.warmup_starts_on == ship.peak.date + timedelta(
            days=closure.factories_closed_from
        )


def _peak_keys(plan, peak_key, year):
    return {
        t.key for t in plan.tasks if t.peak and (t.peak.key, t.peak.date.year) == (peak_key, year)
    }


def test_a_stock_check_goes_with_the_ordering_and_shipping_it_checks(plan_for):
    # Opened 2026-11-02: Black Friday stock had to be ordered 08-21 and shipped 09-20.
    plan = plan_for(opened_on="2026-11-02", today=date(2026, 11, 2), horizon_days=60)
    black_friday = _peak_keys(plan, "black_friday", 2026)
    assert not {"stockup.place_order", "stockup.ship"} & black_friday
    assert "stockup.confirm_arrival" not in black_friday
    warning = next(w for w in plan.warnings if "Black Friday 2026" in w.message)
    assert "stockup.confirm_arrival" in warning.message


def test_no_review_of_a_campaign_the_store_never_joined(plan_for):
    # Opened 2027-10-05 in Vietnam: 10.10 registration closed on 09-05.
    plan = plan_for(
        market="VN",
        entity="VN",
        categories=["apparel"],
        opened_on="2027-10-05",
        today=date(2027, 10, 5),
        horizon_days=60,
    )
    assert not {"campaign.register", "campaign.review_results"} & _peak_keys(
        plan, "double_10", 2027
    )
    # 11.11 is joined in time, and reviewed.
    assert {"campaign.register", "campaign.review_results"} <= _peak_keys(plan, "double_11", 2027)


def test_a_check_stays_while_what_it_checks_is_still_ahead(plan_for):
    # Opened 2026-12-20 in Singapore: asking for closing dates was due on 11-26, but the
    # factories close only on 2027-01-30: the check is due on the opening day instead.
    plan = plan_for(
        market="SG",
        categories=["apparel"],
        opened_on="2026-12-20",
        today=date(2026, 12, 20),
        horizon_days=60,
    )
    (ask,) = _tasks(plan, "cny.confirm_closures")
    assert ask.due_on == date(2026, 12, 20)
    assert ask.peak.date == date(2027, 2, 6)


def test_returns_after_ramadan_are_reviewed_after_eid(plan_for):
    plan = plan_for(
        model="full_managed",
        market="SA",
        categories=["fmcg"],
        opened_on="2026-06-01",
        today=date(2026, 12, 1),
        horizon_days=200,
    )
    (review,) = [
        t
        for t in _tasks(plan, "fm.review_peak_after_sales")
        if t.peak.key == "ramadan" and t.peak.date.year == 2027
    ]
    # Ramadan 1448 starts 2027-02-08; Eid al-Fitr is 2027-03-09; returns come after it.
    assert review.peak.date == date(2027, 2, 8)
    assert review.due_on == date(2027, 3, 19)


def test_a_campaign_is_reviewed_after_it_ends(plan_for):
    plan = plan_for(opened_on="2026-03-02", today=date(2026, 6, 1), horizon_days=200)
    (review,) = [t for t in _tasks(plan, "campaign.review_results") if t.peak.key == "black_friday"]
    # The Black Friday campaign runs through Cyber Monday, 2026-11-30.
    assert review.due_on == date(2026, 12, 7)


def test_uk_sea_freight_allows_for_ships_routing_round_the_cape(plan_for, catalog):
    sea = catalog.markets["UK"].freight["sea"]
    assert (sea.min_days, sea.max_days) == (45, 60)
    assert "Cape" in sea.sourced.source and "2025" in sea.sourced.source
    plan = plan_for(
        model="full_managed", market="UK", categories=["home"], opened_on="2026-03-02",
        today=date(2026, 6, 1), horizon_days=200,
    )  # fmt: skip
    deadlines = next(d for d in plan.stock_up if d.peak.key == "black_friday")
    # Warm-up 11-11, receiving 7 days, the platform's sea leg 60 days: received in China by 09-05.
    assert deadlines.arrive_by == date(2026, 9, 5)


def test_freight_longer_than_an_inbound_request_lives_is_warned(plan_for, catalog):
    expires = catalog.supply.inbound_request_expires_days

    def codes(**profile):
        plan = plan_for(opened_on="2026-03-02", today=date(2026, 6, 1), **profile)
        return [w for w in plan.warnings if w.code == "inbound_request_expires"]

    (warning,) = codes(lead_time_days=expires + 1)
    assert f"{expires} days" in warning.message and warning.field == "lead_time_days"
    assert codes(lead_time_days=expires) == []
    assert codes() == []
