"""Time saving a checklist of 30 entries for 1,000 stores: its preview, then applying it.

Run: python benchmarks/checklist_bench.py [--stores 1000] [--entries 30] [--database-url URL]
Creates the stores directly (profiles only: a checklist's save compares that checklist's
tasks, not the playbooks'), then times, through the service the API calls:
the preview of a new checklist (nothing written), saving it (every store gets its tasks),
the preview of an edit that moves every entry by a day, and applying that edit. Prints
seconds and the SQL statements each sent, and the statements again for half the entries,
to show they do not grow with the number of entries.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sqlalchemy import event  # noqa: E402
from web_bench import build_app, create_people, scratch_database  # noqa: E402

from tracker.catalog import get_catalog  # noqa: E402
from tracker.clock import local_today  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.plans.checklists import save_checklist  # noqa: E402
from tracker.playbook.profile import StoreProfile, resolve_profile  # noqa: E402
from tracker.stores.models import Store  # noqa: E402
from tracker.stores.services import set_profile  # noqa: E402

MARKETS = ("US", "UK", "SG", "TH", "MY", "VN", "PH", "ID")


def add_stores(count: int, rng: random.Random) -> None:
    catalog = get_catalog()
    for number in range(count):
        market = rng.choice(MARKETS)
        profile = StoreProfile(
            model="pop",
            market=market,
            store_type="cross_border",
            entity="CN",
            categories=("beauty",),
            opened_on=local_today("UTC") - timedelta(days=rng.randint(0, 300)),
        )
        zone = resolve_profile(profile, catalog).timezone
        store = Store(name=f"Store {number}", zone=zone, playbook_version=catalog.version)
        set_profile(store, profile)
        db.session.add(store)
    db.session.commit()


def checklist(entries: int, shift: int = 0) -> dict[str, Any]:
    anchors = ("opened_on", "inspection_ends_on", "warmup:black_friday", "peak:christmas")
    body = []
    for index in range(entries):
        anchor = anchors[index % len(anchors)]
        body.append(
            {
                "key": f"step_{index}",
                "title": f"Step {index}",
                "phase": "peak" if ":" in anchor else "growth",
                "anchor": anchor,
                "offset_days": (-5 if ":" in anchor else 5 + index) + shift,
                "depends_on": [f"step_{index - 1}"] if index % 3 else [],
            }
        )
    if entries > 2:
        body[1]["recurrence"] = {"every": "week", "interval": 1}
        body[1]["anchor"], body[1]["depends_on"] = "opened_on", []
    return {"key": "bench", "name": "Benchmark", "entries": body}


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


def timed(label: str, action: Any) -> tuple[float, int]:
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    event.remove(db.engine, "before_cursor_execute", counter)
    # CPU seconds too: on a shared machine the wall clock mostly says how busy it is.
    print(f"{label:<48} {seconds:7.2f} s {cpu:6.2f} s CPU {counter.count:6d} statements")
    return result, counter.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--database-url", help="a PostgreSQL server instead of SQLite")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with scratch_database(args.database_url) as (url, described):
        app = build_app(url)
        print(f"{described}; {args.stores} stores, {args.entries} entries")
        with app.app_context():
            manager, _ = create_people()
            add_stores(args.stores, rng)
            catalog = get_catalog()
            for entries in sorted({args.entries // 2, args.entries}):
                key = f"bench{entries}"

                def body(shift: int = 0, entries: int = entries, key: str = key) -> Any:
                    return checklist(entries, shift) | {"key": key}

                timed(
                    f"preview new ({entries} entries)",
                    lambda: save_checklist(body(), catalog, actor=manager, dry_run=True),
                )
                db.session.rollback()
                (saved, _, preview), _ = timed(
                    f"save and apply ({entries} entries)",
                    lambda: save_checklist(body(), catalog, actor=manager),
                )
                db.session.commit()
                print(f"  {preview.sentence()}")
                timed(
                    f"preview edit, every entry a day later ({entries})",
                    lambda saved=saved: save_checklist(
                        body(1), catalog, actor=manager, checklist=saved, dry_run=True
                    ),
                )
                db.session.rollback()
                (_, _, preview), _ = timed(
                    f"apply the edit ({entries} entries)",
                    lambda saved=saved: save_checklist(
                        body(1), catalog, actor=manager, checklist=saved
                    ),
                )
                db.session.commit()
                print(f"  {preview.sentence()}")


if __name__ == "__main__":
    main()
