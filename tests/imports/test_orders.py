"""The "All orders" export: sales per line, orders to date and shop health, read as it comes."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.imports.conftest import fixture_bytes, line_named, xlsx
from tracker.activity.models import Activity
from tracker.clock import local_today
from tracker.errors import InputError
from tracker.extensions import db
from tracker.imports.models import ImportRun, OrderLine
from tracker.stockup.services import plan_stock_up
from tracker.stores.health import ShopHealth
from tracker.stores.models import Store

HEADER = ["Order ID", "Order Status", "SKU ID", "Seller SKU", "Quantity", "Created Time"]


def test_us_export_figures_checked_by_hand(shop, do_import):
    """orders_us.csv: BOM, description row, MM/DD/YYYY hh:mm:ss AM, dollars."""
    store, manager, *_ = shop
    summary = do_import(store, "orders", fixture_bytes("orders_us.csv"), manager).to_json()
    # 8 order lines under the header and the description row; all used.
    assert (summary["rows"], summary["used"], summary["skipped"]) == (8, 8, [])
    assert summary["description_row"] == 2
    assert summary["date_order"] == "MM/DD/YYYY"
    assert summary["window"] == {"from": "2026-11-01", "to": "2026-11-30", "days": 30}
    # Lipstick (LIP-RED, LIP-PINK), not cancelled: 2 + 1 + 3 + 1 = 7 units in 30 days.
    # Serum (SKU ID 1729384756): 1 unit; its 2 cancelled by the buyer do not count.
    assert summary["changes"][:2] == [
        "Lipstick: Daily sales 10 → 0.23 from orders 2026-11-01…2026-11-30",
        "Serum: Daily sales 1 → 0.03 from orders 2026-11-01…2026-11-30",
    ]
    assert line_named(store.id, "Lipstick").daily_sales == 0.23
    assert line_named(store.id, "Serum").daily_sales == 0.03
    assert summary["unmatched_skus"] == [
        {"seller_sku": "MUG-01", "sku_id": "1729389999", "units": 4}
    ]
    # Orders not cancelled: ...801, 802, 803 (two lines), 806, 807.
    assert "Orders to date: (none) → 5" in summary["changes"]
    assert db.session.get(Store, store.id).orders_to_date == 5
    # 7 orders in the window; the seller cancelled 1. Four were dispatched; 802 was paid
    # 11/05 1:31 PM and ready 11/09 2:00 PM, over the 72 hours.
    health = db.session.scalars(select(ShopHealth).where(ShopHealth.store_id == store.id)).one()
    assert (health.as_of, health.window_starts_on, health.orders) == (
        date(2026, 11, 30),
        date(2026, 11, 1),
        7,
    )
    assert health.late_dispatch_rate == 0.25
    assert health.seller_cancel_rate == pytest.approx(1 / 7, abs=1e-4)
    # Sales in dollars, cancelled orders left out: 25.98 + 12.99 + 38.97 + 1,024.50 + 59.96 + 12.99.
    assert summary["sales_amount"] == 1175.39
    assert summary["columns"]["amount"] == "SKU Subtotal After Discount"


def test_daily_sales_change_is_logged_on_the_line_with_its_reason(shop, do_import):
    store, manager, *_ = shop
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    logged = db.session.scalars(
        select(Activity.message).where(
            Activity.store_id == store.id, Activity.kind == "stock_up_changed"
        )
    ).all()
    assert (
        "Stock-up planner: product line 'Lipstick': Daily sales: 10 → 0.23 "
        "from orders 2026-11-01…2026-11-30." in logged
    )


def test_the_stock_up_plan_follows_imported_sales(shop, do_import, catalog):
    """The planner works from the imported figure: far fewer units to send for each peak."""
    store, manager, *_ = shop

    def quantities():
        today = local_today(store.zone)
        return {
            (row.line.name, row.peak.key): row.quantity
            for row in plan_stock_up(store, catalog, today).rows
        }

    before = quantities()
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    after = quantities()
    assert before.keys() == after.keys() and before
    assert all(after[key] < before[key] for key in before if before[key] > 0)


def test_the_same_file_twice_changes_nothing_the_second_time(shop, do_import):
    store, manager, *_ = shop
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    lines = db.session.scalar(select(func.count()).select_from(OrderLine))
    again = do_import(store, "orders", fixture_bytes("orders_us.csv"), manager).to_json()
    assert again["changes"] == []
    assert again["used"] == 8
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == lines == 8
    assert db.session.scalar(select(func.count()).select_from(ShopHealth)) == 1


def test_uk_export_day_first_24_hour_pounds_other_column_order(shop, do_import, make_store):
    store, manager, *_ = shop
    summary = do_import(store, "orders", fixture_bytes("orders_uk.csv"), manager).to_json()
    assert summary["date_order"] == "DD/MM/YYYY"  # 13/11/2026 settles it
    assert "description_row" not in summary
    days = db.session.scalars(select(OrderLine.created_on).order_by(OrderLine.created_on)).all()
    assert days == [date(2026, 11, 5), date(2026, 11, 13), date(2026, 12, 2)]
    # Buyer columns (Recipient, Phone #) are never read.
    assert "Recipient" not in summary["columns"].values()


def test_xlsx_export_with_real_dates_and_numbers(shop, do_import):
    store, manager, *_ = shop
    rows = [
        [*HEADER, "Paid Time", "RTS Time", "SKU Subtotal After Discount"],
        ["Platform unique order ID.", "Status.", "SKU ID.", "Seller SKU.", "Quantity.", "Created."],
        [
            576000000001,
            "Completed",
            1729380001,
            "LIP-RED",
            3,
            datetime(2026, 11, 20, 9, 0),
            datetime(2026, 11, 20, 9, 1),
            datetime(2026, 11, 21, 9, 0),
            38.97,
        ],
        [
            576000000002,
            "Completed",
            1729380002,
            "LIP-PINK",
            2.0,
            "21/11/2026 14:00:00",
            None,
            None,
            "$25.98",
        ],
    ]
    summary = do_import(store, "orders", xlsx(rows), manager).to_json()
    assert summary["file_format"] == "xlsx"
    assert (summary["rows"], summary["used"]) == (2, 2)
    # The order ids Excel stored as numbers come back as the ids they were.
    assert sorted(db.session.scalars(select(OrderLine.order_id))) == [
        "576000000001",
        "576000000002",
    ]
    # 5 lipsticks over the two days 11-20…11-21.
    assert line_named(store.id, "Lipstick").daily_sales == 2.5


def test_a_bad_row_refuses_the_file_naming_row_and_column_and_writes_nothing(shop, do_import):
    store, manager, *_ = shop
    data = (
        ",".join(HEADER)
        + "\n1,Completed,11,LIP-RED,2,11/02/2026 10:00:00 AM"
        + "\n2,Completed,11,LIP-RED,two,11/03/2026 10:00:00 AM\n"
    ).encode()
    with pytest.raises(InputError) as refused:
        do_import(store, "orders", data, manager)
    assert refused.value.errors[0].field == "file"
    assert str(refused.value) == "file: row 3, column 'Quantity': 'two' is not a whole number"
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert line_named(store.id, "Lipstick").daily_sales == 10


def test_bad_rows_listed_when_the_person_accepts_a_partial_file(shop, do_import):
    store, manager, *_ = shop
    data = (
        ",".join(HEADER)
        + "\n1,Completed,11,LIP-RED,2,11/02/2026 10:00:00 AM"
        + "\n2,Completed,11,LIP-RED,two,11/03/2026 10:00:00 AM"
        + "\n3,Completed,11,LIP-RED,1,11/31/2026 10:00:00 AM\n"
    ).encode()
    summary = do_import(store, "orders", data, manager, accept_partial=True).to_json()
    assert (summary["rows"], summary["used"]) == (3, 1)
    assert summary["skipped"] == [
        {"row": 3, "reason": "row 3, column 'Quantity': 'two' is not a whole number"},
        {
            "row": 4,
            "reason": "row 4, column 'Created Time': '11/31/2026 10:00:00 AM' is not a date "
            "(read as MM/DD/YYYY)",
        },
    ]


def test_a_lives_file_sent_as_orders_is_refused_naming_the_missing_columns(shop, do_import):
    store, manager, *_ = shop
    with pytest.raises(InputError) as refused:
        do_import(store, "orders", fixture_bytes("lives_us.csv"), manager)
    assert "no header row found for the orders export" in str(refused.value) or (
        "required columns missing" in str(refused.value)
    )


def test_mixed_date_orders_in_one_file_are_refused(shop, do_import):
    store, manager, *_ = shop
    data = (
        ",".join(HEADER)
        + "\n1,Completed,11,LIP-RED,2,25/11/2026 10:00:00"
        + "\n2,Completed,11,LIP-RED,1,11/26/2026 10:00:00\n"
    ).encode()
    with pytest.raises(InputError) as refused:
        do_import(store, "orders", data, manager)
    assert str(refused.value) == (
        "file: row 3, column 'Created Time': '11/26/2026 10:00:00' is written MM/DD/YYYY "
        "but earlier times were DD/MM/YYYY ('25/11/2026 10:00:00')"
    )


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "no header row found"),
        (b"\x00\x01\x02garbage", "no header row found"),
        (b"PK\x03\x04not really a zip", "not a readable XLSX workbook"),
        (b"Order ID,Quantity\n1,2\n", "required columns missing: Created Time"),
        (
            b"Order ID,Quantity,Created Time\n1,2,11/02/2026\n",
            "it needs a 'SKU ID' or a 'Seller SKU' column",
        ),
        ("Order ID,Seller SKU,Quantity,Created Time\n1,A,2,\xff\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_files_that_do_not_parse_are_refused_with_a_clear_line(shop, do_import, data, said):
    store, manager, *_ = shop
    with pytest.raises(InputError) as refused:
        do_import(store, "orders", data, manager)
    assert said in str(refused.value)


def test_a_typed_higher_order_count_stays(shop, do_import, catalog):
    store, manager, *_ = shop
    store.orders_to_date = 600
    db.session.commit()
    summary = do_import(store, "orders", fixture_bytes("orders_us.csv"), manager).to_json()
    assert not any(c.startswith("orders_to_date") for c in summary["changes"])
    assert db.session.get(Store, store.id).orders_to_date == 600


def test_an_unknown_kind_is_refused_by_name(shop, do_import):
    store, manager, *_ = shop
    with pytest.raises(InputError) as refused:
        do_import(store, "returns", b"x", manager)
    assert refused.value.errors[0].field == "kind"
