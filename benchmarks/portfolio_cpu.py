"""CPU per request of the readiness portfolio (page, a later page, CSV, API) beside a bare one.

Run: python benchmarks/portfolio_cpu.py --database FILE --stores 300 [--repeat 20] [--profile OUT]
Builds the stores once into FILE (SQLite; grown to ``--stores`` if it has fewer), or uses
``--database-url`` (an existing PostgreSQL database, built the same way). Each request's CPU
time (``time.process_time``) is measured in this process, so on SQLite it holds the
database's work too; on PostgreSQL the server's is not in it. Prints medians and the ratio
to the bare endpoint of the same run, and the load average; ``--profile`` writes a cProfile
of the first page's requests.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_bench import BARE_PATH, add_stores, build_app, create_people, logged_in  # noqa: E402

from tracker.auth.models import User  # noqa: E402
from tracker.auth.services import create_token  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.readiness.scores import StoreScore  # noqa: E402
from tracker.stores.models import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLite file (made if missing)")
    parser.add_argument("--database-url", help="an existing PostgreSQL database")
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", help="write the page's profile here")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(args.database).resolve()}"
    app = build_app(url)
    with app.app_context():
        if User.by_email("manager@example.com") is None:
            create_people()
            db.session.commit()
        manager = User.by_email("manager@example.com")
        have = db.session.query(Store).count()
        if have < args.stores:
            add_stores(manager, args.stores - have, random.Random(args.seed + have), first=have)
            db.session.commit()
        _, secret = create_token(manager, "bench")
        db.session.commit()
        # Scores are kept from another build of the code: start them afresh.
        StoreScore.__table__.drop(db.engine, checkfirst=True)
        db.create_all()
        db.session.commit()
        stores = db.session.query(Store).count()
        tasks = db.session.execute(db.text("select count(*) from tasks")).scalar()
    bearer = {"Authorization": f"Bearer {secret}"}
    browser = logged_in(app, "manager@example.com")
    api = app.test_client()
    pages = {
        "bare": lambda: api.get(BARE_PATH),
        "page": lambda: browser.get("/readiness"),
        "page 3, sort peak desc, at_risk": lambda: browser.get(
            "/readiness?status=at_risk&sort=peak&order=desc&page=3"
        ),
        "CSV": lambda: browser.get("/readiness.csv"),
        "API": lambda: api.get("/api/v1/readiness", headers=bearer),
    }
    load = os.getloadavg()
    database = url.split("///")[0]
    print(f"{stores} stores, {tasks} tasks, {database}, load {load[0]:.2f} {load[1]:.2f}")
    results = {}
    for name, send in pages.items():
        for _ in range(3):
            assert send().status_code == 200, name
    for name, send in pages.items():
        cpu, wall = [], []
        profiler = cProfile.Profile() if args.profile and name == "page" else None
        for _ in range(args.repeat):
            c, w = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            response = send()
            if profiler:
                profiler.disable()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
            assert response.status_code == 200, name
        if profiler:
            profiler.dump_stats(args.profile)
        results[name] = (statistics.median(cpu) * 1000, statistics.median(wall) * 1000)
    base = results["bare"][0]
    for name, (cpu, wall) in results.items():
        print(f"  {name:<34} CPU {cpu:8.2f} ms ({cpu / base:6.1f}× bare)   wall {wall:8.2f} ms")
    load = os.getloadavg()
    print(f"  load at the end {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    main()
