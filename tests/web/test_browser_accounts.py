"""In headless Chromium: invite a colleague, join through the link, change a password, log out,
and no page breaks the Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.web.test_browser import (  # noqa: F401 - the fixtures
    LiveServer,
    _new_page,
    browser,
    live_server,
)

pytestmark = pytest.mark.browser
NEW = "a brand new passphrase"


def _watch_csp(page: Any, violations: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )


def test_invite_join_change_password_and_log_out(live_server: LiveServer, browser: Any) -> None:  # noqa: F811
    from playwright.sync_api import expect

    base, violations = live_server.url, []
    boss = _new_page(browser)
    _watch_csp(boss, violations)
    boss.goto(f"{base}/setup")
    boss.get_by_label("Your name").fill("Ana")
    boss.get_by_label("E-mail").fill("ana@example.com")
    boss.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    boss.get_by_role("button", name="Create the first manager").click()

    boss.goto(f"{base}/people")
    invite = boss.locator("form[action='/people/invite']")
    invite.get_by_label("E-mail").fill("mia@example.com")
    invite.get_by_role("button", name="Invite").click()
    flash = boss.locator(".flash").first
    expect(flash).to_contain_text("/invite/")
    link = re.search(r"http://\S+(/invite/[\w-]+)", flash.inner_text())
    assert link is not None  # built from TRACKER_BASE_URL; this server listens elsewhere

    mia = _new_page(browser)
    _watch_csp(mia, violations)
    mia.goto(base + link[1])
    mia.get_by_label("Your name").fill("Mia")
    mia.get_by_label("Password").fill(NEW)
    mia.get_by_role("button", name="Join").click()
    expect(mia).to_have_url(re.compile(r"/login"))
    mia.get_by_label("E-mail").fill("mia@example.com")
    mia.get_by_label("Password").fill(NEW)
    mia.get_by_role("button", name="Log in").click()
    expect(mia).to_have_url(f"{base}/my-tasks")

    mia.goto(f"{base}/account")
    mia.get_by_label("Current password").fill(NEW)
    mia.get_by_label("New password").fill(NEW + " again")
    mia.get_by_role("button", name="Change password").click()
    expect(mia.locator(".flash.success")).to_contain_text("Password changed")
    mia.get_by_role("button", name="Log out").click()
    expect(mia).to_have_url(re.compile(r"/login"))
    mia.goto(f"{base}/my-tasks")
    expect(mia).to_have_url(re.compile(r"/login"))

    boss.goto(f"{base}/people/log")
    expect(boss.locator("tr[data-action=joined]")).to_contain_text("mia@example.com")
    assert violations == []
