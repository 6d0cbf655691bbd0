"""The "All orders" export: each SKU line kept once, then what the store's orders say.

From the lines kept (all imports so far, so a file imported twice or two
overlapping files never count an order twice): daily sales per product line
over the recent window, orders to date, and the shop-health rates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from sqlalchemy import distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.i18n.changes import change_phrase, field_name
from tracker.imports.models import OrderLine
from tracker.imports.settings import ImportSettings
from tracker.imports.summary import ImportSummary
from tracker.imports.tables import Column, Refused, Table, open_table
from tracker.imports.values import (
    BadValue,
    DateOrder,
    Stamp,
    money,
    stamp,
    whole,
)
from tracker.plans import stores as plan_stores
from tracker.plans.stock_up import change_product_line
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.stockup.models import ProductLine
from tracker.stockup.services import product_lines
from tracker.stores.health import ShopHealth
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input

COLUMNS = (
    Column("order_id", ("Order ID", "Order No.", "Order Number"), required=True),
    Column("sku_id", ("SKU ID",)),
    Column("seller_sku", ("Seller SKU", "Seller SKU ID")),
    Column("quantity", ("Quantity", "Qty"), required=True),
    Column("created", ("Created Time", "Order Created Time", "Create Time"), required=True),
    Column("paid", ("Paid Time", "Payment Time")),
    Column("rts", ("RTS Time",)),
    Column("shipped", ("Shipped Time",)),
    Column("status", ("Order Status",)),
    Column("cancel_type", ("Cancelation/Return Type", "Cancellation/Return Type")),
    Column("cancel_by", ("Cancel By", "Cancelled By")),
    Column("amount", ("SKU Subtotal After Discount", "Order Amount")),
)
KIND = phrase("orders")
# Lines read before the file's day/month order is known wait, at most this many.
PENDING_MAX = 5_000
# Lines written to the database in one statement.
BATCH = 2_000


@dataclass
class _Line:
    row: int
    order_id: str
    sku_id: str | None
    seller_sku: str | None
    quantity: int
    status: str
    cancelled: bool
    seller_cancelled: bool
    created: datetime | Stamp
    paid: datetime | Stamp | None
    dispatched: datetime | Stamp | None
    amount: float | None


def import_orders(
    store: Store,
    stream: IO[bytes],
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    accept_partial: bool = False,
    now: datetime | None = None,
) -> ImportSummary:
    """Keep each order line once, then bring sales, orders to date and shop health up to date."""
    table = open_table(stream, COLUMNS, KIND)
    if "sku_id" not in table.found and "seller_sku" not in table.found:
        raise Refused(
            phrase("not an orders export: it needs a 'SKU ID' or a 'Seller SKU' column"),
            row=table.header_row,
        )
    summary = ImportSummary("orders", columns=table.used(), file_format=table.file_format)
    order = settings.date_order(store.market)
    pending: list[_Line] = []
    batch: dict[tuple[str, str], dict[str, Any]] = {}
    amount = 0.0
    for line in _lines(table, summary, accept_partial):
        for value in (line.created, line.paid, line.dispatched):
            if value is not None:
                order.learn(value)
        pending.append(line)
        if order.order is None and len(pending) < PENDING_MAX:
            continue
        for ready in pending:
            row = _resolved(ready, order, store, settings, summary, accept_partial)
            if row is not None:
                batch[(row["order_id"], row["line_key"])] = row
                amount += 0.0 if ready.cancelled else ready.amount or 0.0
        pending.clear()
        if len(batch) >= BATCH:
            _write(list(batch.values()))
            batch.clear()
    for ready in pending:
        row = _resolved(ready, order, store, settings, summary, accept_partial)
        if row is not None:
            batch[(row["order_id"], row["line_key"])] = row
            amount += 0.0 if ready.cancelled else ready.amount or 0.0
    if batch:
        _write(list(batch.values()))
    summary.date_order = order.said()
    summary.extra["sales_amount"] = round(amount, 2)
    db.session.flush()
    _apply(store, catalog, actor, settings, summary, now)
    return summary


def _lines(table: Table, summary: ImportSummary, accept_partial: bool) -> Iterator[_Line]:
    """Each order line of the file, read but for its times; bad rows refused or left out."""
    first = True
    for number, values in table.rows:
        try:
            line = _line(table, number, values)
        except Refused as refused:
            if first and _describes_columns(table, values):
                summary.extra["description_row"] = number
                first = False
                continue
            summary.rows += 1
            summary.skip(refused, accept_partial)
            continue
        first = False
        summary.rows += 1
        yield line


def _describes_columns(table: Table, values: Sequence[Any]) -> bool:
    """Is this (the first row under the header) the export's row describing each column?

    It is words where a count and a time belong.
    """
    quantity, created = (table.cell(values, key) for key in ("quantity", "created"))
    return _words(quantity) and _words(created)


def _words(cell: Any) -> bool:
    if not isinstance(cell, str) or not any(c.isalpha() for c in cell):
        return False
    try:
        stamp(cell)
    except BadValue:
        return True
    return False


def _line(table: Table, number: int, values: Sequence[Any]) -> _Line:
    def read(key: str, parse: Any, *, required: bool = False) -> Any:
        cell = table.cell(values, key)
        if cell is None:
            if required:
                raise Refused(phrase("is empty"), row=number, column=table.used()[key])
            return None
        try:
            return parse(cell)
        except BadValue as error:
            raise Refused(error.args[0], row=number, column=table.used()[key]) from None

    order_id = read("order_id", _text(64), required=True)
    sku_id = read("sku_id", _text(64))
    seller_sku = read("seller_sku", _text(128))
    if sku_id is None and seller_sku is None:
        column = table.used().get("sku_id") or table.used()["seller_sku"]
        raise Refused(phrase("no SKU ID or Seller SKU on this line"), row=number, column=column)
    status = read("status", _text(64)) or ""
    cancel_type = read("cancel_type", _text(64)) or ""
    cancel_by = read("cancel_by", _text(64)) or ""
    cancelled = status.casefold().startswith("cancel") or (
        cancel_type.casefold().startswith("cancel") and bool(cancel_by)
    )
    return _Line(
        row=number,
        order_id=order_id,
        sku_id=sku_id,
        seller_sku=seller_sku,
        quantity=read("quantity", lambda v: whole(v, high=1_000_000), required=True),
        status=status,
        cancelled=cancelled,
        seller_cancelled=cancelled and cancel_by.casefold() == "seller",
        created=read("created", stamp, required=True),
        paid=read("paid", stamp),
        dispatched=read("rts", stamp) or read("shipped", stamp),
        amount=read("amount", money),
    )


def _text(most: int) -> Any:
    def parse(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # an id Excel turned into a number
        text = str(value).strip()
        if len(text) > most:
            raise BadValue(phrase("is longer than %(most)s characters", most=most))
        return text

    return parse


def _resolved(
    line: _Line,
    order: DateOrder,
    store: Store,
    settings: ImportSettings,
    summary: ImportSummary,
    accept_partial: bool,
) -> dict[str, Any] | None:
    """The line's row to keep, its times read in the file's order; None if left out."""
    times: dict[str, datetime | None] = {}
    for name, value in (("created", line.created), ("paid", line.paid), ("rts", line.dispatched)):
        if value is None:
            times[name] = None
            continue
        try:
            order.check(value)
            times[name] = order.read(value)
        except BadValue as error:
            column = summary.columns.get(name) or summary.columns.get("shipped", name)
            summary.skip(Refused(error.args[0], row=line.row, column=column), accept_partial)
            return None
    summary.used += 1
    paid, dispatched = times["paid"], times["rts"]
    late = None
    if paid is not None and dispatched is not None:
        late = dispatched - paid > timedelta(hours=settings.dispatch_within_hours)
    created = times["created"]
    assert created is not None
    return {
        "store_id": store.id,
        "order_id": line.order_id,
        "line_key": line.sku_id or line.seller_sku,
        "sku_id": line.sku_id,
        "seller_sku": line.seller_sku,
        "quantity": line.quantity,
        "status": line.status,
        "cancelled": line.cancelled,
        "seller_cancelled": line.seller_cancelled,
        "created_on": created.date(),
        "paid_at": paid,
        "dispatched_at": dispatched,
        "late": late,
        "source": "file",
        "updated_at": utcnow(),
    }


def _write(rows: list[dict[str, Any]]) -> None:
    """Insert the lines, or bring lines already kept up to date (same order, same SKU line)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OrderLine)
    kept = ("store_id", "order_id", "line_key")
    statement = statement.on_conflict_do_update(
        index_elements=list(kept),
        set_={
            name: statement.excluded[name]
            for name in rows[0]
            if name not in kept and name != "source"
        },
    )
    db.session.execute(statement, rows)


def keep_order_lines(rows: Sequence[dict[str, Any]]) -> None:
    """Keep order lines from elsewhere (the Partner API) by the same key and upsert as a file's.

    Each row has the columns of ``OrderLine`` (``store_id``, ``order_id``, ``line_key``, ...):
    a line a file or an earlier sync kept is brought up to date, never counted twice.
    """
    for start in range(0, len(rows), BATCH):
        _write(list(rows[start : start + BATCH]))


def work_out_orders(
    store: Store,
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    summary: ImportSummary,
    *,
    now: datetime | None = None,
) -> None:
    """Work daily sales, orders to date and shop health out again from every line kept."""
    _apply(store, catalog, actor, settings, summary, now)


# --- what the kept lines say ---------------------------------------------------------------


def recount_orders(
    store: Store,
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    now: datetime | None = None,
) -> ImportSummary:
    """Work the figures out again from the lines kept (after SKUs were mapped to lines)."""
    summary = ImportSummary("orders")
    _apply(store, catalog, actor, settings, summary, now)
    return summary


def sales_window(store: Store, days: int) -> tuple[date, date] | None:
    """The recent window of order days: the newest order day and up to ``days`` before it."""
    newest, oldest = db.session.execute(
        select(func.max(OrderLine.created_on), func.min(OrderLine.created_on)).where(
            OrderLine.store_id == store.id
        )
    ).one()
    if newest is None:
        return None
    return max(oldest, newest - timedelta(days=days - 1)), newest


def _in_window(query: Any, store: Store, window: tuple[date, date]) -> Any:
    return query.where(
        OrderLine.store_id == store.id,
        OrderLine.created_on >= window[0],
        OrderLine.created_on <= window[1],
    )


def _apply(
    store: Store,
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    summary: ImportSummary,
    now: datetime | None,
) -> None:
    window = sales_window(store, settings.sales_window_days)
    if window is None:
        return
    first, last = window
    days = (last - first).days + 1
    summary.extra["window"] = {"from": first.isoformat(), "to": last.isoformat(), "days": days}
    summary.extra["data_as_of"] = last.isoformat()
    _daily_sales(store, catalog, actor, summary, window, days, now)
    _orders_to_date(store, catalog, actor, summary)
    _shop_health(store, summary, window)


def _daily_sales(
    store: Store,
    catalog: Catalog,
    actor: User | None,
    summary: ImportSummary,
    window: tuple[date, date],
    days: int,
    now: datetime | None,
) -> None:
    """Each line with SKUs gets its units a day over the window; SKUs no line has are listed."""
    sold = db.session.execute(
        _in_window(
            select(OrderLine.seller_sku, OrderLine.sku_id, func.sum(OrderLine.quantity)),
            store,
            window,
        )
        .where(OrderLine.cancelled.is_(False))
        .group_by(OrderLine.seller_sku, OrderLine.sku_id)
    ).all()
    lines = product_lines(store)
    owner: dict[str, ProductLine] = {sku: line for line in lines for sku in line.skus or ()}
    units: dict[int, int] = {}
    unmatched = []
    for seller_sku, sku_id, quantity in sold:
        line = owner.get(seller_sku or "") or owner.get(sku_id or "")
        if line is None:
            unmatched.append({"seller_sku": seller_sku, "sku_id": sku_id, "units": int(quantity)})
        else:
            units[line.id] = units.get(line.id, 0) + int(quantity)
    summary.extra["unmatched_skus"] = sorted(unmatched, key=lambda x: (-x["units"], str(x)))
    because = phrase("from orders %(first)s…%(last)s", first=window[0], last=window[1])
    for line in lines:
        if not line.skus:
            continue
        daily = round(units.get(line.id, 0) / days, 2)
        if abs(daily - line.daily_sales) < 0.005:
            continue
        before = line.daily_sales
        change_product_line(
            store, {"daily_sales": daily}, catalog, actor, line_id=line.id, now=now, because=because
        )
        summary.changes.append(
            phrase(
                "%(line)s: %(field)s %(before)s → %(after)s %(because)s",
                line=line.name,
                field=field_name("daily_sales"),
                before=f"{before:g}",
                after=f"{daily:g}",
                because=because,
            )
        )


def _orders_to_date(
    store: Store, catalog: Catalog, actor: User | None, summary: ImportSummary
) -> None:
    """The store's orders so far, not cancelled; a typed figure that is higher stays."""
    count = db.session.scalar(
        select(func.count(distinct(OrderLine.order_id))).where(
            OrderLine.store_id == store.id, OrderLine.cancelled.is_(False)
        )
    )
    summary.extra["orders_imported"] = count or 0
    before = store.orders_to_date
    if not count or (before is not None and before >= count):
        return
    store_input = parse_store_input({"orders_to_date": count}, catalog, current=store)
    plan_stores.update_store(store, store_input, catalog, actor=actor)
    summary.changes.append(change_phrase("orders_to_date", before, count))


def _shop_health(store: Store, summary: ImportSummary, window: tuple[date, date]) -> None:
    """Late dispatch and seller-fault cancellation rates over the window, kept as of its end."""
    orders = db.session.scalar(
        _in_window(select(func.count(distinct(OrderLine.order_id))), store, window)
    )
    seller_cancelled = db.session.scalar(
        _in_window(select(func.count(distinct(OrderLine.order_id))), store, window).where(
            OrderLine.seller_cancelled.is_(True)
        )
    )
    dispatched = db.session.scalar(
        _in_window(select(func.count(distinct(OrderLine.order_id))), store, window).where(
            OrderLine.late.is_not(None)
        )
    )
    late = db.session.scalar(
        _in_window(select(func.count(distinct(OrderLine.order_id))), store, window).where(
            OrderLine.late.is_(True)
        )
    )
    late_rate = round(late / dispatched, 4) if dispatched else None
    cancel_rate = round(seller_cancelled / orders, 4) if orders else None
    health = {
        "as_of": window[1].isoformat(),
        "window_starts_on": window[0].isoformat(),
        "orders": orders,
        "late_dispatch_rate": late_rate,
        "late_dispatched_orders": late,
        "dispatched_orders": dispatched,
        "seller_cancel_rate": cancel_rate,
        "seller_cancelled_orders": seller_cancelled,
    }
    summary.extra["shop_health"] = health
    kept = db.session.scalar(
        select(ShopHealth).where(ShopHealth.store_id == store.id, ShopHealth.as_of == window[1])
    )
    figures = (window[0], orders, late_rate, cancel_rate)
    if (
        kept is not None
        and (
            kept.window_starts_on,
            kept.orders,
            kept.late_dispatch_rate,
            kept.seller_cancel_rate,
        )
        == figures
    ):
        return
    if kept is None:
        kept = ShopHealth(store_id=store.id, as_of=window[1], source="orders export")
        db.session.add(kept)
    kept.window_starts_on, kept.orders = window[0], orders or 0
    kept.late_dispatch_rate, kept.seller_cancel_rate = late_rate, cancel_rate
    summary.changes.append(
        phrase(
            "shop health as of %(day)s (orders %(first)s…%(last)s): late dispatch %(late)s, "
            "seller-fault cancellations %(cancelled)s",
            day=window[1],
            first=window[0],
            last=window[1],
            late=_percent(late_rate, late, dispatched),
            cancelled=_percent(cancel_rate, seller_cancelled, orders),
        )
    )


def _percent(rate: float | None, part: int | None, whole_count: int | None) -> str:
    if rate is None:
        return "-"
    return f"{rate * 100:.1f}% ({part} of {whole_count})"
