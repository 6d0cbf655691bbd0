"""Time the readiness portfolio page and API for 30, 100 and 300 stores, beside a bare page.

Run: python benchmarks/readiness_bench.py [--sizes 30,100,300] [--repeat N] [--database-url URL]
Builds the stores and their plans through the services (as the web benchmark does: varied
markets and models, opened up to 400 days ago, most past work ticked off) on a scratch
database, growing it size by size. At each size it times the manager's portfolio page, its
CSV and ``GET /api/v1/readiness`` through Flask's test client, and prints the median and
p95 in ms, the SQL statements one request sends, the median as a multiple of the bare
endpoint (one trivial query), and how the time grows with the number of stores.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_bench import (  # noqa: E402
    BARE_PATH,
    Timing,
    add_stores,
    build_app,
    create_people,
    logged_in,
    scratch_database,
    timed,
)

from tracker.auth.models import User  # noqa: E402
from tracker.auth.services import create_token  # noqa: E402
from tracker.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,100,300", help="store counts, growing")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warm-up", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use instead of SQLite; a scratch database is created "
        "on it and dropped afterwards (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    args = parser.parse_args()
    try:
        sizes = sorted({int(size) for size in args.sizes.split(",")})
    except ValueError:
        parser.error(f"--sizes: expected whole numbers separated by commas, got {args.sizes!r}")
    if not sizes or sizes[0] < 1:
        parser.error("--sizes: give at least one store count of 1 or more")

    started_at, load_before = datetime.now(UTC), os.getloadavg()
    rng = random.Random(args.seed)
    results: list[tuple[int, int, list[Timing]]] = []
    with scratch_database(args.database_url) as (url, described):
        print(f"run:               {started_at:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores")
        print(f"load average:      {' '.join(f'{x:.2f}' for x in load_before)} at the start")
        print(f"database:          {described}")
        print(f"requests per page: {args.repeat} timed after {args.warm_up} warm-up", flush=True)
        app = build_app(url)
        with app.app_context():
            manager, _ = create_people()
            _, secret = create_token(manager, "bench")
            db.session.commit()
        bearer = {"Authorization": f"Bearer {secret}"}
        browser = logged_in(app, "manager@example.com")
        api = app.test_client()
        bare = app.test_client()
        built = 0
        for size in sizes:
            with app.app_context():
                manager = User.by_email("manager@example.com")
                add_stores(manager, size - built, rng, first=built)
                tasks = db.session.execute(db.text("select count(*) from tasks")).scalar()
            built = size
            run = {"repeat": args.repeat, "warm_up": args.warm_up}
            timings = [
                timed(app, "bare endpoint", lambda _: bare.get(BARE_PATH), **run),
                timed(app, "portfolio page", lambda _: browser.get("/readiness"), **run),
                timed(app, "portfolio CSV", lambda _: browser.get("/readiness.csv"), **run),
                timed(
                    app,
                    "GET /api/v1/readiness",
                    lambda _: api.get("/api/v1/readiness", headers=bearer),
                    **run,
                ),
            ]
            results.append((size, tasks, timings))
            print_size(size, tasks, timings)
        with app.app_context():
            db.engine.dispose()

    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if len(results) > 1:
        (small, _, first), (large, _, last) = results[0], results[-1]
        print()
        print(f"growth from {small} to {large} stores (×{large / small:g} stores):")
        for before, after in zip(first[1:], last[1:], strict=True):
            slope = (after.median_ms - before.median_ms) / (large - small)
            print(
                f"  {before.label:<24} ×{after.median_ms / before.median_ms:.2f} time, "
                f"{slope:.3f} ms per added store, statements {before.statements} → "
                f"{after.statements}"
            )


def print_size(size: int, tasks: int, timings: list[Timing]) -> None:
    """Print one size's figures as soon as they are measured (with the load just then)."""
    base = timings[0].median_ms
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print()
    print(f"{size} stores, {tasks} task rows (load average {load})")
    print(f"  {'page':<24}{'median ms':>10}{'p95 ms':>10}{'× bare':>9}{'SQL':>6}{'ms/store':>10}")
    for timing in timings:
        per_store = "" if timing is timings[0] else f"{timing.median_ms / size:>10.3f}"
        print(
            f"  {timing.label:<24}{timing.median_ms:>10.2f}{timing.p95_ms:>10.2f}"
            f"{timing.median_ms / base:>9.1f}{timing.statements:>6}{per_store}",
            flush=True,
        )


if __name__ == "__main__":
    main()
