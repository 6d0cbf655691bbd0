"""A team's day in headless Chromium, at 1280 and 390 px, as its people would live it.

A manager sets up a store through the setup form, adds a colleague, sees today's work on the
home page, filters the plan and My tasks, bulk-ticks and bulk-assigns tasks, comments with an
@mention; the colleague gets one digest on a local webhook (the dispatcher runs in-process,
private targets allowed) whose absolute links open the task in the browser, and acts from the
inbox: ticks a task, dismisses the mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.conftest import Server, new_page, serve, sideways
from tests.conftest import PASSWORD
from tests.reminders.conftest import Sink, sink  # noqa: F401 - the webhook sink fixture
from tracker.auth.models import User
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.reminders.dispatch import dispatch_due
from tracker.reminders.services import dispatch_settings
from tracker.tasks.reminders import queue_reminders

pytestmark = pytest.mark.browser

STORE = "Sunny Beauty US"
SEARCHED = "Bind the official TikTok account"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh app for each day (first run needs an empty database); private targets allowed."""
    yield from serve(tmp_path, TRACKER_ALLOW_PRIVATE_TARGETS=True)


def _rows(page: Any) -> Any:
    return page.locator("li.task")


def _row(page: Any, title: str) -> Any:
    return page.locator("li.task", has=page.get_by_role("link", name=title, exact=True))


def _fits(page: Any, width: int, where: str) -> None:
    scroll_width, sticking_out = sideways(page)
    assert scroll_width <= width, f"{where}: {scroll_width} px wide; sticking out: {sticking_out}"


def _first_run_and_store(page: Any, base: str) -> str:
    from playwright.sync_api import expect

    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/setup")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("E-mail").fill("ana@example.com")
    page.get_by_label("Password (8 characters or more)").fill(PASSWORD)
    page.get_by_role("button", name="Create the first manager").click()
    expect(page).to_have_url(f"{base}/stores/new")
    page.get_by_label("Store name").fill(STORE)
    page.locator("#market").select_option("US")
    page.locator("#entity").fill("CN")
    page.locator("#opened_on").fill((date.today() - timedelta(days=10)).isoformat())
    page.locator("input[name=categories][value=beauty]").check()
    page.locator("input[name=model][value=pop]").check()
    page.get_by_role("button", name="Review the plan").click()
    expect(page.locator("#review")).to_be_visible()
    page.get_by_role("button", name="Create the store and its plan").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/stores/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(STORE)
    expect(page.locator(".flash.success")).to_contain_text("is set up with")
    return page.url


def _add_colleague(page: Any, browser: Any, base: str, width: int) -> None:
    """The manager invites Bo (managers never type a colleague's password), Bo joins through
    the one-time link, and the manager puts him on the store."""
    from playwright.sync_api import expect

    page.goto(f"{base}/people")
    invite = page.locator("form[action='/people/invite']")
    invite.get_by_label("E-mail").fill("bo@example.com")
    invite.locator("select[name=role]").select_option("member")
    invite.get_by_role("button", name="Invite").click()
    flash = page.locator(".flash").first
    expect(flash).to_contain_text("/invite/")
    link = re.search(r"(/invite/[\w-]+)", flash.inner_text())
    assert link is not None, flash.inner_text()

    bo = new_page(browser, width=width, locale="en-US")
    bo.goto(base + link[1])
    bo.get_by_label("Your name").fill("Bo")
    bo.get_by_label("Password").fill(PASSWORD)
    bo.get_by_role("button", name="Join").click()
    expect(bo).to_have_url(re.compile(r"/login"))
    bo.context.close()

    page.goto(f"{base}/people")
    row = page.locator("tr", has_text="bo@example.com")
    expect(row).to_be_visible()
    row.locator("select[name=store_id]").select_option(label=STORE)
    row.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("tr", has_text="bo@example.com")).to_contain_text(STORE)


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form", has=page.locator("input[name=password]")).get_by_role("button").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _open_titles(scope: Any, count: int) -> list[str]:
    """The titles of the first ``count`` rows that can be ticked (open, not locked)."""
    rows = scope.locator('li.task[data-status="open"]')
    assert rows.count() >= count, f"only {rows.count()} open rows"
    return [rows.nth(i).locator("a.title").inner_text() for i in range(count)]


def _bulk(page: Any, titles: list[str], action: str, assignee: str | None = None) -> None:
    for title in titles:
        _row(page, title).first.locator("input.pick").check()
    bar = page.locator("#bulk")
    bar.get_by_label("What to do").select_option(action)
    if assignee:
        bar.get_by_label("Whom to").select_option(label=assignee)
    bar.get_by_role("button", name="Apply").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_team_day(
    browser: Any,
    server: Server,
    sink: Sink,  # noqa: F811
    screenshots: Path,
    width: int,
) -> None:
    from playwright.sync_api import expect

    base = server.url
    ana = new_page(browser, width=width, locale="en-US")

    # 1. The manager sets up the store through the setup form, and a colleague.
    plan_url = _first_run_and_store(ana, base)
    _fits(ana, width, "the new store's plan")
    _add_colleague(ana, browser, base, width)

    # 2. Home is today's work: overdue, today, this week, unassigned work included.
    ana.goto(f"{base}/")
    expect(ana).to_have_url(re.compile(r"/my-tasks"))
    expect(ana.get_by_role("heading", level=1)).to_have_text("My tasks")
    for heading in ("Overdue", "Today", "This week"):
        expect(ana.get_by_role("heading", level=2, name=re.compile(heading))).to_be_visible()
    expect(_rows(ana).first).to_be_visible()
    expect(_rows(ana).first.locator(".meta")).to_contain_text(STORE)
    expect(_rows(ana).first.locator(".meta")).to_contain_text("unassigned")
    ana.screenshot(path=str(screenshots / f"day-home-{width}.png"), full_page=True)
    _fits(ana, width, "home")

    # 3. Filters: a text search on the plan; "Critical" on My tasks.
    ana.goto(plan_url)
    everything = _rows(ana).count()
    ana.get_by_label("Search").fill("official TikTok")
    ana.get_by_role("button", name="Filter").click()
    expect(ana).to_have_url(re.compile(r"q=official"))
    expect(_row(ana, SEARCHED)).to_be_visible()
    assert 0 < _rows(ana).count() < everything
    ana.get_by_role("link", name="Clear filters").click()
    expect(_rows(ana)).to_have_count(everything)

    ana.goto(f"{base}/my-tasks")
    ana.locator("form.task-filters").get_by_label("Critical").check()
    ana.locator("form.task-filters").get_by_role("button", name="Filter").click()
    expect(ana).to_have_url(re.compile(r"critical=true"))
    critical_rows = _rows(ana)
    assert critical_rows.count() > 0
    for i in range(critical_rows.count()):
        expect(critical_rows.nth(i).locator(".badge.critical")).to_be_visible()

    # 4. Bulk: tick three open tasks of the plan at once; the counters move.
    ana.goto(plan_url)
    done_before = int(ana.locator(".stats strong").first.inner_text().split("/")[0])
    ticked = _open_titles(ana.locator("section[id^=phase-]").first, 3)
    _bulk(ana, ticked, "complete")
    ana.wait_for_url(plan_url)
    expect(ana.locator(".flash.success")).to_contain_text("3 tasks changed.")
    for title in ticked:
        expect(_row(ana, title).first).to_have_attribute("data-status", "done")
    expect(ana.locator(".stats strong").first).to_contain_text(f"{done_before + 3}/")

    # ... and hand two of this week's open tasks to Bo from My tasks.
    ana.goto(f"{base}/my-tasks")
    handed = _open_titles(ana, 2)
    _bulk(ana, handed, "assign", assignee="Bo")
    expect(ana.locator(".flash.success")).to_contain_text("2 tasks changed.")
    for title in handed:  # Bo's now: no longer among Ana's and the unassigned ones
        expect(_row(ana, title)).to_have_count(0)
    _fits(ana, width, "My tasks after the bulk actions")
    ana.goto(plan_url)
    for title in handed:
        expect(_row(ana, title).first.locator(".meta")).to_contain_text("Bo")

    # 5. Bo, a member, sends his reminders to a webhook.
    bo = new_page(browser, width=width, locale="en-US")
    _log_in(bo, base, "bo@example.com")
    bo.goto(f"{base}/account/reminders")
    bo.locator("select[name=kind]").select_option("webhook")
    bo.get_by_label("Address or URL").fill(sink.url)
    bo.get_by_role("button", name="Add the channel").click()
    expect(bo.locator(".flash.success")).to_be_visible()

    # 6. A comment with an @mention on one of Bo's tasks; the dispatcher runs at his digest time.
    _row(ana, handed[0]).first.get_by_role("link", name=handed[0], exact=True).click()
    expect(ana.get_by_role("heading", level=1)).to_have_text(handed[0])
    ana.get_by_label("Add a comment").fill("@Bo the samples arrived, please shoot them today")
    ana.locator("section#comments").get_by_role("button").click()
    expect(ana.locator(".flash.success")).to_contain_text("reminded Bo")
    comment = ana.locator("#comments li").last
    expect(comment).to_contain_text("Ana")
    expect(comment).to_contain_text("the samples arrived")
    ana.screenshot(path=str(screenshots / f"day-task-{width}.png"), full_page=True)
    _fits(ana, width, "the task page")

    with server.app.app_context():
        # 08:00 in Bo's zone is his digest (the zone he joined with, or his store's).
        zone = ZoneInfo(
            db.session.scalars(select(User.timezone).where(User.email == "bo@example.com")).one()
        )
        moment = datetime.combine(datetime.now(zone).date(), time(8, 1), tzinfo=zone)
        queue_reminders(get_catalog(), now=moment)
        db.session.commit()
        # Then everything due by then, or by now (the mention was queued when it was written).
        later = max(moment, datetime.now(UTC))
        dispatch_due(dispatch_settings(server.app), now=lambda: later)
        db.session.remove()
    kinds = sorted(body["kind"] for body in sink.bodies)
    assert kinds == ["digest", "mention"], kinds  # one digest; the mention at once
    [digest] = [body for body in sink.bodies if body["kind"] == "digest"]
    [mentioned] = [body for body in sink.bodies if body["kind"] == "mention"]
    assert f"Open it: {base}/tasks/" in mentioned["text"], mentioned["text"]
    listed = {task["title"]: task["url"] for task in digest["tasks"]}
    assert set(handed) <= set(listed), (handed, sorted(listed))
    for url in listed.values():
        assert re.fullmatch(rf"{re.escape(base)}/tasks/\d+", url), url
        assert url in digest["text"]

    # 7. The digest's link opens the task in Bo's browser.
    bo.goto(listed[handed[1]])
    expect(bo.get_by_role("heading", level=1)).to_have_text(handed[1])

    # 8. Bo acts from the inbox: ticks a task, dismisses the mention.
    bo.goto(f"{base}/inbox")
    expect(bo.locator("nav.top #unread")).to_be_hidden()  # the visit marked them read
    entry = bo.locator("article.reminder[data-kind=digest]")
    expect(entry).to_have_count(1)
    expect(entry.locator("header")).to_contain_text("Your tasks")
    entry.get_by_role("button", name=f"Tick off {handed[1]}").click()
    expect(bo.locator(".flash.success")).to_contain_text(f"Done: {handed[1]}")
    line = bo.locator("article.reminder[data-kind=digest] li", has_text=handed[1])
    expect(line).to_have_attribute("data-status", "done")
    expect(line).to_contain_text("done since")
    mention = bo.locator("article.reminder[data-kind=mention]")
    expect(mention).to_contain_text("the samples arrived")
    bo.screenshot(path=str(screenshots / f"day-inbox-{width}.png"), full_page=True)
    _fits(bo, width, "the inbox")
    mention.get_by_role("button", name=re.compile("^Dismiss")).click()
    expect(bo.locator(".flash.success")).to_have_text("Dismissed.")
    expect(bo.locator("article.reminder[data-kind=mention]")).to_have_count(0)

    # The manager sees Bo's tick on the plan.
    ana.goto(plan_url)
    expect(_row(ana, handed[1]).first).to_have_attribute("data-status", "done")
    expect(_row(ana, handed[1]).first.locator(".meta")).to_contain_text("done by Bo")
    ana.context.close()
    bo.context.close()
