"""Time the scheduler's daily roll forward of every store's plan (issue 16: ≤ 2 s, 1,000 stores).

Run: python benchmarks/roll_bench.py [--stores 1000] [--database-url URL] [--way bulk|store]
         [--profile]
Builds ``--stores`` varied stores (markets, models, categories, opening days; as
web_bench.py does) on a scratch database (a temporary SQLite file, or a scratch PostgreSQL
database created on --database-url's server and dropped afterwards). Each store is created
through the service (``create_store``: its plan as a manager would get it); its history is
then made in one statement per store instead of ticking tasks off one by one (most work
due before the last few days done, as web_bench.py does through ``complete_task``), so
1,000 stores seed in a few minutes. Then the roll forward of every store to the next day
is timed once: wall and CPU seconds and SQL statements, with the date, nproc and load.
``--way store`` times the store-by-store path (what the scheduler did before, and what
it falls back to when a chunk fails) instead of the chunked one.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import event, func, select, update  # noqa: E402
from web_bench import DONE_SHARE, MARKETS, MODELS, PAST_DAYS, build_app, scratch_database  # noqa: E402

from tracker.auth.services import create_user  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.clock import local_today, utcnow  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.plans.stores import create_store  # noqa: E402
from tracker.scheduler import tick  # noqa: E402
from tracker.stores.models import Store  # noqa: E402
from tracker.stores.services import parse_store_input  # noqa: E402
from tracker.tasks.models import Task  # noqa: E402

PASSWORD = "correct horse battery"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}; nproc {os.cpu_count()}"


def seed(count: int, rng: random.Random) -> None:
    """Create ``count`` varied stores through the service, with their history, committing."""
    catalog = get_catalog()
    manager = create_user(
        email="manager@example.com", password=PASSWORD, role="manager", name="Manager"
    )
    db.session.commit()
    categories = sorted(catalog.categories)
    today = local_today("UTC")
    for number in range(count):
        market = MARKETS[number % len(MARKETS)]
        entity = rng.choice(["CN", "CN", "HK"] + ([market] if market != "UK" else []))
        raw = {
            "name": f"Bench store {number + 1} {market}",
            "model": MODELS[(number // len(MARKETS)) % len(MODELS)],
            "market": market,
            "entity": entity,
            "categories": rng.sample(categories, rng.randrange(1, 4)),
            "opened_on": (today + timedelta(days=rng.randrange(-400, 60))).isoformat(),
        }
        store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager)
        before = local_today(store.zone) - timedelta(days=PAST_DAYS)
        # Most past work done (ids picked at random, DONE_SHARE of them), in one statement.
        past = db.session.scalars(
            select(Task.id).where(
                Task.store_id == store.id, Task.status == "open", Task.due_on < before
            )
        ).all()
        done = [task_id for task_id in past if rng.random() < DONE_SHARE]
        if done:
            db.session.execute(
                update(Task)
                .where(Task.id.in_(done))
                .values(status="done", completed_at=utcnow(), completed_by_id=manager.id)
            )
        if number % 50 == 49:
            db.session.commit()
            print(f"  seeded {number + 1} stores", file=sys.stderr)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--way", choices=("bulk", "store"), default="bulk")
    parser.add_argument("--profile", action="store_true", help="print the top of cProfile")
    parser.add_argument("--profile-file", help="with --profile, also save the stats there")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {load()}")
    with scratch_database(args.database_url) as (url, described):
        app = build_app(url)
        print(f"database: {described}")
        started = time.perf_counter()
        with app.app_context():
            seed(args.stores, random.Random(args.seed))
            tasks = db.session.scalar(select(func.count()).select_from(Task))
            stores = db.session.scalar(select(func.count()).select_from(Store))
        print(f"seeded {stores} stores, {tasks} tasks in {time.perf_counter() - started:.1f} s")
        with app.app_context():
            catalog = get_catalog()
            # A scheduler process settles its heap once it has started (build_scheduler).
            tick.settle_heap()
            tomorrow = utcnow() + timedelta(days=1)
            if args.way == "store":
                tick.ROLL_CHUNK = 0  # the store-by-store path only
            found = [0]

            def note(*_: Any) -> None:
                found[0] += 1

            event.listen(db.engine, "before_cursor_execute", note)
            profiler = cProfile.Profile() if args.profile else None
            print(f"before the roll: {load()}")
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            report = tick.roll_plans_forward(catalog, now=tomorrow)
            if profiler is not None:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            event.remove(db.engine, "before_cursor_execute", note)
            print(
                f"roll forward ({args.way}): {report.stores} stores in {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU, {found[0]} statements "
                f"({found[0] / max(1, report.stores):.2f} a store); failed {len(report.failed)}; "
                f"totals {report.totals}; goal ≤ 2 s at 1,000 stores; {load()}"
            )
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
                if args.profile_file:
                    profiler.dump_stats(args.profile_file)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
