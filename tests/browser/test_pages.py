"""Every main page in headless Chromium, in English and Chinese, at 1280 and 390 px.

axe-core finds no serious or critical violation, no page scrolls sideways on a phone, and
each page is kept as a screenshot (see tests/browser/conftest.py for where).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import (
    WIDTHS,
    Axe,
    Server,
    new_page,
    serve,
    sideways,
)
from tests.conftest import PASSWORD
from tracker.auth.services import create_user
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.plans.stock_up import change_product_line
from tracker.plans.stores import create_store
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.stores.services import add_member, parse_store_input
from tracker.tasks.models import Task
from tracker.tasks.services import add_comment, complete_task

pytestmark = pytest.mark.browser

LANGUAGES = {"en": "en-US", "zh_CN": "zh-CN"}


@dataclass
class Site:
    server: Server
    paths: dict[str, str]
    secondary: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app with a manager, a colleague, a store with a plan, a stock-up line, a mention."""
    for server in serve(tmp_path_factory.mktemp("pages")):
        with server.app.app_context():
            catalog = get_catalog()
            ana = create_user(
                email="ana@example.com", password=PASSWORD, role="manager", name="Ana Lima"
            )
            bo = create_user(email="bo@example.com", password=PASSWORD, role="member", name="Bo")
            raw = {
                "name": "Sunny Beauty US",
                "model": "pop",
                "market": "US",
                "entity": "CN",
                "categories": ["beauty"],
                "opened_on": (date.today() - timedelta(days=10)).isoformat(),
            }
            store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=ana)
            add_member(store, bo, actor=ana)
            change_product_line(
                store,
                {"name": "Lip tint", "current_stock": 400, "daily_sales": 30},
                catalog,
                ana,
            )
            tasks = db.session.scalars(
                select(Task).where(Task.store_id == store.id).order_by(Task.due_on, Task.id)
            ).all()
            open_tasks = [t for t in tasks if t.status == "open"]
            complete_task(open_tasks[1].id, ana)
            task: Task = open_tasks[0]
            add_comment(task, {"body": "@Ana Lima the samples are in"}, bo)
            db.session.commit()
            dispatch_due(
                DispatchSettings(
                    lease_seconds=30,
                    max_attempts=3,
                    backoff_seconds=0,
                    batch_size=100,
                    allow_private_targets=True,
                )
            )
            paths = {
                "home": "/",
                "plan": f"/stores/{store.id}",
                "task": f"/tasks/{task.id}",
                "my-tasks": "/my-tasks?unassigned=0",  # only mine: home shows the rest
                "all-tasks": "/tasks",
                "inbox": "/inbox",
                "stock-up": f"/stores/{store.id}/stock-up",
                "readiness": "/readiness",
                "store-readiness": f"/stores/{store.id}/readiness",
                "people": "/people",
                "new-store": "/stores/new",
                "account": "/account",
            }
            secondary = {
                "stores": "/stores",
                "store-activity": f"/stores/{store.id}/activity",
                "edit-store": f"/stores/{store.id}/edit",
                "imports": f"/stores/{store.id}/imports",
                "checklists": "/checklists",
                "new-checklist": "/checklists/new",
                "outbox": "/reminders",
                "reminder-settings": "/account/reminders",
                "people-log": "/people/log",
                "people-keys": "/people/keys",
            }
        yield Site(server=server, paths=paths, secondary=secondary)


@pytest.fixture(scope="module")
def logged_in(browser: Any, site: Site) -> Iterator[Any]:
    """A logged-in page per (language, width), made once and reused across the module."""
    pages: dict[tuple[str, int], Any] = {}

    def page_for(language: str, width: int) -> Any:
        if (language, width) not in pages:
            page = new_page(browser, width=width, locale=LANGUAGES[language])
            page.goto(f"{site.server.url}/login")
            page.locator("input[name=email]").fill("ana@example.com")
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator(
                "form:has(input[name=password]) button[type=submit], "
                "form:has(input[name=password]) button"
            ).first.click()
            page.wait_for_url(lambda url: "/login" not in url)
            pages[language, width] = page
        return pages[language, width]

    yield page_for
    for page in pages.values():
        page.context.close()


PAGES = [
    "home",
    "plan",
    "task",
    "my-tasks",
    "all-tasks",
    "inbox",
    "stock-up",
    "readiness",
    "store-readiness",
    "people",
    "new-store",
    "account",
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits(
    name: str,
    language: str,
    width: int,
    site: Site,
    logged_in: Any,
    axe: Axe,
    screenshots: Path,
) -> None:
    page = logged_in(language, width)
    response = page.goto(site.server.url + site.paths[name])
    assert response is not None and response.status == 200, (name, response and response.status)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language.replace("_", "-")
    page.screenshot(path=str(screenshots / f"{name}-{language}-{width}.png"), full_page=True)
    problems = axe.violations(page)
    scroll_width, sticking_out = sideways(page)
    assert page.locator("h1").count() == 1, f"{name}: a page has one main heading"
    assert not problems, f"{name} ({language}, {width} px): axe found\n" + "\n".join(problems)
    assert scroll_width <= width, (
        f"{name} ({language}) is {scroll_width} px wide at {width} px; sticking out: {sticking_out}"
    )
    axe.skip_if_missing()


def test_the_checklist_comes_first_on_the_store_page_on_a_phone(site: Site, logged_in: Any) -> None:
    """The first task is within the first two screens at 390 px; the seller tools follow it."""
    page = logged_in("en", 390)
    page.goto(site.server.url + site.paths["plan"])
    first_task = page.locator("li.task").first.bounding_box()
    tools = {
        name: page.locator(f"section#{name}").bounding_box()
        for name in ("lives", "ad-gate", "accounts")
    }
    assert first_task is not None
    assert first_task["y"] < 2 * 844, f"the first task is {first_task['y']:.0f} px down"
    for name, box in tools.items():
        assert box is not None and box["y"] > first_task["y"], (name, box, first_task)
    # The tools are one tap away from the top.
    page.locator("nav.subnav").get_by_role("link", name="Live streams").click()
    assert page.url.endswith("#lives")


STATES = ["login", "login-refused", "new-store-refused", "new-store-review"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("state", STATES)
def test_forms_logged_out_refused_and_reviewed_are_accessible_and_fit(
    state: str,
    language: str,
    width: int,
    site: Site,
    browser: Any,
    logged_in: Any,
    axe: Axe,
    screenshots: Path,
) -> None:
    """The login page, a refused login, a refused store form and its review."""
    base = site.server.url
    if state.startswith("login"):
        page = new_page(browser, width=width, locale=LANGUAGES[language])
        page.goto(f"{base}/login")
        if state == "login-refused":
            page.locator("input[name=email]").fill("ana@example.com")
            page.locator("input[name=password]").fill("not the password")
            page.locator("form", has=page.locator("input[name=password]")).locator(
                "button[type=submit]"
            ).click()
            page.locator(".flash.error, [role=alert]").first.wait_for()
    else:
        page = logged_in(language, width)
        page.goto(f"{base}/stores/new")
        if state == "new-store-refused":
            page.locator("#opened_on").fill("2026-02-30")  # no such day
            page.locator("form").evaluate_all("forms => forms.forEach(f => f.noValidate = true)")
        else:
            page.locator("input[name=name]").fill("Sunny Beauty UK")
            page.locator("#market").select_option("UK")
            page.locator("#entity").fill("CN")
            page.locator("#opened_on").fill(date.today().isoformat())
            page.locator("input[name=categories][value=beauty]").check()
            page.locator("input[name=model][value=pop]").check()
        page.locator("button[value=review]").click()
        page.wait_for_load_state("load")
        page.locator("#review, .field-error, .flash.error").first.wait_for()
    page.screenshot(path=str(screenshots / f"{state}-{language}-{width}.png"), full_page=True)
    problems = axe.violations(page)
    scroll_width, sticking_out = sideways(page)
    if state == "login" or state == "login-refused":
        page.context.close()
    assert not problems, f"{state} ({language}, {width} px): axe found\n" + "\n".join(problems)
    assert scroll_width <= width, (
        f"{state} ({language}) is {scroll_width} px wide at {width} px; sticking out: "
        f"{sticking_out}"
    )
    axe.skip_if_missing()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_other_pages_fit_a_phone_and_are_accessible(
    language: str, site: Site, logged_in: Any, axe: Axe, screenshots: Path
) -> None:
    """Stores, activity, profile, imports, checklists, outbox, settings, account log, keys."""
    page = logged_in(language, 390)
    problems = []
    for name, path in site.secondary.items():
        response = page.goto(site.server.url + path)
        assert response is not None and response.status == 200, (name, response and response.status)
        page.screenshot(path=str(screenshots / f"{name}-{language}-390.png"), full_page=True)
        scroll_width, sticking_out = sideways(page)
        if scroll_width > 390:
            problems.append(f"{name}: {scroll_width} px wide; sticking out: {sticking_out}")
        problems += [f"{name}: {found}" for found in axe.violations(page)]
        if page.locator("h1").count() != 1:
            problems.append(f"{name}: {page.locator('h1').count()} h1 headings")
    assert not problems, "\n".join(problems)
    axe.skip_if_missing()
