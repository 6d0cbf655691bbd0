"""The orders sync: a connected store's orders, page by page, into the import core.

A *pass* fetches the orders updated from where the last pass ended (``orders_synced_to``)
up to a moment fixed when it starts (``pass_until``), following ``page_token``. Each
page's order lines and the cursor that points past them are one unit of work, committed
together by ``sync_store``: a process killed at any instant loses at most the page it had
not committed, and the next run asks for that same page again. Lines are kept by order
and SKU line through the import core's upsert, so a page fetched twice, or an order a
file already brought, is never counted twice. When a pass ends, daily sales, orders to
date and shop health are worked out again from every line kept, as after a file import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from tracker.activity.services import log_activity
from tracker.catalog import get_catalog
from tracker.clock import utcnow
from tracker.columns import rows_changed
from tracker.extensions import db
from tracker.faults import Fault, FaultLog, describe
from tracker.imports.models import ImportRun
from tracker.imports.orders import keep_order_lines, work_out_orders
from tracker.imports.settings import ImportSettings, import_settings
from tracker.imports.summary import ImportSummary
from tracker.partner.client import (
    AccessRefused,
    PartnerClient,
    PartnerError,
    RateLimited,
    Unreachable,
)
from tracker.partner.models import CONNECTED, PartnerConnection
from tracker.partner.orders import order_lines
from tracker.partner.services import refresh_if_due
from tracker.partner.settings import PartnerSettings, partner_config, partner_settings
from tracker.partner.tokens import TokenBox
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.stores.models import Store

log = logging.getLogger(__name__)
STAGE = "partner_sync"
# Pages one tick fetches for one store at most; a longer pass goes on at the next tick.
PAGES_PER_TICK = 100
# Products searched to name SKUs no line has: at most this many pages of this many.
PRODUCT_PAGES = 20
PRODUCT_PAGE_SIZE = 100


class SyncBusy(RuntimeError):
    """Another process is syncing this store right now."""


@dataclass
class SyncReport:
    """What one run of a store's sync did."""

    store_id: int
    pages: int = 0
    lines: int = 0
    orders: int = 0
    passes_done: int = 0
    rate_limited: int = 0
    waited_seconds: list[float] = field(default_factory=list)
    refreshed: bool = False
    revoked: bool = False
    deferred_until: datetime | None = None
    changes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "pages": self.pages,
            "lines": self.lines,
            "orders": self.orders,
            "passes_done": self.passes_done,
            "rate_limited": self.rate_limited,
            "refreshed": self.refreshed,
            "revoked": self.revoked,
            "deferred_until": self.deferred_until.isoformat() if self.deferred_until else None,
            "changes": self.changes,
        }


@dataclass
class SyncTools:
    """What a sync needs besides the database: the client, the token box, rules and clocks."""

    client: PartnerClient
    box: TokenBox
    settings: PartnerSettings
    imports: ImportSettings
    catalog: Catalog
    now: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep


def sync_tools(**overrides: Any) -> SyncTools:
    """The running app's sync tools; RuntimeError naming the problem when not configured."""
    from tracker.partner.settings import partner_problem

    config = partner_config()
    if config is None:
        raise RuntimeError(partner_problem() or "the TikTok Shop Partner API is not configured")
    settings = partner_settings()
    values: dict[str, Any] = {
        "client": PartnerClient(config, settings.endpoints),
        "box": TokenBox(config),
        "settings": settings,
        "imports": import_settings(),
        "catalog": get_catalog(),
    }
    values.update(overrides)
    return SyncTools(**values)


# --- one page: the unit of work ------------------------------------------------------------


def sync_page(
    connection: PartnerConnection, store: Store, tools: SyncTools, report: SyncReport
) -> bool:
    """Fetch and keep the next page of the pass (starting one if none is under way).

    Flushes and never commits. True when the pass ended with this page.
    """
    sync = tools.settings.sync
    now = tools.now()
    if connection.pass_until is None:
        start = connection.orders_synced_to
        if start is None:
            start = int((now - timedelta(days=sync.first_sync_days)).timestamp())
            connection.orders_synced_to = start
        until = int(now.timestamp()) - sync.settle_seconds
        if until <= start:
            _end_pass(connection, store, tools, report, now)
            return True
        connection.pass_until = until
        connection.page_token = None
        connection.lines_this_pass = connection.orders_this_pass = 0
    assert connection.orders_synced_to is not None and connection.pass_until is not None
    data = tools.client.search_orders(
        tools.box.open(connection.access_token),
        connection.shop_cipher,
        update_time_ge=connection.orders_synced_to,
        update_time_lt=connection.pass_until,
        page_size=sync.page_size,
        page_token=connection.page_token,
    )
    read = order_lines(
        data.get("orders") or (), store.id, store.zone, tools.imports.dispatch_within_hours
    )
    if read.rows:
        keep_order_lines(read.rows)
    for skipped in read.skipped:
        log.warning("store %s: order not read: %s", store.id, skipped)
    connection.lines_this_pass += len(read.rows)
    connection.orders_this_pass += read.orders
    report.pages += 1
    report.lines += len(read.rows)
    report.orders += read.orders
    next_token = str(data.get("next_page_token") or "") or None
    if next_token is not None and read.orders:
        connection.page_token = next_token
        db.session.flush()
        return False
    # The pass is over: the next one starts where this one ended.
    connection.orders_synced_to = connection.pass_until
    _end_pass(connection, store, tools, report, now)
    return True


def _end_pass(
    connection: PartnerConnection,
    store: Store,
    tools: SyncTools,
    report: SyncReport,
    now: datetime,
) -> None:
    """Close the pass: work the figures out again if it brought lines, and note the run."""
    lines, orders = connection.lines_this_pass, connection.orders_this_pass
    connection.pass_until = connection.page_token = None
    connection.lines_this_pass = connection.orders_this_pass = 0
    connection.last_synced_at = now
    connection.next_sync_at = now + timedelta(minutes=tools.settings.sync.every_minutes)
    connection.failures = 0
    connection.last_error = connection.last_error_at = None
    report.passes_done += 1
    if lines:
        summary = ImportSummary("orders", rows=lines, used=lines, file_format="api")
        work_out_orders(store, tools.catalog, None, tools.imports, summary, now=now)
        _name_unmatched(connection, tools, summary)
        _shop_performance(connection, store, tools, summary, now)
        report.changes += [str(change) for change in summary.changes]
        _note_run(connection, store, summary, orders, now)
    db.session.flush()


def _name_unmatched(
    connection: PartnerConnection, tools: SyncTools, summary: ImportSummary
) -> None:
    """Give each SKU no product line has its product's title (products search), if it can.

    The data page lists them for a manager to give to lines; a title says what each is.
    Only a help: when the products cannot be had, the SKUs are listed as they are.
    """
    unmatched = summary.extra.get("unmatched_skus") or []
    if not unmatched:
        return
    titles: dict[str, str] = {}
    token: str | None = None
    try:
        for _ in range(PRODUCT_PAGES):
            data = tools.client.search_products(
                tools.box.open(connection.access_token),
                connection.shop_cipher,
                page_size=PRODUCT_PAGE_SIZE,
                page_token=token,
            )
            for product in data.get("products") or ():
                title = str(product.get("title") or "")[:200]
                for sku in product.get("skus") or ():
                    for key in (sku.get("id"), sku.get("seller_sku")):
                        if key:
                            titles[str(key)] = title
            token = str(data.get("next_page_token") or "") or None
            if token is None:
                break
    except PartnerError as error:
        log.warning("products search for store %s failed: %s", connection.store_id, error)
        return
    for row in unmatched:
        named = titles.get(row.get("sku_id") or "") or titles.get(row.get("seller_sku") or "")
        if named:
            row["product"] = named


def _shop_performance(
    connection: PartnerConnection,
    store: Store,
    tools: SyncTools,
    summary: ImportSummary,
    now: datetime,
) -> None:
    """The platform's own figures for the store's last days, where the app may read them."""
    today = now.astimezone(ZoneInfo(store.zone)).date()
    first = today - timedelta(days=tools.imports.sales_window_days)
    try:
        data = tools.client.shop_performance(
            tools.box.open(connection.access_token),
            connection.shop_cipher,
            start_date_ge=first.isoformat(),
            end_date_lt=today.isoformat(),
        )
        interval = ((data.get("performance") or {}).get("intervals") or [{}])[0]
        gmv = interval.get("gmv") or {}
        figures = {
            "from": first.isoformat(),
            "to": (today - timedelta(days=1)).isoformat(),
            "gmv": float(gmv["amount"]) if gmv.get("amount") not in (None, "") else None,
            "currency": str(gmv.get("currency") or ""),
            "orders": interval.get("orders"),
            "units_sold": interval.get("units_sold"),
            "buyers": interval.get("buyers"),
        }
    except (PartnerError, AttributeError, IndexError, TypeError, ValueError) as error:
        log.info("shop performance for store %s not read: %s", store.id, error)
        return
    summary.extra["shop_performance"] = figures


def _note_run(
    connection: PartnerConnection,
    store: Store,
    summary: ImportSummary,
    orders: int,
    now: datetime,
) -> None:
    """One import run per store and day for the API: the day's passes added up in it."""
    synced_day = datetime.fromtimestamp(connection.orders_synced_to or 0, ZoneInfo(store.zone))
    as_of = synced_day.date()
    run = db.session.get(ImportRun, connection.last_run_id) if connection.last_run_id else None
    json = summary.to_json() | {"source": "api", "orders_fetched": orders}
    if run is not None and run.store_id == store.id and run.data_as_of == as_of:
        before = run.summary or {}
        json["rows"] += int(before.get("rows", 0))
        json["used"] += int(before.get("used", 0))
        json["orders_fetched"] += int(before.get("orders_fetched", 0))
        json["changes"] = [*before.get("changes", []), *json["changes"]][-50:]
        run.summary = json
        run.created_at = now
    else:
        run = ImportRun(store_id=store.id, kind="orders", data_as_of=as_of, summary=json)
        db.session.add(run)
        db.session.flush()
        connection.last_run_id = run.id
    if summary.changes:
        log_activity(
            store.id,
            None,
            "imported",
            phrase(
                "TikTok Shop sync: %(orders)s orders updated, %(changes)s changes.",
                orders=orders,
                changes=len(summary.changes),
            ),
        )


# --- a store's run: pages committed one by one -----------------------------------------------


def claim(store_id: int, lease_seconds: float, now: datetime) -> bool:
    """Take the store's sync for this process (a counting UPDATE: one taker at a time); commit."""
    taken = rows_changed(
        db.session.execute(
            update(PartnerConnection)
            .where(
                PartnerConnection.store_id == store_id,
                PartnerConnection.state == CONNECTED,
                or_(PartnerConnection.lease_until.is_(None), PartnerConnection.lease_until < now),
            )
            .values(lease_until=now + timedelta(seconds=lease_seconds))
        )
    )
    db.session.commit()
    return taken == 1


def sync_store(store_id: int, tools: SyncTools, *, max_pages: int | None = None) -> SyncReport:
    """Sync one store's orders; each page is committed with its cursor (callers commit nothing).

    Backs off on the platform's rate-limit answers (Retry-After, else doubling waits) and,
    past the retries allowed, stops where it is and resumes at a later tick. A failure is
    noted on the connection (shown on the store page) and raised for the caller to record.
    """
    sync = tools.settings.sync
    report = SyncReport(store_id)
    if not claim(store_id, sync.lease_seconds, tools.now()):
        raise SyncBusy(f"store {store_id}: not connected, or another process is syncing it")
    limited = 0
    forced = False
    try:
        while True:
            connection = _connection(store_id)
            store = db.session.get(Store, store_id)
            assert store is not None
            if refresh_if_due(connection, store, tools.client, tools.box, sync, now=tools.now()):
                report.refreshed = True
            if connection.connected:  # still ours for another while: a long pass keeps it
                connection.lease_until = tools.now() + timedelta(seconds=sync.lease_seconds)
            db.session.commit()
            if not connection.connected:
                report.revoked = True
                return report
            if max_pages is not None and report.pages >= max_pages:
                connection.next_sync_at = tools.now()  # more to do: due at the next tick
                break
            try:
                ended = sync_page(connection, store, tools, report)
            except RateLimited as error:
                db.session.rollback()
                limited += 1
                report.rate_limited += 1
                if limited > sync.rate_limit_retries:
                    connection = _connection(store_id)
                    wait = timedelta(seconds=sync.backoff_cap_seconds)
                    connection.next_sync_at = report.deferred_until = tools.now() + wait
                    break
                wait_seconds = error.retry_after
                if wait_seconds is None:
                    wait_seconds = sync.backoff_seconds * 2 ** (limited - 1)
                wait_seconds = min(wait_seconds, sync.backoff_cap_seconds)
                report.waited_seconds.append(wait_seconds)
                tools.sleep(wait_seconds)
                continue
            except AccessRefused:
                db.session.rollback()
                if forced:
                    raise
                forced = True  # the token was refused before its time: refresh it once now
                connection = _connection(store_id)
                store = db.session.get(Store, store_id)
                assert store is not None
                if refresh_if_due(
                    connection, store, tools.client, tools.box, sync, now=tools.now(), force=True
                ):
                    report.refreshed = True
                db.session.commit()
                continue
            limited = 0
            db.session.commit()  # the page's lines and the cursor past them, together
            if ended:
                break
        connection = _connection(store_id)
        connection.lease_until = None
        db.session.commit()
        return report
    except Exception as error:
        db.session.rollback()
        refused = isinstance(error, PartnerError) and not isinstance(error, Unreachable)
        _note_failure(store_id, error, tools, page_gone=refused)
        raise


def _connection(store_id: int) -> PartnerConnection:
    connection = db.session.scalar(
        select(PartnerConnection).where(PartnerConnection.store_id == store_id)
    )
    assert connection is not None
    return connection


def _note_failure(
    store_id: int, error: BaseException, tools: SyncTools, *, page_gone: bool
) -> None:
    """Note the failure on the store's connection, wait longer before the next try; commit."""
    connection = db.session.scalar(
        select(PartnerConnection).where(PartnerConnection.store_id == store_id)
    )
    if connection is None:
        return
    sync = tools.settings.sync
    now = tools.now()
    connection.failures += 1
    connection.last_error = describe(error)[:1000]
    connection.last_error_at = now
    minutes = min(
        sync.retry_after_failure_minutes * 2 ** (connection.failures - 1),
        sync.retry_after_failure_cap_minutes,
    )
    connection.next_sync_at = now + timedelta(minutes=minutes)
    connection.lease_until = None
    if page_gone and connection.failures >= 2:
        # The platform keeps refusing this page (its token may have lapsed): ask for the
        # pass from its first page again; lines fetched twice are kept once.
        connection.page_token = None
    db.session.commit()


# --- the scheduler's share ------------------------------------------------------------------


def due_stores(now: datetime) -> list[int]:
    """Connected stores whose sync is due (a pass under way is due at once)."""
    return list(
        db.session.scalars(
            select(PartnerConnection.store_id)
            .where(
                PartnerConnection.state == CONNECTED,
                or_(
                    PartnerConnection.next_sync_at.is_(None),
                    PartnerConnection.next_sync_at <= now,
                ),
                or_(PartnerConnection.lease_until.is_(None), PartnerConnection.lease_until < now),
            )
            .order_by(PartnerConnection.next_sync_at, PartnerConnection.store_id)
        )
    )


def sync_due_stores(faults: FaultLog, *, tools: SyncTools | None = None) -> list[SyncReport]:
    """Sync every connected store that is due; one store's failure is noted and the rest go on.

    A store whose last try failed and is waiting to try again stays among the faults.
    """
    if tools is None:
        if partner_config() is None:
            return []
        tools = sync_tools()
    now = tools.now()
    reports = []
    for store_id in due_stores(now):
        with faults.isolated(STAGE, store_id=store_id):
            try:
                reports.append(sync_store(store_id, tools, max_pages=PAGES_PER_TICK))
            except SyncBusy:
                continue
    waiting = db.session.execute(
        select(PartnerConnection.store_id, PartnerConnection.last_error).where(
            PartnerConnection.state == CONNECTED,
            PartnerConnection.failures > 0,
            PartnerConnection.last_error.is_not(None),
        )
    ).all()
    noted = {fault.store_id for fault in faults.faults if fault.stage == STAGE}
    for store_id, error in waiting:
        if store_id not in noted:
            faults.faults.append(Fault(STAGE, str(error), store_id))
    return reports
