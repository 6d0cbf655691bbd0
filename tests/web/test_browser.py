"""Drive the real app in headless Chromium: first run, the store wizard, ticking a task off.

The browser is Debian's ``/usr/bin/chromium`` (never a downloaded one); the tests skip when it
is missing. The app runs on a real server thread with CSRF on, as in production.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.live import fresh_app, serving

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 10_000
TASK_TITLE = "Bind the official TikTok account"


@dataclass
class LiveServer:
    """The app served on a free local port."""

    app: Any
    url: str


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve a fresh app on a fresh SQLite file from a background thread; CSRF stays on."""
    with fresh_app(tmp_path) as app, serving(app, name="live-server") as server:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright; skip when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser: Any, **context_options: Any) -> Any:
    page = browser.new_context(**context_options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


def _set_up_first_manager_and_store(page: Any, base: str) -> str:
    """Walk the first-run page and the store wizard; return the plan page's URL."""
    from playwright.sync_api import expect

    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/setup")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_role("button", name="Create the first manager").click()
    expect(page).to_have_url(f"{base}/stores/new")
    expect(page.locator(".flash.success")).to_contain_text("You are the first manager")

    page.get_by_label("Store name").fill("Sunny Beauty US")
    page.locator("#market").select_option("US")
    page.locator("#entity").fill("CN")
    expect(page.locator("#store_type")).to_have_value("")  # derived: cross-border
    page.locator("#opened_on").fill((date.today() - timedelta(days=10)).isoformat())
    page.locator("input[name=categories][value=beauty]").check()
    page.locator("input[name=model][value=pop]").check()
    page.get_by_role("button", name="Review the plan").click()

    review = page.locator("#review")
    expect(review).to_be_visible()
    expect(review).to_contain_text("Before you create it")
    expect(review).to_contain_text("The plan")
    # The wizard keeps what was entered across the review.
    expect(page.get_by_label("Store name")).to_have_value("Sunny Beauty US")
    page.get_by_role("button", name="Create the store and its plan").click()
    page.wait_for_url(f"{base}/stores/*")
    assert page.url.rsplit("/", 1)[-1].isdigit(), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Sunny Beauty US")
    expect(page.locator(".flash.success")).to_contain_text("is set up with")
    return page.url


def test_first_run_wizard_and_ticking_a_task_in_chromium(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser)
    base = live_server.url
    plan_url = _set_up_first_manager_and_store(page, base)

    # Tick one task: htmx swaps the row in place, without navigating.
    title = page.get_by_role("link", name=TASK_TITLE, exact=True)
    row_id = page.locator("li.task", has=title).get_attribute("id")
    assert row_id and row_id.startswith("task-")
    row = page.locator(f"li.task#{row_id}")
    expect(row).to_have_attribute("data-status", "open")
    page.wait_for_function("() => window.htmx !== undefined")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)
    page.evaluate("() => { window.__marker = 1; }")

    row.get_by_role("button", name=f"Tick off {TASK_TITLE}").click()

    expect(row).to_have_attribute("data-status", "done")
    expect(row).to_have_class(re.compile(r"\bdone\b"))
    expect(row.get_by_role("button", name=f"Untick {TASK_TITLE}")).to_be_visible()
    assert page.url == plan_url
    assert page.evaluate("() => window.__marker") == 1
    assert navigations == []

    # The tick was saved: it survives a reload.
    page.reload()
    assert page.evaluate("() => window.__marker") is None
    row = page.locator(f"li.task#{row_id}")
    expect(row).to_have_attribute("data-status", "done")
    assert "done" in (row.get_attribute("class") or "").split()
    expect(page.locator(".stats").first).to_contain_text("1/")

    screenshot = tmp_path / "plan.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.is_file() and screenshot.stat().st_size > 0
    page.context.close()


# Every element sticking out past the right edge, and whether it sits in the top navigation.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .map((el) => ({
    element: el.tagName.toLowerCase() + (el.className ? '.' + el.className.trim() : ''),
    right: Math.round(el.getBoundingClientRect().right),
    inTopNav: el.closest('nav.top') !== null,
  }))"""


def test_plan_page_fits_a_phone_without_horizontal_scrolling(
    browser: Any, live_server: LiveServer
) -> None:
    page = _new_page(browser, viewport={"width": 390, "height": 844})
    _set_up_first_manager_and_store(page, live_server.url)
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    offenders = page.evaluate(OVERFLOWING)
    page.context.close()
    assert scroll_width <= inner_width + 1, (
        f"plan page is {scroll_width}px wide on a {inner_width}px phone; overflowing: {offenders}"
    )


@pytest.mark.browser
def test_logging_a_live_in_chromium_moves_the_streak(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # The form's time is the store's own (US: America/Los_Angeles); so is the browser's.
    page = _new_page(browser, timezone_id="America/Los_Angeles")
    _set_up_first_manager_and_store(page, live_server.url)
    lives = page.locator("section#lives")
    expect(lives.locator("#streak")).to_have_text("0")
    # A live an hour ago, in the browser's idea of local time, long enough to count.
    started = page.evaluate(
        "() => { const d = new Date(Date.now() - 3600e3);"
        " const p = n => String(n).padStart(2, '0');"
        " return `${d.getFullYear()}-${p(d.getMonth()+1)}-${p(d.getDate())}`"
        " + `T${p(d.getHours())}:${p(d.getMinutes())}`; }"
    )
    lives.locator("input[name=started_at]").fill(started)
    lives.locator("input[name=minutes]").fill("75")
    lives.get_by_role("button", name="Log the live").click()
    expect(page.locator("section#lives #streak")).to_have_text("1")
    expect(page.locator("section#lives #last7")).to_contain_text("1 / 7")
    page.screenshot(path=str(tmp_path / "lives.png"), full_page=False)


def test_choosing_chinese_on_the_account_page_turns_the_plan_page_chinese(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser, locale="en-US")  # the browser asks for English
    plan_url = _set_up_first_manager_and_store(page, live_server.url)

    page.goto(f"{live_server.url}/account")
    page.get_by_label("Language").select_option("zh_CN")
    page.get_by_role("button", name="Save the language").click()
    expect(page.locator(".flash.success")).to_have_text("语言已保存。")

    page.goto(plan_url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    headings = page.get_by_role("heading", level=2)
    for heading in ("直播", "付费广告", "账号", "新店起步", "成长期", "日常运营"):
        expect(headings.filter(has_text=heading).first).to_be_visible()
    expect(page.locator("nav.top")).to_contain_text("我的任务")
    expect(page.get_by_role("link", name="绑定 TikTok 官方账号", exact=True)).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Bind the official TikTok account")
    # The template was compiled while the page spoke English: labels are still worked out
    # per page, not folded into the compiled template.
    expect(page.locator("select[name=kind] option[value=official]")).to_have_text("官方")
    expect(page.locator("#ad-gate h2 small")).to_have_text("（未解锁）")

    screenshot = tmp_path / "plan-zh_CN.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.is_file() and screenshot.stat().st_size > 10_000
    print(f"\nplan page in Chinese: {screenshot}")  # pytest -s shows where to look

    # The manager's readiness review speaks Chinese too, its rule included.
    page.get_by_role("link", name="就绪度", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("就绪度")
    expect(page.locator("details.rule summary")).to_have_text("就绪度如何评定")
    expect(page.locator("table.portfolio thead")).to_contain_text("下一个大促")
    page.screenshot(path=str(tmp_path / "readiness-zh_CN.png"), full_page=True)
    print(f"readiness in Chinese: {tmp_path / 'readiness-zh_CN.png'}")
    page.context.close()
