"""A store's plan speaks of its own market: another market's rules and sources stay out.

Before, every market's store got one text per task: a US store's tax task named the UK's VAT
and Indonesia's NPWP and cited gov.uk and Tokopedia; a UK store's cited the US 1099-K.
Entries now carry a text per market where the platform's rules differ (``market_text`` in
seeds/README.md) and a neutral text for the rest.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker.playbook.catalog import Catalog

# Words that say another market's rule or cite another market's authority: a store of a
# market outside the list must not read them in any task's description or source.
MARKET_WORDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "US rules": (
        frozenset({"US"}),
        ("US:", "in the US", "W-9", "W-8BEN", "SSN", "(US,", "US Black Friday"),
    ),
    "US tax source": (frozenset({"US"}), ("1099-K",)),
    "UK rules": (frozenset({"UK"}), ("UK:", "VAT number", "gov.uk")),
    "Indonesian rules": (frozenset({"ID"}), ("Indonesia:", "NPWP", "SNI", "jakartaglobe")),
    "Indonesian registration": (frozenset({"ID"}), ("Seller Registration",)),
    "Southeast Asian rules": (
        frozenset({"SG", "TH", "VN", "MY", "PH", "ID"}),
        ("Southeast Asia:", "(Southeast Asia)", "in Southeast Asia"),
    ),
}


def _entity(catalog: Catalog, market: str) -> str:
    return catalog.markets[market].country


def _plans(plan_for, catalog: Catalog, market: str):
    """A local and a cross-border store of the market under each model: the wizard lets a
    seller create one where the guides do not list the model (with a warning)."""
    plans = []
    for model in ("pop", "full_managed"):
        for entity in (_entity(catalog, market), "CN"):  # a local and a cross-border store
            plans.append(
                plan_for(
                    model=model,
                    market=market,
                    entity=entity,
                    categories=["home"],
                    opened_on="2026-03-02",
                    today=date(2026, 6, 1),
                    horizon_days=400,
                )
            )
    return plans


MARKETS = ["US", "UK", "SA", "SG", "TH", "VN", "MY", "PH", "ID"]

# A source part that cites one market's platform or authority: any market's Seller Center,
# and the others by name.
CITED_MARKET = {
    **{f"Seller Center {market}": market for market in MARKETS},
    "Tokopedia": "ID",
    "jakartaglobe": "ID",
    "gov.uk": "UK",
}


@pytest.mark.parametrize("market", MARKETS)
def test_a_source_from_another_market_is_labelled_an_assumption(plan_for, catalog, market):
    """A rule known only from another market's page may stand for this market's, but the
    task must say that it is assumed (the platform's rules win where they are known)."""
    unlabelled = []
    for plan in _plans(plan_for, catalog, market):
        for task in plan.tasks:
            cited = {m for words, m in CITED_MARKET.items() if words in task.source} - {market}
            if cited and "assumption" not in task.source:
                unlabelled.append(f"{task.key}: cites {', '.join(sorted(cited))}")
    assert sorted(set(unlabelled)) == []


@pytest.mark.parametrize("market", MARKETS)
def test_no_task_speaks_of_another_markets_rules(plan_for, catalog, market):
    plans = _plans(plan_for, catalog, market)
    assert plans, market
    found = []
    for plan in plans:
        for task in plan.tasks:
            for what, (markets, words) in MARKET_WORDS.items():
                if market in markets:
                    continue
                for word in words:
                    if word in task.description or word in task.source:
                        found.append(f"{task.key}: {what} ({word!r})")
    assert found == []


def _task(plan, key):
    (task,) = [task for task in plan.tasks if task.key == key]
    return task


@pytest.mark.parametrize(
    ("market", "key", "words", "cited"),
    [
        ("US", "payout.tax_setup", ("W-9", "24%"), "1099-K"),
        ("UK", "payout.tax_setup", ("VAT",), "gov.uk"),
        ("ID", "payout.tax_setup", ("NPWP",), "Tokopedia"),
        ("ID", "compliance.qualifications", ("SNI", "halal"), "jakartaglobe"),
        ("US", "health.weekly_review", ("3.5", "4%", "2.5%"), "Fulfillment Policy"),
        ("TH", "health.weekly_review", ("12 hours",), "Seller Center TH"),
        ("US", "fulfilment.daily", ("2 business days",), "Fulfillment Policy"),
    ],
)
def test_a_market_with_its_own_rules_reads_them_with_their_source(
    plan_for, catalog, market, key, words, cited
):
    (plan, *_) = _plans(plan_for, catalog, market)
    task = _task(plan, key)
    for word in words:
        assert word in task.description, (word, task.description)
    assert cited in task.source


def test_a_rule_known_from_the_us_page_is_cited_plainly_in_the_us_and_as_assumed_elsewhere(
    plan_for, catalog
):
    us = _task(_plans(plan_for, catalog, "US")[0], "fulfilment.daily")
    thai = _task(_plans(plan_for, catalog, "TH")[0], "fulfilment.daily")
    assert "Fulfillment Policy" in us.source and "assumption" not in us.source
    assert "Fulfillment Policy" in thai.source and "assumption" in thai.source


def test_a_market_without_its_own_rules_is_told_where_to_find_them(plan_for, catalog):
    (plan, *_) = _plans(plan_for, catalog, "SA")
    task = _task(plan, "payout.tax_setup")
    assert "Seller Center" in task.description
    assert "account holder must match the registered business" in task.description


def _tax_task(store):
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.tasks.models import Task

    return db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.key == "payout.tax_setup")
    ).one()


def test_each_store_page_shows_its_markets_text_and_source_in_the_readers_language(
    client, make_user, make_store, login
):
    from tracker.extensions import db

    ana = make_user(name="Ana Li")
    us = make_store(actor=ana, name="Sunny Beauty US")
    uk = make_store(
        actor=ana, name="Glow Home UK", model="full_managed", market="UK", categories=["home"]
    )
    sa = make_store(
        actor=ana, name="Desert Home SA", model="full_managed", market="SA", categories=["home"]
    )
    login(ana)
    pages = {
        store.market: client.get(f"/tasks/{_tax_task(store).id}").get_data(as_text=True)
        for store in (us, uk, sa)
    }
    assert "W-9" in pages["US"] and "1099-K" in pages["US"]
    assert "VAT" in pages["UK"] and "gov.uk" in pages["UK"]
    for market, page in pages.items():
        others = {"US": ("W-9", "1099-K"), "UK": ("VAT", "gov.uk"), "ID": ("NPWP", "Tokopedia")}
        for other, words in others.items():
            if other != market:
                assert not [word for word in words if word in page], (market, other)
    assert "Seller Center lists them during set-up" in pages["SA"]

    ana.locale = "zh_CN"
    db.session.commit()
    said = {
        store.market: client.get(f"/tasks/{_tax_task(store).id}").get_data(as_text=True)
        for store in (us, uk, sa)
    }
    assert "提交 W-9 表" in said["US"] and "VAT" not in said["US"]
    assert "注册 VAT" in said["UK"] and "W-9" not in said["UK"]
    assert "设置时卖家中心会列出来" in said["SA"]
    assert "假设：账户持有人规则在每个市场都一样" in said["SA"]


def test_an_existing_stores_open_task_takes_its_markets_words_on_the_next_roll(
    make_user, make_store, catalog
):
    """Stores planned before the texts were split read the old all-markets words until their
    plan next rolls forward; the roll puts the market's own in."""
    from datetime import UTC, datetime, timedelta

    from tracker.clock import local_today
    from tracker.extensions import db
    from tracker.plans.sync import roll_forward

    store = make_store(actor=make_user(), name="Sunny Beauty US")
    task = _tax_task(store)
    task.description = "US: Form W-9 ... UK: register for VAT ... Indonesia: the NPWP tax number."
    task.source = 'gov.uk, "Businesses selling goods in the UK using online marketplaces"'
    db.session.commit()

    later = datetime.combine(local_today(store.zone) + timedelta(days=2), datetime.min.time(), UTC)
    changes = roll_forward(store.id, catalog, now=later + timedelta(hours=12))
    db.session.commit()

    assert changes is not None
    task = _tax_task(store)
    entry = catalog.entry("payout.tax_setup")
    assert (task.description, task.source) == (entry.description_in("US"), entry.source_in("US"))


def test_copying_a_task_into_a_checklist_keeps_its_markets_words(
    client, make_user, make_store, login
):
    """The copy link carried only the entry's key, so a US store's tax task became a
    checklist step with the neutral text, its W-9 rule lost (found by review)."""
    import html
    import re

    ana = make_user(name="Ana Li")
    us = make_store(actor=ana, name="Sunny Beauty US")
    login(ana)
    detail = client.get(f"/tasks/{_tax_task(us).id}").get_data(as_text=True)
    link = html.unescape(re.search(r'href="([^"]+)" id="copy-into-checklist"', detail).group(1))

    page = html.unescape(client.get(link).get_data(as_text=True))

    assert "W-9" in page and "Seller Center lists them during set-up" not in page


def test_a_checklist_copied_in_one_markets_words_starts_out_for_that_market(
    client, make_user, make_store, login
):
    """The copy kept the US words but applied to every store: a UK and a Thai store were
    about to get a step telling them to file a W-9 (found trying it)."""
    import html
    import re

    ana = make_user(name="Ana Li")
    us = make_store(actor=ana, name="Sunny Beauty US")
    login(ana)
    detail = client.get(f"/tasks/{_tax_task(us).id}").get_data(as_text=True)
    link = html.unescape(re.search(r'href="([^"]+)" id="copy-into-checklist"', detail).group(1))

    page = client.get(link).get_data(as_text=True)

    markets = page.split('name="market"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\w+)" selected>', markets) == ["US"]


@pytest.mark.parametrize(
    ("markets", "words"),
    [(["US"], "W-9"), (["US", "UK"], "Seller Center lists them during set-up")],
    ids=["for the us alone", "for the us and the uk"],
)
def test_a_step_added_to_a_checklist_reads_as_the_checklists_markets_allow(
    client, make_user, make_store, login, markets, words
):
    import html
    import re

    from tests.checklists.test_api import live_prep
    from tracker.catalog import get_catalog
    from tracker.extensions import db
    from tracker.plans.checklists import save_checklist

    ana = make_user(name="Ana Li")
    us = make_store(actor=ana, name="Sunny Beauty US")
    body = live_prep()
    body["applies_to"]["market"] = markets
    save_checklist(body, get_catalog(), actor=ana)
    db.session.commit()
    login(ana)
    detail = html.unescape(client.get(f"/tasks/{_tax_task(us).id}").get_data(as_text=True))
    link = re.search(r'href="(/checklists/\d+/edit\?add=payout\.tax_setup[^"]*)"', detail).group(1)

    page = html.unescape(client.get(link).get_data(as_text=True))

    assert words in page
