"""The orders sync: pages, the cursor, tokens, rate limits, crashes, and one count with files."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.partner.fake_api import order
from tracker.extensions import db
from tracker.faults import FaultLog
from tracker.imports.models import ImportRun, OrderLine
from tracker.imports.services import run_import
from tracker.imports.settings import import_settings
from tracker.partner import sync as sync_module
from tracker.partner.models import PartnerConnection
from tracker.partner.sync import sync_due_stores, sync_store
from tracker.plans.stock_up import change_product_line
from tracker.reminders.models import Reminder
from tracker.stockup.models import ProductLine
from tracker.stores.models import Store

LA = ZoneInfo("America/Los_Angeles")


def at(text: str) -> int:
    """Unix seconds of a Los Angeles wall-clock time (the US store's zone)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=LA).timestamp())


def five_orders() -> list[dict]:
    """Five November orders: 2+1+3 lipsticks (two SKUs), a serum, one cancelled by the seller."""
    return [
        order(
            "576461413801",
            created=at("2026-11-01T09:15:12"),
            items=[("1729380001", "LIP-RED")] * 2,
            paid=at("2026-11-01T09:16:40"),
            rts=at("2026-11-02T10:00:00"),
            rts_sla=at("2026-11-04T09:16:40"),
        ),
        order(
            "576461413802",
            created=at("2026-11-05T13:30:00"),
            items=[("1729380002", "LIP-PINK")],
            paid=at("2026-11-05T13:31:00"),
            rts=at("2026-11-09T14:00:00"),
            rts_sla=at("2026-11-08T13:31:00"),
        ),
        order(
            "576461413803",
            created=at("2026-11-13T20:00:00"),
            items=[("1729380001", "LIP-RED")] * 3,
            paid=at("2026-11-13T20:01:00"),
        ),
        order(
            "576461413804",
            created=at("2026-11-20T08:00:00"),
            items=[("1729384756", "SER-01")],
            paid=at("2026-11-20T08:05:00"),
        ),
        order(
            "576461413805",
            created=at("2026-11-30T18:00:00"),
            status="CANCELLED",
            items=[("1729380002", "LIP-PINK")],
            cancelled_by="SELLER",
        ),
    ]


@pytest.fixture
def shop(make_user, make_store, catalog, fake, connect):
    """A US store with a lipstick line (two Seller SKUs) and a serum line (a SKU ID), connected."""
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    change_product_line(
        store,
        {
            "name": "Lipstick",
            "current_stock": 500,
            "daily_sales": 10,
            "skus": ["LIP-RED", "LIP-PINK"],
        },
        catalog,
        manager,
    )
    change_product_line(
        store,
        {"name": "Serum", "current_stock": 50, "daily_sales": 1, "skus": ["1729384756"]},
        catalog,
        manager,
    )
    db.session.commit()
    fake.shops["7000001"].orders = five_orders()
    connect(store, actor=manager)
    return store, manager


def small_pages(tools, size=2):
    sync = dataclasses.replace(tools.settings.sync, page_size=size)
    return dataclasses.replace(tools, settings=dataclasses.replace(tools.settings, sync=sync))


def lines(store) -> dict[tuple[str, str], int]:
    db.session.expire_all()
    return {
        (row.order_id, row.line_key): row.quantity
        for row in db.session.scalars(select(OrderLine).where(OrderLine.store_id == store.id))
    }


def daily_sales(store) -> dict[str, float]:
    db.session.expire_all()
    return {
        line.name: line.daily_sales
        for line in db.session.scalars(select(ProductLine).where(ProductLine.store_id == store.id))
    }


def connection(store) -> PartnerConnection:
    db.session.expire_all()
    return db.session.scalars(
        select(PartnerConnection).where(PartnerConnection.store_id == store.id)
    ).one()


EXPECTED_LINES = {
    ("576461413801", "1729380001"): 2,
    ("576461413802", "1729380002"): 1,
    ("576461413803", "1729380001"): 3,
    ("576461413804", "1729384756"): 1,
    ("576461413805", "1729380002"): 1,
}


def test_orders_come_in_page_by_page_into_the_import_core(shop, tools, fake):
    store, _ = shop
    report = sync_store(store.id, small_pages(tools))
    searches = fake.calls("/order/202309/orders/search")
    assert len(searches) == 3 and report.pages == 3
    assert "page_token" not in searches[0].query
    assert searches[1].query["page_token"] and searches[2].query["page_token"]
    assert all(s.query["shop_cipher"] == "ROW_cipher_7000001" for s in searches)
    assert lines(store) == EXPECTED_LINES
    # The window ends on the newest order day (Nov 30) and begins on the oldest (Nov 1):
    # lipsticks 2+1+3 = 6 units over 30 days, the serum 1; the seller's cancellation is left out.
    assert daily_sales(store) == {"Lipstick": 0.2, "Serum": 0.03}
    db.session.expire_all()
    assert db.session.get(Store, store.id).orders_to_date == 4
    run = db.session.scalars(select(ImportRun).where(ImportRun.store_id == store.id)).one()
    assert run.summary["source"] == "api" and run.summary["orders_fetched"] == 5
    health = run.summary["shop_health"]
    # Two orders have a ready-to-ship time: one before its deadline, one after.
    assert health["late_dispatch_rate"] == 0.5 and health["seller_cancel_rate"] == 0.2
    kept = connection(store)
    assert kept.pass_until is None and kept.page_token is None
    assert kept.orders_synced_to == int(tools.now().timestamp()) - 60


def test_the_next_sync_asks_only_for_what_changed_since(shop, tools, fake, clock):
    store, _ = shop
    sync_store(store.id, tools)
    first_until = connection(store).orders_synced_to
    clock.t += 3600
    fake.shops["7000001"].orders.append(
        order("576461413806", created=int(clock.t) - 600, items=[("1729384756", "SER-01")] * 4)
    )
    # The cancelled order was changed (its status page) after the first sync: fetched again.
    fake.shops["7000001"].orders[4]["update_time"] = int(clock.t) - 300
    report = sync_store(store.id, tools)
    last = fake.calls("/order/202309/orders/search")[-1]
    assert last.body == {"update_time_ge": first_until, "update_time_lt": int(clock.t) - 60}
    assert report.orders == 2
    assert lines(store) == {**EXPECTED_LINES, ("576461413806", "1729384756"): 4}
    db.session.expire_all()
    assert db.session.get(Store, store.id).orders_to_date == 5


def test_an_access_token_is_refreshed_before_it_expires(shop, tools, fake, clock):
    store, _ = shop
    before = connection(store)
    old_refresh, expired_at = tools.box.open(before.refresh_token), before.access_expires_at
    clock.t = expired_at.timestamp() - 3600  # within the day before expiry
    sync_store(store.id, tools)
    assert len(fake.calls("/api/v2/token/refresh")) == 1
    after = connection(store)
    assert after.access_expires_at > expired_at
    assert tools.box.open(after.refresh_token) != old_refresh
    assert old_refresh not in fake.refresh  # rotated: the old one is spent
    assert lines(store) == EXPECTED_LINES


def test_an_access_token_refused_early_is_refreshed_once_and_the_sync_goes_on(shop, tools, fake):
    store, _ = shop
    fake.expire_access_tokens()
    report = sync_store(store.id, tools)
    assert report.refreshed and len(fake.calls("/api/v2/token/refresh")) == 1
    assert lines(store) == EXPECTED_LINES


def test_a_withdrawn_authorisation_shows_on_the_store_page_and_reminds_managers(
    shop, tools, fake, login, client
):
    store, manager = shop
    fake.shops["7000001"].revoked = True
    report = sync_store(store.id, tools)
    assert report.revoked and report.pages == 0
    kept = connection(store)
    assert kept.state == "revoked" and "refresh token" in kept.revoked_reason
    told = db.session.scalars(
        select(Reminder).where(Reminder.kind == "partner_revoked", Reminder.user_id == manager.id)
    ).all()
    assert told and "Sunny Beauty" in told[0].text
    assert told[0].payload["url"].endswith(f"/stores/{store.id}")
    page = login(manager).get(f"/stores/{store.id}").get_data(as_text=True)
    assert 'id="partner-revoked"' in page and "Connect TikTok Shop again" in page
    # Revoked stores are not synced again until a manager connects them.
    assert store.id not in sync_module.due_stores(tools.now())


def test_rate_limit_answers_are_waited_out(shop, tools, fake, waits):
    store, _ = shop
    fake.rate_limit_next, fake.retry_after = 2, "7"
    report = sync_store(store.id, tools)
    assert waits.seconds == [7, 7] and report.rate_limited == 2
    fake.rate_limit_next, fake.retry_after = 3, None
    fake.shops["7000001"].orders[0]["update_time"] += 1  # nothing new; the pass is empty
    tools.now = lambda: datetime.fromtimestamp(fake.now + 3600, UTC)
    fake.clock.t += 3600
    sync_store(store.id, tools)
    assert waits.seconds == [7, 7, 2, 4, 8]  # doubling when the platform names no wait
    assert lines(store) == EXPECTED_LINES


def test_a_pass_stopped_by_rate_limits_resumes_at_its_page_later(shop, tools, fake, waits, clock):
    store, _ = shop
    small = small_pages(tools)
    sync_store(store.id, small, max_pages=1)
    stopped = connection(store)
    assert stopped.mid_pass and stopped.page_token
    resume_at = stopped.page_token
    fake.rate_limit_next = 100
    report = sync_store(store.id, small)
    assert report.deferred_until is not None and len(waits.seconds) == 4
    assert connection(store).page_token == resume_at  # still where it was
    assert store.id not in sync_module.due_stores(clock.utc())
    fake.rate_limit_next = 0
    clock.t += 120
    assert store.id in sync_module.due_stores(clock.utc())
    sync_store(store.id, small)
    answered = [s for s in fake.calls("/order/202309/orders/search") if s.code == 0]
    assert answered[1].query["page_token"] == resume_at
    assert lines(store) == EXPECTED_LINES


def test_a_failure_mid_page_keeps_nothing_of_that_page_and_the_resume_counts_once(
    shop, tools, fake, clock, monkeypatch
):
    store, _ = shop
    real = sync_module.keep_order_lines
    calls = []

    def keep_then_fail(rows):
        calls.append(len(rows))
        real(rows)  # written, but not committed...
        if len(calls) == 2:
            raise OSError("disk full")  # ...when the process fails mid-page

    monkeypatch.setattr(sync_module, "keep_order_lines", keep_then_fail)
    small = small_pages(tools)
    with pytest.raises(OSError):
        sync_store(store.id, small)
    kept = connection(store)
    assert kept.failures == 1 and "disk full" in kept.last_error
    assert len(lines(store)) == 2  # the first page only
    assert kept.page_token  # the page that failed is the one asked for next
    monkeypatch.setattr(sync_module, "keep_order_lines", real)
    clock.t = kept.next_sync_at.timestamp()
    sync_store(store.id, small)
    assert lines(store) == EXPECTED_LINES
    assert connection(store).failures == 0 and connection(store).last_error is None
    db.session.expire_all()
    assert db.session.get(Store, store.id).orders_to_date == 4


ORDERS_CSV = (
    "\ufeffOrder ID,Order Status,SKU ID,Seller SKU,Quantity,Created Time,Paid Time,RTS Time,"
    "Cancel By\n"
    "576461413801,Completed,1729380001,LIP-RED,2,11/01/2026 09:15:12 AM,11/01/2026 09:16:40 AM,"
    "11/02/2026 10:00:00 AM,\n"
    "576461413802,Completed,1729380002,LIP-PINK,1,11/05/2026 01:30:00 PM,11/05/2026 01:31:00 PM,"
    "11/09/2026 02:00:00 PM,\n"
    "576461413803,Completed,1729380001,LIP-RED,3,11/13/2026 08:00:00 PM,11/13/2026 08:01:00 PM,,\n"
    "576461413804,Completed,1729384756,SER-01,1,11/20/2026 08:00:00 AM,11/20/2026 08:05:00 AM,,\n"
    "576461413805,Cancelled,1729380002,LIP-PINK,1,11/30/2026 06:00:00 PM,,,Seller\n"
).encode()


def _import_file(store, catalog):
    import io

    run_import(store, {"kind": "orders"}, io.BytesIO(ORDERS_CSV), catalog, None, import_settings())
    db.session.commit()


@pytest.mark.parametrize("file_first", [True, False], ids=["file-then-api", "api-then-file"])
def test_the_same_orders_from_a_file_and_the_api_count_once(shop, tools, catalog, file_first):
    store, _ = shop
    if file_first:
        _import_file(store, catalog)
        assert lines(store) == EXPECTED_LINES
        sync_store(store.id, tools)
    else:
        sync_store(store.id, tools)
        _import_file(store, catalog)
    assert lines(store) == EXPECTED_LINES
    assert daily_sales(store) == {"Lipstick": 0.2, "Serum": 0.03}
    db.session.expire_all()
    assert db.session.get(Store, store.id).orders_to_date == 4
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 5


def test_one_store_failing_never_stops_the_others(
    shop, tools, fake, make_store, connect, login, client
):
    failing, manager = shop
    fake.add_shop("7000002", "US", "Second Shop").orders = [
        order("9001", created=at("2026-11-10T10:00:00"), items=[("55", "MUG")] * 2)
    ]
    other = make_store(name="Second US")
    connect(other, shop_id="7000002")
    fake.fail_always_for = {"7000001"}
    faults = FaultLog()
    reports = sync_due_stores(faults, tools=tools)
    assert [r.store_id for r in reports] == [other.id]
    assert lines(other) == {("9001", "55"): 2}
    assert [(f.stage, f.store_id) for f in faults.faults] == [("partner_sync", failing.id)]
    assert "HTTP 500" in faults.faults[0].error
    page = login(manager).get(f"/stores/{failing.id}").get_data(as_text=True)
    assert 'id="partner-failing"' in page
    # Not due again yet, the failing store stays among the faults at the next tick.
    later = FaultLog()
    assert sync_due_stores(later, tools=tools) == []
    assert [(f.stage, f.store_id) for f in later.faults] == [("partner_sync", failing.id)]


def test_skus_no_line_has_are_listed_with_their_product_titles(shop, tools, fake, login):
    store, manager = shop
    platform = fake.shops["7000001"]
    platform.orders.append(
        order(
            "576461413809", created=at("2026-11-25T10:00:00"), items=[("1729389999", "MUG-01")] * 4
        )
    )
    platform.products = [
        {"id": "p1", "title": "Coffee mug", "skus": [{"id": "1729389999", "seller_sku": "MUG-01"}]}
    ]
    sync_store(store.id, tools)
    assert len(fake.calls("/product/202309/products/search")) == 1
    page = login(manager).get(f"/stores/{store.id}/imports").get_data(as_text=True)
    assert 'id="unmatched"' in page and "MUG-01" in page and "Coffee mug" in page
    assert 'id="from-api"' in page  # the latest orders import came from the API
    # The platform's own figures for the 30 days before today (Nov 3 to Dec 2): five
    # orders created then (UTC days), 1+3+1+1+4 units (the fake says 10.00 a unit).
    assert "2026-11-03 to 2026-12-02: GMV 100.0 USD, 5 orders, 10 units sold" in page


def test_without_the_analytics_scope_the_sync_goes_on_without_the_platforms_figures(
    shop, tools, fake, login
):
    store, manager = shop
    fake.no_analytics_scope = True
    report = sync_store(store.id, tools)
    assert report.passes_done == 1 and lines(store) == EXPECTED_LINES
    assert [s.code for s in fake.calls("/analytics/202405/shop/performance")] == [105005]
    page = login(manager).get(f"/stores/{store.id}/imports").get_data(as_text=True)
    assert 'id="shop-health"' in page and 'id="shop-performance"' not in page
