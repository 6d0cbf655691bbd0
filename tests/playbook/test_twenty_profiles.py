"""Plans for twenty realistic stores, read as someone who runs a TikTok Shop store would.

Each row is a store a seller could really open: model, market, licence, categories and
opening date. Its plan must hold the work that belongs to it and none that does not
(no overseas warehouse for a fully managed store, no Chinese New Year for a local one,
no affiliates where the platform sells), and the warnings it gets must be the ones the
platform's rules call for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

POP_EVERY = {
    "accounts.bind_official",
    "accounts.bind_channel",
    "health.weekly_review",
    "fulfilment.daily",
    "affiliate.weekly",
    "compliance.qualifications",
    "payout.tax_setup",
    "live.daily",
    "ads.launch",
}
FM_EVERY = {
    "fm.submit_products",
    "fm.samples_and_quality_checks",
    "fm.answer_platform_invitations",
    "fm.fill_stock_up_orders",
    "compliance.qualifications",
    "payout.tax_setup",
    "supply.plan_inventory",
}
POP_ONLY = {
    "accounts.bind_official",
    "health.weekly_review",
    "fulfilment.daily",
    "affiliate.weekly",
    "live.daily",
    "ads.launch",
    "campaign.register",
    "stockup.ship",
    "stockup.confirm_arrival",
    "xb.choose_overseas_warehouse",
    "xb.review_turnover",
}
FM_ONLY = {"fm.submit_products", "fm.deliver_peak_stock", "fm.fill_stock_up_orders"}
CROSS_BORDER = {"xb.state_delivery_times", "cny.order_spring_stock", "cny.ship_before_closure"}
LOCAL = {"local.offer_fast_delivery", "local.price_against_competitors"}


def row(
    name: str,
    profile: dict[str, Any],
    *,
    present: set[str] = frozenset(),
    absent: set[str] = frozenset(),
    peaks: set[str] = frozenset(),
    no_peaks: set[str] = frozenset(),
    warnings: set[str] = frozenset(),
    today: date | None = None,
    horizon_days: int = 400,
) -> Any:
    return pytest.param(
        profile, present, absent, peaks, no_peaks, warnings, today, horizon_days, id=name
    )


PROFILES = [
    row(
        "us-pop-chinese-beauty",
        {"market": "US", "entity": "CN", "categories": ["beauty"], "opened_on": "2026-06-01"},
        present=POP_EVERY | CROSS_BORDER | {"xb.choose_overseas_warehouse", "stockup.place_order"},
        absent=LOCAL | FM_ONLY,
        peaks={"black_friday", "christmas", "chinese_new_year", "us_midyear"},
        no_peaks={"double_11", "ramadan", "tet"},
    ),
    row(
        "us-pop-hong-kong-electronics-before-black-friday",
        {
            "market": "US", "entity": "HK", "categories": ["electronics_3c"],
            "opened_on": "2026-09-15",
        },
        present=POP_EVERY | CROSS_BORDER,
        absent=LOCAL | FM_ONLY,
        peaks={"black_friday", "christmas"},
        warnings={"peak_deadline_before_opening"},
    ),
    row(
        "us-pop-us-entity-mostly-chinese-held",
        {
            "market": "US", "entity": "US", "chinese_share_percent": 60,
            "categories": ["home"], "opened_on": "2026-03-02",
        },
        present=POP_EVERY | CROSS_BORDER,
        absent=LOCAL | FM_ONLY,
    ),
    row(
        "us-pop-local-seller",
        {
            "market": "US", "entity": "US", "chinese_share_percent": 0,
            "categories": ["fashion_accessories"], "opened_on": "2026-03-02",
        },
        present=POP_EVERY | LOCAL | {"local.target_ads_by_interest"},
        absent=CROSS_BORDER | FM_ONLY | {"xb.choose_overseas_warehouse"},
        peaks={"black_friday", "us_midyear"},
        no_peaks={"chinese_new_year"},
    ),
    row(
        "us-fully-managed-chinese-apparel",
        {"model": "full_managed", "market": "US", "entity": "CN", "categories": ["apparel"],
         "opened_on": "2026-04-01"},
        present=FM_EVERY | {"fm.deliver_peak_stock", "fm.confirm_peak_stock_received",
                            "cny.order_spring_stock", "xb.select_distinct_products"},
        absent=POP_ONLY | LOCAL | {"stockup.place_order"},
        peaks={"black_friday", "chinese_new_year"},
    ),
    row(
        "uk-fully-managed-chinese-home",
        {"model": "full_managed", "market": "UK", "entity": "CN", "categories": ["home"],
         "opened_on": "2026-05-04"},
        present=FM_EVERY | {"fm.deliver_peak_stock", "cny.confirm_closures"},
        absent=POP_ONLY | LOCAL,
        peaks={"black_friday", "christmas"},
        no_peaks={"us_midyear", "double_11"},
    ),
    row(
        "uk-pop-chinese-not-listed-by-the-guides",
        {"market": "UK", "entity": "CN", "categories": [], "opened_on": "2026-05-04"},
        present=POP_EVERY | CROSS_BORDER,
        absent=FM_ONLY,
        warnings={"model_not_offered_in_market"},
    ),
    row(
        "uk-fully-managed-british-company",
        {"model": "full_managed", "market": "UK", "entity": "GB", "categories": ["home"],
         "opened_on": "2026-05-04"},
        present=FM_EVERY | {"local.adjust_to_demand"},
        absent=POP_ONLY | CROSS_BORDER,
        no_peaks={"chinese_new_year"},
    ),
    row(
        "saudi-fully-managed-chinese-fmcg",
        {"model": "full_managed", "market": "SA", "entity": "CN", "categories": ["fmcg"],
         "opened_on": "2026-06-01"},
        present=FM_EVERY | {"fm.review_peak_after_sales", "fm.deliver_peak_stock"},
        absent=POP_ONLY,
        peaks={"white_friday", "ramadan", "saudi_national_day"},
        no_peaks={"black_friday", "double_11"},
    ),
    row(
        "singapore-pop-chinese-apparel",
        {"market": "SG", "entity": "CN", "categories": ["apparel"], "opened_on": "2026-06-01"},
        present=POP_EVERY | CROSS_BORDER,
        absent=LOCAL | FM_ONLY,
        peaks={"double_9", "double_11", "double_12", "cny_sales", "chinese_new_year"},
        no_peaks={"black_friday", "ramadan", "tet"},
    ),
    row(
        "singapore-pop-local-beauty",
        {"market": "SG", "entity": "SG", "categories": ["beauty"], "opened_on": "2026-06-01"},
        present=POP_EVERY | LOCAL,
        absent=CROSS_BORDER | FM_ONLY,
        peaks={"cny_sales", "double_6"},
        no_peaks={"chinese_new_year"},
    ),
    row(
        "thailand-pop-local-home-and-food",
        {"market": "TH", "entity": "TH", "categories": ["home", "food"], "opened_on": "2026-07-01"},
        present=POP_EVERY | LOCAL | {"eligibility.apply_invitation_category"},
        absent=CROSS_BORDER | FM_ONLY,
        peaks={"double_9", "double_10", "double_11", "double_12"},
        no_peaks={"cny_sales", "tet", "ramadan"},
        warnings={"invitation_category"},
    ),
    row(
        "thailand-pop-chinese-jewelry",
        {"market": "TH", "entity": "CN", "categories": ["jewelry"], "opened_on": "2026-07-01"},
        present=POP_EVERY | CROSS_BORDER | {"eligibility.apply_invitation_category"},
        absent=LOCAL | FM_ONLY,
        warnings={"invitation_category"},
    ),
    row(
        "thailand-fully-managed-not-listed-by-the-guides",
        {"model": "full_managed", "market": "TH", "entity": "CN", "categories": ["home"],
         "opened_on": "2026-07-01"},
        present=FM_EVERY,
        absent=POP_ONLY,
        warnings={"model_not_offered_in_market"},
    ),
    row(
        "vietnam-pop-chinese-apparel",
        {"market": "VN", "entity": "CN", "categories": ["apparel"], "opened_on": "2026-08-03"},
        present=POP_EVERY | CROSS_BORDER | {"campaign.monthly_double_day"},
        absent=LOCAL | FM_ONLY,
        peaks={"tet", "double_11", "chinese_new_year"},
        no_peaks={"cny_sales", "ramadan"},
    ),
    row(
        "vietnam-pop-local-shoes",
        {"market": "VN", "entity": "VN", "categories": ["shoes_hats"], "opened_on": "2026-08-03"},
        present=POP_EVERY | LOCAL,
        absent=CROSS_BORDER | FM_ONLY,
        peaks={"tet"},
    ),
    row(
        # A Malaysian food store opened in January: Ramadan and Hari Raya are its next peaks.
        "malaysia-pop-local-food-opened-in-january",
        {"market": "MY", "entity": "MY", "categories": ["food"], "opened_on": "2027-01-10"},
        present=POP_EVERY - {"affiliate.weekly", "ads.launch", "accounts.bind_channel"}
        | LOCAL | {"eligibility.apply_invitation_category", "campaign.raya_last_order_date"},
        absent=CROSS_BORDER | FM_ONLY,
        peaks={"ramadan", "hari_raya"},
        warnings={"invitation_category", "peak_deadline_before_opening"},
        today=date(2027, 1, 10),
        horizon_days=120,
    ),
    row(
        "malaysia-pop-chinese-beauty",
        {"market": "MY", "entity": "CN", "categories": ["beauty"], "opened_on": "2026-08-03"},
        present=POP_EVERY | CROSS_BORDER,
        absent=LOCAL | FM_ONLY,
        peaks={"cny_sales", "ramadan", "hari_raya", "double_12"},
    ),
    row(
        "philippines-pop-chinese-shoes",
        {"market": "PH", "entity": "CN", "categories": ["shoes_hats"], "opened_on": "2026-08-03"},
        present=POP_EVERY | CROSS_BORDER,
        absent=LOCAL | FM_ONLY,
        peaks={"double_11", "double_12"},
        no_peaks={"ramadan", "cny_sales", "tet"},
    ),
    row(
        "indonesia-pop-local-apparel",
        {"market": "ID", "entity": "ID", "categories": ["apparel"], "opened_on": "2026-09-01"},
        present=POP_EVERY | LOCAL,
        absent=CROSS_BORDER | FM_ONLY,
        peaks={"ramadan", "hari_raya", "double_12"},
        no_peaks={"black_friday", "chinese_new_year", "cny_sales"},
    ),
    row(
        "indonesia-pop-chinese-seller-refused",
        {"market": "ID", "entity": "CN", "categories": ["apparel"], "opened_on": "2026-09-01"},
        warnings={"entity_not_eligible"},
    ),
]  # fmt: skip

# Warnings a plan may carry without its row asking for them.
INCIDENTAL = {"peak_deadline_before_opening"}


@pytest.mark.parametrize(
    "profile, present, absent, peaks, no_peaks, warnings, today, horizon_days", PROFILES
)
def test_each_store_gets_the_work_that_belongs_to_it(
    plan_for, profile, present, absent, peaks, no_peaks, warnings, today, horizon_days
):
    opened_on = date.fromisoformat(profile["opened_on"])
    plan = plan_for(today=today or opened_on, horizon_days=horizon_days, **profile)
    keys = {task.key for task in plan.tasks}
    planned_peaks = {task.peak.key for task in plan.tasks if task.peak}

    assert present <= keys, f"missing: {sorted(present - keys)}"
    assert not absent & keys, f"does not belong: {sorted(absent & keys)}"
    assert peaks <= planned_peaks, f"no work for: {sorted(peaks - planned_peaks)}"
    assert not no_peaks & planned_peaks, f"not this market's: {sorted(no_peaks & planned_peaks)}"
    codes = {warning.code for warning in plan.warnings}
    assert warnings <= codes, f"warnings missing: {sorted(warnings - codes)}"
    assert codes <= warnings | INCIDENTAL, f"unexpected warnings: {sorted(codes - warnings)}"

    # Read as a seller would: one tax step, nothing due before opening, each task once.
    assert [task.key for task in plan.tasks].count("payout.tax_setup") <= 1
    for task in plan.tasks:
        assert task.due_on >= opened_on or task.recurrence is not None, task.key
    slots = [(task.key, task.peak.date if task.peak else None) for task in plan.tasks]
    assert len(slots) == len(set(slots))


def test_the_table_covers_the_markets_models_and_types_it_should():
    profiles = [param.values[0] for param in PROFILES]
    assert len(profiles) == 20 + 1  # twenty stores, and one the platform refuses
    assert {p["market"] for p in profiles} == {
        "US", "UK", "SA", "SG", "TH", "VN", "MY", "PH", "ID"
    }  # fmt: skip
    assert {p.get("model", "pop") for p in profiles} == {"pop", "full_managed"}
    assert len({p["opened_on"] for p in profiles}) >= 5
