"""Take docs/img/store.png and plan.png: a demo store's page at 1280 px, in headless Chromium.

    python docs/img/screenshot.py

The app runs on a scratch SQLite file in a temporary folder, on a free local port; the first
manager and the store are made through the pages, as a new user would, and two tasks are ticked
off so the page shows progress. store.png is the top of the page (the store, its live cadence,
the ads gate); plan.png is the plan below it, from the first phase on. Needs the test extra
(Playwright) and Debian's /usr/bin/chromium (no browser is downloaded).
"""

from __future__ import annotations

import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from tracker import create_app
from tracker.extensions import db

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
            shoot(base)
        finally:
            server.shutdown()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    print(HERE / "store.png", HERE / "plan.png")


def shoot(base: str) -> None:
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
        browser.close()


if __name__ == "__main__":
    main()
