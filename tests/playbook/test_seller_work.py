"""The work real sellers do that the guides leave out: each in the plans it belongs to, once."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.playbook.accounts import official_account_refusal, unlink_refusal

POP_STORES = [
    {"market": "US", "entity": "CN"},
    {"market": "US", "entity": "US", "chinese_share_percent": 0},
    {"market": "TH", "entity": "TH", "categories": ["home"]},
    {"market": "VN", "entity": "CN", "categories": ["apparel"]},
    {"market": "MY", "entity": "MY", "categories": ["beauty"]},
]
FM_STORES = [
    {"model": "full_managed", "market": "US", "categories": ["apparel"]},
    {"model": "full_managed", "market": "UK", "categories": ["home"]},
    {"model": "full_managed", "market": "SA", "categories": ["fmcg"]},
]


def _plan(plan_for, profile):
    return plan_for(opened_on="2026-03-02", today=date(2026, 6, 1), horizon_days=200, **profile)


def _tasks(plan, key):
    return [task for task in plan.tasks if task.key == key]


@pytest.mark.parametrize("profile", POP_STORES, ids=lambda p: f"{p['market']}-{p['entity']}")
def test_every_pop_store_reviews_shop_health_ships_daily_and_works_affiliates(plan_for, profile):
    plan = _plan(plan_for, profile)
    (health,) = _tasks(plan, "health.weekly_review")
    (shipping,) = _tasks(plan, "fulfilment.daily")
    (affiliates,) = _tasks(plan, "affiliate.weekly")
    assert (health.recurrence.every, shipping.recurrence.every) == ("week", "day")
    assert affiliates.recurrence.every == "week"
    for words in ("late dispatch", "cancellation", "chat", "violation"):
        assert words in health.description, words
    # The US scores a shop from 0 to 5; Southeast Asia shows a store rating.
    score = "performance score" if profile["market"] == "US" else "store rating"
    assert score in health.description
    assert "tracking" in shipping.title
    assert "commission" in affiliates.description and "sample" in affiliates.description


@pytest.mark.parametrize("profile", POP_STORES + FM_STORES, ids=lambda p: str(sorted(p.items())))
def test_every_store_sets_up_tax_and_payouts_once_and_qualifications_before_listing(
    plan_for, profile
):
    plan = _plan(plan_for, profile)
    assert len(_tasks(plan, "payout.tax_setup")) == 1
    (qualifications,) = _tasks(plan, "compliance.qualifications")
    fully_managed = profile.get("model") == "full_managed"
    listing = "fm.submit_products" if fully_managed else "pop.list_products"
    (first_listing,) = _tasks(plan, listing)
    assert qualifications.due_on < first_listing.due_on
    assert "compliance.qualifications" in first_listing.depends_on
    assert qualifications.due_on >= plan.store.profile.opened_on


@pytest.mark.parametrize("profile", FM_STORES, ids=lambda p: p["market"])
def test_fully_managed_stores_get_no_pop_routines(plan_for, profile):
    keys = {task.key for task in _plan(plan_for, profile).tasks}
    assert not {"health.weekly_review", "fulfilment.daily", "affiliate.weekly"} & keys


def test_the_tax_step_says_what_each_market_asks(catalog):
    entry = catalog.entry("payout.tax_setup")
    us, uk, indonesia = (entry.description_in(market) for market in ("US", "UK", "ID"))
    assert "W-9" in us and "24%" in us
    assert "VAT" in uk and "UK" in uk
    assert "NPWP" in indonesia
    for text in (us, uk, indonesia, entry.description_in("SA")):
        assert "payout" in text.lower() and "company" in text


def test_campaign_prerequisites_come_before_each_registration(plan_for):
    plan = _plan(plan_for, {"market": "US", "entity": "CN"})
    registrations = {t.peak.date: t for t in _tasks(plan, "campaign.register")}
    prerequisites = {t.peak.date: t for t in _tasks(plan, "campaign.check_prerequisites")}
    assert registrations and set(prerequisites) == set(registrations)
    for day, register in registrations.items():
        assert prerequisites[day].due_on <= register.due_on
        assert "campaign.check_prerequisites" in register.depends_on
    text = next(iter(prerequisites.values())).description
    for words in ("free shipping", "lowest price", "official account", "key livestream"):
        assert words in text, words


def test_the_official_account_task_says_the_platforms_rules(catalog):
    text = catalog.entry("accounts.bind_official").description
    for words in ("region", "name", "24 hours", "three times"):
        assert words in text, words


# --- the account register's rules, as pure functions -------------------------------------


def test_an_official_account_from_another_region_is_refused(catalog):
    rule = catalog.markets["US"].accounts
    refusal = official_account_refusal(rule, shop_region="US", account_region="GB")
    assert refusal is not None and refusal.code == "region_mismatch"
    assert "US" in refusal.message and "GB" in refusal.message
    assert official_account_refusal(rule, shop_region="US", account_region="US") is None


def test_an_official_account_cannot_be_unlinked_within_a_day_or_a_fourth_time(catalog):
    rule = catalog.markets["US"].accounts
    bound_on = date(2026, 3, 2)

    def refused(on, before=0):
        found = unlink_refusal(rule, kind="official", bound_on=bound_on, on=on, unlinked=before)
        return found.code if found else None

    assert refused(bound_on) == "unlink_too_soon"
    assert refused(date(2026, 3, 3)) is None
    assert refused(date(2026, 3, 3), before=2) is None
    assert refused(date(2026, 3, 3), before=3) == "unlink_limit"
    channel = unlink_refusal(rule, kind="channel", bound_on=bound_on, on=bound_on, unlinked=9)
    assert channel is None
