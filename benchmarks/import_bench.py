"""Import a year of a busy store's orders: lines per second and peak memory.

Run: python benchmarks/import_bench.py [--lines N] [--format csv|xlsx] [--database URL]
Writes an "All orders"-shaped export (BOM, description row, US times, dollars,
buyer columns) of N lines (default 200,000) to a temporary file, imports it into
a fresh store (SQLite in a temporary folder unless --database is given), then
imports it again (everything already kept). Prints lines per second (wall clock
and per CPU second) for each and the process's peak resident memory, so 'bounded
memory' can be checked by running with different N: the peak should not grow with
the file.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.imports.services import run_import  # noqa: E402
from tracker.imports.settings import import_settings  # noqa: E402
from tracker.plans.stock_up import change_product_line  # noqa: E402
from tracker.plans.stores import create_store  # noqa: E402
from tracker.stores.services import parse_store_input  # noqa: E402

HEADER = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "SKU ID",
    "Seller SKU", "Product Name", "Variation", "Quantity", "SKU Subtotal After Discount",
    "Created Time", "Paid Time", "RTS Time", "Shipped Time", "Cancelled Time", "Cancel By",
    "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Recipient", "Phone #",
    "Detail Address",
]  # fmt: skip
SKUS = [(f"17293{n:05d}", f"SKU-{n:03d}") for n in range(60)]


def _us(moment: datetime) -> str:
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def write_export(path: Path, lines: int, seed: int = 7) -> None:
    """An orders export of ``lines`` SKU lines over the year before 2026-12-01."""
    rng = random.Random(seed)
    start = datetime(2025, 12, 1)
    step = timedelta(days=365) / lines
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerow([f"{name} (description)." for name in HEADER])
        order = 576_000_000_000
        written = 0
        while written < lines:
            order += 1
            created = start + step * written
            cancelled = rng.random() < 0.03
            for _ in range(min(rng.choice((1, 1, 1, 2, 3)), lines - written)):
                sku_id, seller_sku = rng.choice(SKUS)
                paid = created + timedelta(minutes=1)
                rts = paid + timedelta(hours=rng.choice((20, 30, 50, 80)))
                writer.writerow(
                    [
                        order, "Cancelled" if cancelled else "Completed", "", "Cancel" if cancelled
                        else "", sku_id, seller_sku, "Product", "Default", rng.randint(1, 4),
                        f"${rng.randint(5, 300)}.99", _us(created), _us(paid),
                        "" if cancelled else _us(rts), "" if cancelled else _us(rts),
                        _us(paid + timedelta(hours=2)) if cancelled else "",
                        "Seller" if cancelled else "", "", "Fulfillment by seller", "WH",
                        f"TT{order}", "Jane Doe", "(+1)213*****45", "1 Main St",
                    ]
                )  # fmt: skip
                written += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--database", default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "orders.csv"
        began = time.perf_counter()
        write_export(export, options.lines)
        print(
            f"wrote {options.lines:,} lines ({export.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - began:.1f} s"
        )
        url = options.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40, "TESTING": True})
        with app.app_context():
            db.create_all()
            catalog = get_catalog()
            raw = {"name": "Bench", "model": "pop", "market": "US", "opened_on": "2025-11-01"}
            store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=None)
            for n in range(0, 60, 10):
                skus = [seller for _, seller in SKUS[n : n + 10]]
                change_product_line(
                    store,
                    {"name": f"Line {n}", "current_stock": 5000, "daily_sales": 10, "skus": skus},
                    catalog,
                    None,
                )
            db.session.commit()
            for label in ("first import", "same file again"):
                began, cpu = time.perf_counter(), time.process_time()
                with export.open("rb") as stream:
                    summary = run_import(
                        store, {"kind": "orders"}, stream, catalog, None, import_settings()
                    )
                db.session.commit()
                took, cpu = time.perf_counter() - began, time.process_time() - cpu
                print(
                    f"{label}: {summary.used:,} lines in {took:.1f} s = "
                    f"{summary.used / took:,.0f} lines/s ({cpu:.1f} s of CPU = "
                    f"{summary.used / cpu:,.0f} lines per CPU second); "
                    f"{len(summary.changes)} changes"
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
