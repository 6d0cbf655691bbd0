"""Task lists in headless Chromium: bulk-tick, the keyboard and its help, changing a row."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (
    OVERFLOWING,
    LiveServer,
    _new_page,
    _set_up_first_manager_and_store,
)

pytestmark = pytest.mark.browser

FREE = "Bind the official TikTok account"


def _row(page: Any, title: str) -> Any:
    return page.locator("li.task", has=page.get_by_role("link", name=title, exact=True))


@pytest.mark.parametrize("width", [1280, 390])
def test_bulk_tick_does_the_free_task_and_names_the_locked_one(
    browser: Any, live_server: LiveServer, tmp_path: Path, width: int
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser, viewport={"width": width, "height": 900})
    plan_url = _set_up_first_manager_and_store(page, live_server.url)
    free = _row(page, FREE)
    locked = page.locator('li.task[data-status="locked"]').first
    locked_title = locked.locator("a.title").inner_text()
    free.locator("input.pick").check()
    locked.locator("input.pick").check()
    bar = page.locator("#bulk")
    bar.get_by_label("What to do").select_option("complete")
    bar.get_by_role("button", name="Apply").click()
    page.wait_for_url(plan_url)
    expect(page.locator(".flash.success")).to_contain_text("1 task changed.")
    expect(page.locator(".flash.error")).to_contain_text(f"{locked_title}: This task is locked")
    expect(_row(page, FREE)).to_have_attribute("data-status", "done")
    expect(page.locator("li.task", has_text=locked_title).first).to_have_attribute(
        "data-status", "locked"
    )
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    offenders = page.evaluate(OVERFLOWING)
    page.screenshot(path=str(tmp_path / f"bulk-{width}.png"), full_page=True)
    page.context.close()
    assert scroll_width <= inner_width + 1, offenders


def test_keyboard_moves_ticks_and_shows_its_help(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser)
    _set_up_first_manager_and_store(page, live_server.url)
    page.wait_for_function("() => window.htmx !== undefined")
    help_overlay = page.locator("#shortcuts-help")
    expect(help_overlay).to_be_hidden()
    page.keyboard.press("?")
    expect(help_overlay).to_be_visible()
    expect(help_overlay).to_contain_text("Next / previous task")
    page.keyboard.press("Escape")
    expect(help_overlay).to_be_hidden()

    page.keyboard.press("j")
    first = page.locator("li.task").first
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    status = first.get_attribute("data-status")
    page.keyboard.press("x")
    if status == "open":
        expect(page.locator("li.task").first).to_have_attribute("data-status", "done")
    page.keyboard.press("/")
    expect(page.locator("input[name=q]")).to_be_focused()
    page.context.close()


def test_changing_a_due_date_in_the_row_updates_it_in_place(
    browser: Any, live_server: LiveServer
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser)
    plan_url = _set_up_first_manager_and_store(page, live_server.url)
    page.wait_for_function("() => window.htmx !== undefined")
    row = _row(page, FREE)
    row.locator("details.inline-edit summary").click()
    new_day = (date.today() + timedelta(days=20)).isoformat()
    row.locator("input[name=due_on]").fill(new_day)
    row.get_by_role("button", name="Save").click()
    expect(_row(page, FREE).locator("input[name=due_on]")).to_have_value(new_day)
    assert page.url == plan_url
    page.context.close()
