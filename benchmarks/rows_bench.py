"""Time and profile the pages that list task rows, beside an empty plan page and a bare page.

Run: python benchmarks/rows_bench.py [--stores N] [--repeat N] [--profile] [--database-url URL]
Builds stores with web_bench's builder (through the services), empties one store of its
tasks (the floor: layout, login, session, CSRF and the page's own queries), then times,
through Flask's test client in one run: the bare endpoint, the empty plan page, a plan
page (~40 rows shown), a plan page grown to ~400 rows, the member's My tasks and the
manager's My tasks with the unassigned work. With --profile, prints each page's top
functions by cumulative and own time from cProfile, and its Jinja ``Context.call`` count.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import web_bench  # noqa: E402
from sqlalchemy import delete, func, select  # noqa: E402

from tracker.auth.models import User  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.clock import local_today  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.stores.models import Store  # noqa: E402
from tracker.tasks.models import Task  # noqa: E402
from tracker.tasks.services import add_custom_task  # noqa: E402


def grow(store_id: int, rows: int) -> None:
    """Add custom open tasks to a store until its plan page shows about ``rows`` rows."""
    store = db.session.get(Store, store_id)
    assert store is not None
    manager = db.session.scalars(select(User).where(User.role == "manager")).first()
    shown = db.session.scalar(
        select(func.count()).where(Task.store_id == store_id, Task.status.in_(("open", "done")))
    )
    today = local_today(store.zone)
    for number in range(max(0, rows - int(shown or 0))):
        add_custom_task(
            store,
            {
                "title": f"Extra work {number} <&>",
                "due_on": (today + timedelta(days=number % 30 - 5)).isoformat(),
            },
            get_catalog(),
            manager,
        )
    db.session.commit()


def empty(store_id: int) -> None:
    """Remove a store's tasks: its plan page then costs what any page around rows costs."""
    db.session.execute(delete(Task).where(Task.store_id == store_id))
    db.session.commit()


def time_page(send: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median and p95 wall ms, and median CPU ms, of ``repeat`` requests after 3 warm-ups."""
    for _ in range(3):
        assert send().status_code == 200
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = send()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
        assert response.status_code == 200
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(wall) * 1000, p95 * 1000, statistics.median(cpu) * 1000


def profile(label: str, send: Callable[[], Any], repeat: int) -> None:
    """Print where ``repeat`` requests spend their time, and Jinja's Context.call count."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        send()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    calls = sum(
        value[1]
        for (path, _line, name), value in stats.stats.items()  # type: ignore[attr-defined]
        if name == "call" and path.endswith("jinja2/runtime.py")
    )
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(40)
    print(f"\n=== {label}: {calls / repeat:.0f} Context.call a request")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--big", type=int, default=400, help="rows on the grown plan page")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with web_bench.scratch_database(args.database_url) as (url, described):
        app = web_bench.build_app(url)
        built = web_bench.build_stores(app, args.stores, 5, random.Random(args.seed))
        plain, big, bare_store = built.store_ids[1], built.store_ids[2], built.store_ids[3]
        with app.app_context():
            grow(big, args.big)
            empty(bare_store)
        manager = web_bench.logged_in(app, "manager@example.com")
        member = web_bench.logged_in(app, "member@example.com")
        bare = app.test_client()
        for store_id in built.store_ids:  # the daily roll forward behind us
            manager.get(f"/stores/{store_id}")
        pages: list[tuple[str, Callable[[], Any]]] = [
            ("bare endpoint", lambda: bare.get(web_bench.BARE_PATH)),
            ("empty plan page", lambda: manager.get(f"/stores/{bare_store}")),
            ("plan page", lambda: manager.get(f"/stores/{plain}")),
            (f"plan page, {args.big} rows", lambda: manager.get(f"/stores/{big}")),
            ("My tasks, member", lambda: member.get("/my-tasks")),
            ("My tasks, mgr + unassigned", lambda: manager.get("/my-tasks?unassigned=1")),
            ("All tasks, manager", lambda: manager.get("/tasks")),
        ]
        rows = {
            label: send().get_data(as_text=True).count('<li class="task ') for label, send in pages
        }
        figures = [(label, *time_page(send, args.repeat)) for label, send in pages]
        if args.profile:
            for label, send in pages[1:5]:
                profile(label, send, max(5, args.repeat // 4))
        with app.app_context():
            db.engine.dispose()

    base = figures[0][1]
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  cores: {os.cpu_count()}  load: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"database: {described}; {args.stores} stores; {args.repeat} requests a page")
    print(f"{'page':<30}{'rows':>6}{'median ms':>11}{'p95 ms':>9}{'cpu ms':>9}{'× bare':>8}")
    for label, median, p95, cpu in figures:
        print(
            f"{label:<30}{rows[label]:>6}{median:>11.2f}{p95:>9.2f}{cpu:>9.2f}{median / base:>8.1f}"
        )


if __name__ == "__main__":
    main()
