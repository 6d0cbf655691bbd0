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


def _person(live_server: LiveServer, email: str, role: str, name: str) -> None:  # noqa: F811
    from tracker.auth.services import create_user
    from tracker.extensions import db

    with live_server.app.app_context():
        create_user(email=email, password=PASSWORD, role=role, name=name)
        db.session.commit()


def _log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_forgot_password_reset_by_the_e_mailed_link_then_log_in(
    live_server: LiveServer,  # noqa: F811
    browser: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    base, violations, mailed = live_server.url, [], []
    _person(live_server, "mia@example.com", "member", "Mia")
    # The mail server: what would be e-mailed is kept here (the server thread shares this module).
    monkeypatch.setattr(
        "tracker.web.team._send_link", lambda email, subject, text: mailed.append(text) or True
    )
    mia = _new_page(browser)
    _watch_csp(mia, violations)
    mia.goto(f"{base}/login")
    mia.get_by_role("link", name="Forgot your password?").click()
    mia.get_by_label("E-mail").fill("mia@example.com")
    mia.get_by_role("button", name="Send me a link").click()
    expect(mia.locator(".flash")).to_contain_text("reset link is on its way")
    link = re.search(r"http://\S+(/reset/[\w-]+)", mailed[0]) if mailed else None
    assert link is not None, mailed

    mia.goto(base + link[1])
    mia.get_by_label("New password").fill(NEW)
    mia.get_by_role("button", name="Save the new password").click()
    expect(mia.locator(".flash.success")).to_contain_text("Log in with the new one")
    _log_in(mia, base, "mia@example.com", PASSWORD)  # the old one no longer works
    expect(mia).to_have_url(re.compile(r"/login"))
    _log_in(mia, base, "mia@example.com", NEW)
    expect(mia).to_have_url(f"{base}/my-tasks")
    mia.goto(base + link[1])  # used once: gone
    expect(mia.locator("h1")).to_contain_text("Not found")
    assert violations == []


def test_deactivating_a_person_ends_their_open_session_at_once(
    live_server: LiveServer,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    base, violations = live_server.url, []
    _person(live_server, "ana@example.com", "manager", "Ana")
    _person(live_server, "mia@example.com", "member", "Mia")
    mia, boss = _new_page(browser), _new_page(browser)
    for page in (mia, boss):
        _watch_csp(page, violations)
    _log_in(mia, base, "mia@example.com", PASSWORD)
    expect(mia).to_have_url(f"{base}/my-tasks")
    _log_in(boss, base, "ana@example.com", PASSWORD)

    boss.goto(f"{base}/people")
    row = boss.locator("tr", has_text="mia@example.com")
    row.get_by_role("button", name="Deactivate").click()
    expect(boss.locator(".flash.success")).to_contain_text("Mia is deactivated")

    mia.reload()
    expect(mia).to_have_url(re.compile(r"/login"))
    _log_in(mia, base, "mia@example.com", PASSWORD)
    expect(mia).to_have_url(re.compile(r"/login"))
    boss.goto(f"{base}/people/log")
    expect(boss.locator("tr[data-action=deactivated]")).to_contain_text("mia@example.com")
    assert violations == []
