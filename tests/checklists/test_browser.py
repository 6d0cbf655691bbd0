"""In Chromium: a manager writes a checklist, previews what it does, saves; the plan shows it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (  # noqa: F401 (fixtures)
    LiveServer,
    _new_page,
    _set_up_first_manager_and_store,
    browser,
    live_server,
)

pytestmark = pytest.mark.browser


def test_writing_previewing_and_applying_a_checklist(
    browser: Any,  # noqa: F811
    live_server: LiveServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = _new_page(browser)
    base = live_server.url
    plan_url = _set_up_first_manager_and_store(page, base)

    page.get_by_role("link", name="Checklists").first.click()
    page.get_by_role("button", name="New checklist").click()
    page.locator("input[name=key]").fill("live_prep")
    page.locator("input[name=name]").fill("Live-room preparation")
    page.locator("input[name=model][value=pop]").check()
    page.locator("input[name='entries-0-key']").fill("lights")
    page.locator("input[name='entries-0-title']").fill("Check lights and microphone")
    page.locator("select[name='entries-0-phase']").select_option("routine")
    page.locator("select[name='entries-0-every']").select_option("week")
    page.locator("input[name='entries-1-key']").fill("script")
    page.locator("input[name='entries-1-title']").fill("Write the live script")
    page.locator("select[name='entries-1-phase']").select_option("growth")
    page.locator("input[name='entries-1-offset_days']").fill("20")
    page.locator("input[name='entries-1-depends_on']").fill("lights")
    page.get_by_role("button", name="Preview the changes").click()

    summary = page.locator("#preview-summary")
    expect(summary).to_contain_text("1 store changes")
    expect(summary).to_contain_text("new tasks")
    expect(page.locator("#changes")).to_contain_text("Sunny Beauty US")
    # The form keeps what was typed across the preview.
    expect(page.locator("input[name='entries-1-title']")).to_have_value("Write the live script")

    page.get_by_role("button", name="Save and apply").click()
    expect(page.locator(".flash.success")).to_contain_text("Checklist saved as version 1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live-room preparation")

    page.goto(plan_url)
    row = page.locator("li.task", has=page.get_by_role("link", name="Write the live script"))
    expect(row).to_contain_text("from checklist Live-room preparation, version 1")
    # Its lock names the step it waits for by title, a link to that step, not by its key.
    waits_for = row.locator(".lock a")
    expect(waits_for).to_have_text("Check lights and microphone")
    expect(row.locator(".lock")).not_to_contain_text("sop.live_prep")
    waits_for.click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page).to_have_title(re.compile("Check lights and microphone"))
    page.goto(plan_url)
    page.screenshot(path=str(tmp_path / "checklist.png"), full_page=True)
    page.context.close()
