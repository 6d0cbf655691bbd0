"""In headless Chromium: the portfolio, filtered by market, then one store's readiness page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401 - the live server and browser fixtures
    LiveServer,
    _new_page,
    _set_up_first_manager_and_store,
    browser,
    live_server,
)
from tracker.auth.models import User
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.plans.stores import create_store
from tracker.stores.services import parse_store_input

pytestmark = pytest.mark.browser


def test_portfolio_filter_and_store_readiness_in_chromium(
    browser: Any,  # noqa: F811
    live_server: LiveServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser, viewport={"width": 1280, "height": 900})
    base = live_server.url
    _set_up_first_manager_and_store(page, base)  # "Sunny Beauty US", opened ten days ago
    with live_server.app.app_context():
        catalog = get_catalog()
        ana = User.by_email("ana@example.com")
        for name, market in (("Bangkok Home", "TH"), ("Manila Home", "PH")):
            raw = {
                "name": name,
                "model": "pop",
                "market": market,
                "entity": "CN",
                "categories": ["home"],
                "opened_on": "2026-09-01",
            }
            create_store(parse_store_input(raw, catalog), catalog, actor=ana)
        db.session.commit()

    page.get_by_role("link", name="Readiness", exact=True).first.click()
    page.wait_for_url(f"{base}/readiness")
    expect(page.get_by_role("heading", level=1)).to_have_text("Readiness")
    rows = page.locator("table.portfolio tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("details.rule summary")).to_have_text("How readiness is scored")

    page.get_by_label("Market").select_option("TH")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"{base}/readiness?market=TH*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-market", "TH")
    expect(page.get_by_label("Market")).to_have_value("TH")  # the filter stays chosen
    page.screenshot(path=str(tmp_path / "portfolio.png"), full_page=True)

    rows.first.get_by_role("link", name="Bangkok Home").click()
    page.wait_for_url(f"{base}/stores/*/readiness")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bangkok Home")
    expect(page.locator("#burndown svg polyline.done")).to_have_count(1)
    expect(page.locator("#burndown figcaption")).to_contain_text("tasks were due")
    expect(page.locator("#phase-onboarding li.task").first).to_be_visible()
    expect(page.locator("#cadence")).to_contain_text("lives in the last 7 days")
    screenshot = tmp_path / "store-readiness.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    page.context.close()
