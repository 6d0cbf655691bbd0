"""Sync a busy shop's orders from the local fake Partner API: orders per second, peak memory.

Run: python benchmarks/partner_sync_bench.py [--orders N] [--database URL]
Serves tests/partner/fake_api.py on 127.0.0.1 with N orders (default 20,000; one to
three SKU lines each) over the 90 days a first sync covers, connects a fresh store
(SQLite in a temporary folder unless --database is given) and syncs it: 100 orders a
page, each page committed with its cursor, then the figures worked out once. Then
syncs again after an hour (nothing new). Prints pages, orders and lines, orders per
second (wall clock and per CPU second) and the process's peak resident memory. The
fake runs in the same process, so its CPU is counted too: the figures are a floor.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from tests.partner.fake_api import APP_KEY, APP_SECRET, FakePartnerApi, order  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.partner.services import connect_store  # noqa: E402
from tracker.partner.sync import sync_store, sync_tools  # noqa: E402
from tracker.plans.stores import create_store  # noqa: E402
from tracker.stores.services import parse_store_input  # noqa: E402

SKUS = [(f"17293{n:05d}", f"SKU-{n:03d}") for n in range(60)]


def fill(fake: FakePartnerApi, orders: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    now = int(time.time()) - 3600
    span = 89 * 86400
    shop = fake.add_shop("7000001", "US", "Bench")
    for n in range(orders):
        created = now - span + span * n // orders
        items = [rng.choice(SKUS)] * rng.randint(1, 3)
        if rng.random() < 0.3:
            items.append(rng.choice(SKUS))
        shop.orders.append(
            order(
                f"57{n:010d}",
                created=created,
                items=items,
                paid=created + 60,
                rts=created + 86400,
                rts_sla=created + 2 * 86400,
                status="CANCELLED" if rng.random() < 0.03 else "COMPLETED",
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's request lines
    fake = FakePartnerApi(time.time)
    fill(fake, args.orders)
    with tempfile.TemporaryDirectory() as folder, fake.serving() as url:
        database = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
                "SQLALCHEMY_DATABASE_URI": database,
                "TRACKER_TIKTOK_APP_KEY": APP_KEY,
                "TRACKER_TIKTOK_APP_SECRET": APP_SECRET,
                "TRACKER_TIKTOK_TOKEN_KEY": Fernet.generate_key().decode(),
                "TRACKER_TIKTOK_API_URL": url,
                "TRACKER_TIKTOK_AUTH_URL": url,
            }
        )
        with app.app_context():
            db.create_all()
            catalog = get_catalog()
            raw = {"name": "Bench", "model": "pop", "market": "US", "opened_on": "2026-06-01"}
            store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=None)
            tools = sync_tools(sleep=lambda _: None)
            sync = dataclasses.replace(tools.settings.sync, page_size=100)
            tools.settings = dataclasses.replace(tools.settings, sync=sync)
            connect_store(store, fake.auth_code("7000001"), None, tools.client, tools.box)
            db.session.commit()
            for label in ("first sync", "again (nothing new)"):
                wall, cpu = time.perf_counter(), time.process_time()
                report = sync_store(store.id, tools)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"{label}: {report.pages} pages, {report.orders:,} orders, "
                    f"{report.lines:,} lines in {wall:.1f} s "
                    f"({report.orders / wall:,.0f} orders/s; "
                    f"{report.orders / cpu if cpu else 0:,.0f} orders per CPU second)"
                )
                later = time.time() + 3600  # an hour on: nothing new since
                fake.clock = tools.client.clock = lambda at=later: at
                tools.now = lambda at=later: datetime.fromtimestamp(at, UTC)
            db.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
