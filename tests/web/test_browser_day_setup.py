"""Setting up in a browser on a phone: the zone is guessed, the review is where the person is,
the plan's counter follows a tick, "Add a task" lands on an open form (issue 14, 6 and 8)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.web.test_browser import _new_page, browser, live_server  # noqa: F401
from tracker.auth.models import User
from tracker.extensions import db

pytestmark = pytest.mark.browser


def test_setting_up_on_a_phone_in_shanghai(browser: Any, live_server: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    page = _new_page(browser, timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844})
    page.goto(f"{base}/setup")
    # The first manager's zone is guessed from the browser, not left at UTC.
    expect(page.locator("input[name=timezone]")).to_have_value("Asia/Shanghai")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_role("button", name="Create the first manager").click()
    expect(page).to_have_url(f"{base}/stores/new")
    with live_server.app.app_context():
        assert db.session.scalars(select(User)).one().timezone == "Asia/Shanghai"

    page.get_by_label("Store name").fill("Sunny Beauty US")
    page.locator("#market").select_option("US")
    page.locator("#entity").fill("CN")
    page.locator("#opened_on").fill((date.today() - timedelta(days=10)).isoformat())
    page.locator("input[name=categories][value=beauty]").check()
    page.locator("input[name=model][value=pop]").check()
    page.get_by_role("button", name="Review the plan").click()
    # The review is on screen and has the focus, not below a long form.
    review = page.locator("#review")
    expect(review).to_be_in_viewport()
    expect(review).to_be_focused()
    total = int(review.locator("[data-total]").get_attribute("data-total") or "0")
    assert total > 0
    page.get_by_role("button", name="Create the store and its plan").click()
    page.wait_for_url(f"{base}/stores/*")
    assert page.url.rsplit("/", 1)[-1].isdigit(), page.url

    counter = page.locator("#done-count")
    expect(counter).to_have_text(f"0/{total}")
    page.locator("li.task[data-status=open] .tick button").first.click()
    expect(counter).to_have_text(f"1/{total}")

    page.get_by_role("link", name="Add a task").click()
    title = page.get_by_label("Title")
    expect(title).to_be_visible()
    expect(title).to_be_focused()
