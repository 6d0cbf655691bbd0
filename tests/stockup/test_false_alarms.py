"""Stock-up warnings only when there is something to send, and saying what can still be done."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import select

from tracker.extensions import db
from tracker.plans.stock_up import change_product_line
from tracker.playbook.catalog import STOCK_UP_ANCHORS
from tracker.reminders.models import Reminder
from tracker.stockup.models import ProductLine
from tracker.stockup.services import plan_stock_up
from tracker.tasks.models import Task

LATE_DAY = date(2026, 8, 25)  # Black Friday's sea order-by (08-21) has passed
LATE_NOON = datetime(2026, 8, 25, 19, tzinfo=UTC)


def _late_store(make_user, make_store):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-06-01", today=LATE_DAY)
    return store, manager


def test_a_line_that_needs_nothing_is_never_late_and_warns_nobody(make_user, make_store, catalog):
    store, manager = _late_store(make_user, make_store)
    # A year of stock and few sales: nothing to send for any peak.
    change_product_line(
        store,
        {"name": "Lip tint", "current_stock": 100_000, "daily_sales": 1},
        catalog,
        manager,
        now=LATE_NOON,
    )
    db.session.commit()
    rows = plan_stock_up(store, catalog, LATE_DAY).rows
    assert rows and all(row.quantity == 0 for row in rows)
    assert all(row.late == () for row in rows)
    assert not db.session.scalars(select(Reminder).where(Reminder.kind == "stock_up_late")).all()
    # Nor do the plan's stock-up tasks stand overdue for it.
    keys = {e.key for e in catalog.entries if e.due.anchor in STOCK_UP_ANCHORS}
    late_tasks = db.session.scalars(
        select(Task).where(
            Task.store_id == store.id,
            Task.key.in_(keys),
            Task.status == "open",
            Task.due_on < LATE_DAY,
        )
    ).all()
    assert late_tasks == []


def test_a_too_late_warning_says_what_can_still_be_done_and_links_to_the_planner(
    make_user, make_store, catalog
):
    store, manager = _late_store(make_user, make_store)
    change_product_line(
        store,
        {"name": "Lipstick", "current_stock": 50, "daily_sales": 5, "freight_mode": "air"},
        catalog,
        manager,
        now=datetime(2026, 11, 5, 19, tzinfo=UTC),
    )
    db.session.commit()
    [told, *_] = db.session.scalars(
        select(Reminder).where(Reminder.kind == "stock_up_late", Reminder.channel_id.is_(None))
    ).all()
    assert told.text.strip()
    assert "partial shipment" in told.text and "skip" in told.text
    assert f"http://127.0.0.1:5000/stores/{store.id}/stock-up" in told.text
    assert told.payload["url"].startswith(f"http://127.0.0.1:5000/stores/{store.id}/stock-up#")


def test_the_planner_says_stock_falls_below_safety_stock_not_that_it_runs_out(
    make_user, make_store, catalog, client, login
):
    store, manager = _late_store(make_user, make_store)
    change_product_line(
        store,
        {"name": "Lipstick", "current_stock": 600, "daily_sales": 10},
        catalog,
        manager,
        now=LATE_NOON,
    )
    db.session.commit()
    # 600 units less 14 safety days (140) last 46 days: to 10 October, before Black Friday's
    # stock must arrive (4 November), so every deadline comes earlier.
    with time_machine.travel(LATE_NOON, tick=False):
        login(manager)
        page = client.get(f"/stores/{store.id}/stock-up").get_data(as_text=True)
    assert "falls below its safety stock on 2026-10-10" in page
    assert "stock runs out" not in page


def test_a_line_can_be_deleted_on_the_page(make_user, make_store, catalog, client, login):
    store, manager = _late_store(make_user, make_store)
    line, _ = change_product_line(
        store, {"name": "Blush", "current_stock": 300, "daily_sales": 4}, catalog, manager
    )
    db.session.commit()
    login(manager)
    page = client.get(f"/stores/{store.id}/stock-up").get_data(as_text=True)
    assert f'action="/stores/{store.id}/stock-up/{line.id}/delete"' in page
    # A line with enough stock for every peak shows no deadline as overdue.
    assert "overdue" not in page.split('id="stock-up"')[1].split("</table>")[0]
    answer = client.post(f"/stores/{store.id}/stock-up/{line.id}/delete")
    assert answer.status_code == 302
    assert (
        db.session.scalars(select(ProductLine).where(ProductLine.store_id == store.id)).all() == []
    )


def test_a_lines_uplift_can_be_changed_on_the_page(make_user, make_store, catalog, client, login):
    store, manager = _late_store(make_user, make_store)
    line, _ = change_product_line(
        store, {"name": "Blush", "current_stock": 300, "daily_sales": 4}, catalog, manager
    )
    db.session.commit()
    login(manager)
    page = client.get(f"/stores/{store.id}/stock-up").get_data(as_text=True)
    assert 'name="uplift_percent.christmas"' in page
    answer = client.post(
        f"/stores/{store.id}/stock-up",
        data={"line_id": str(line.id), "uplift_percent.christmas": "250"},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(ProductLine, line.id).uplift_percent["christmas"] == 250
