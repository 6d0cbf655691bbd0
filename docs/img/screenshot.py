"""Take the docs' screenshots of a demo store, in headless Chromium, at 1280 and 390 px.

    python docs/img/screenshot.py

The app runs on a scratch SQLite file in a temporary folder, on a free local port; the first
manager and the store are made through the pages, as a new user would, and two tasks are ticked
off so the page shows progress. store.png is the top of the page (the store, its counters,
the filters); plan.png is the plan below it, from the first phase on; today.png is the home
page (today's work across stores); phone-store.png and phone-inbox.png are the store page and
the inbox (a colleague's @mention, the morning digest) on a 390 px phone. Needs the test extra
(Playwright) and Debian's /usr/bin/chromium (no browser is downloaded).
"""

from __future__ import annotations

import tempfile
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import Flask
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from tracker import create_app
from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.catalog import get_catalog
from tracker.extensions import db
from tracker.reminders.dispatch import dispatch_due
from tracker.reminders.services import dispatch_settings
from tracker.stores.models import Store
from tracker.stores.services import add_member
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders
from tracker.tasks.services import add_comment

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "screenshot-" + "x" * 32,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'demo.sqlite3'}",
                "TRACKER_SCHEDULER": "off",
            }
        )
        with app.app_context():
            db.create_all()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            shoot(base, app)
        finally:
            server.shutdown()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    print(*(HERE / name for name in SHOTS))


SHOTS = ("store.png", "plan.png", "today.png", "phone-store.png", "phone-inbox.png")
PHONE = {"width": 390, "height": 844}


def shoot(base: str, app: Flask) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{base}/")
        page.get_by_label("Your name").fill("Ana")
        page.get_by_label("E-mail").fill("ana@example.com")
        page.get_by_label("Password (8 characters or more)").fill("a long demo secret")
        page.get_by_role("button", name="Create the first manager").click()
        page.wait_for_url(f"{base}/stores/new")
        page.get_by_label("Store name").fill("Sunny Beauty US")
        page.locator("#market").select_option("US")
        page.locator("#entity").fill("CN")
        page.locator("#opened_on").fill((date.today() - timedelta(days=10)).isoformat())
        page.locator("input[name=categories][value=beauty]").check()
        page.locator("input[name=model][value=pop]").check()
        page.get_by_role("button", name="Review the plan").click()
        expect(page.locator("#review")).to_be_visible()
        page.get_by_role("button", name="Create the store and its plan").click()
        page.wait_for_url(f"{base}/stores/*")
        page.wait_for_function("() => window.htmx !== undefined")
        for title in ("Bind the official TikTok account", "List the first products"):
            row = page.locator("li.task", has=page.get_by_role("link", name=title)).first
            row.get_by_role("button", name="Tick off").click()
            expect(row).to_have_attribute("data-status", "done")
        page.goto(page.url)  # a fresh load, without the success message
        page.screenshot(path=str(HERE / "store.png"))
        first_phase = page.locator("section", has=page.locator("li.task")).first
        top = first_phase.bounding_box()["y"]
        page.screenshot(
            path=str(HERE / "plan.png"),
            full_page=True,
            clip={"x": 0, "y": top - 16, "width": 1280, "height": 1000},
        )
        store_url = page.url
        page.goto(f"{base}/")
        page.screenshot(path=str(HERE / "today.png"))

        mention_and_digest(app)
        phone = browser.new_context(
            viewport=PHONE, storage_state=page.context.storage_state()
        ).new_page()
        phone.goto(store_url)
        phone.screenshot(path=str(HERE / "phone-store.png"))
        phone.goto(f"{base}/inbox")
        phone.screenshot(path=str(HERE / "phone-inbox.png"))
        browser.close()


def mention_and_digest(app: Flask) -> None:
    """A colleague mentions Ana on a task; her morning digest goes out (to her inbox)."""
    with app.app_context():
        ana = User.by_email("ana@example.com")
        store = db.session.scalars(select(Store)).one()
        bo = create_user(email="bo@example.com", password="a long demo secret", name="Bo")
        add_member(store, bo, actor=ana)
        task = db.session.scalars(
            select(Task)
            .where(Task.store_id == store.id, Task.status == "open")
            .order_by(Task.due_on, Task.id)
        ).first()
        assert ana is not None and task is not None
        add_comment(task, {"body": "@Ana the samples arrived: shall I shoot them today?"}, bo)
        db.session.commit()
        moment = datetime.combine(date.today(), time(8, 1), tzinfo=UTC)  # her digest time
        queue_reminders(get_catalog(), now=moment)
        db.session.commit()
        later = max(moment, datetime.now(UTC))
        dispatch_due(dispatch_settings(app), now=lambda: later)


if __name__ == "__main__":
    main()
