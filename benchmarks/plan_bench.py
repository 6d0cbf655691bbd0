"""Time plan generation over 1,000 varied profiles, playbooks parsed once per process.

Run: python benchmarks/plan_bench.py [--profiles N] [--seed S]
Prints the time to parse the playbooks once (cold, in a fresh process each
time) and the median, p95 and max time to generate one plan.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.playbook.loader import load_catalog  # noqa: E402
from tracker.playbook.plan import generate_plan  # noqa: E402
from tracker.playbook.profile import StoreProfile, derive_store_type  # noqa: E402

PARSE_SNIPPET = (
    "import time, sys; from pathlib import Path; "
    "from tracker.playbook.loader import load_catalog; "
    "start = time.perf_counter(); load_catalog(Path(sys.argv[1])); "
    "print(time.perf_counter() - start)"
)


def parse_time_cold(runs: int) -> list[float]:
    """Parse the seeds in fresh processes, so nothing is cached from an earlier load."""
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PARSE_SNIPPET, str(ROOT / "seeds")],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        times.append(float(out.stdout.strip()))
    return times


def varied_profiles(
    catalog, count: int, rng: random.Random
) -> list[tuple[StoreProfile, date, int]]:
    markets = sorted(catalog.markets)
    categories = sorted(catalog.categories)
    cases = []
    for _ in range(count):
        market = rng.choice(markets)
        entity = rng.choice(["CN", "CN", "HK", "US", market])
        opened_on = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1200))
        known_end = rng.random() < 0.5
        # Drawn in this order so a seed gives the same profiles as before.
        model = rng.choice(["pop", "full_managed"])
        chosen = tuple(rng.sample(categories, rng.randrange(0, 4)))
        inspection_ends_on = (
            opened_on + timedelta(days=rng.randrange(20, 90)) if known_end else None
        )
        chinese_share = rng.choice([None, 20.0, 40.0])
        profile = StoreProfile(
            model=model,
            market=market,
            store_type=derive_store_type(entity, catalog.markets[market], chinese_share),
            entity=entity,
            opened_on=opened_on,
            categories=chosen,
            inspection_ends_on=inspection_ends_on,
            chinese_share_percent=chinese_share,
            followers=rng.randrange(0, 5000),
            freight_mode=rng.choice([None, "sea", "air"]),
        )
        today = opened_on + timedelta(days=rng.randrange(-30, 500))
        cases.append((profile, today, rng.choice([30, 120, 365])))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--parse-runs", type=int, default=5)
    args = parser.parse_args()

    cold = parse_time_cold(args.parse_runs)
    catalog = load_catalog(ROOT / "seeds")
    cases = varied_profiles(catalog, args.profiles, random.Random(args.seed))

    times, tasks = [], 0
    for profile, today, horizon in cases:
        start = time.perf_counter()
        plan = generate_plan(profile, catalog, today=today, horizon_days=horizon)
        times.append(time.perf_counter() - start)
        tasks += len(plan.tasks)
    first = times[0]
    times.sort()
    ms = 1000
    print(f"playbook entries:          {len(catalog.entries)} (version {catalog.version})")
    print(
        f"parse playbooks once:      median {statistics.median(cold) * ms:.1f} ms "
        f"over {len(cold)} fresh processes (min {min(cold) * ms:.1f}, max {max(cold) * ms:.1f})"
    )
    print(f"plans generated:           {len(times)} ({tasks / len(times):.1f} tasks on average)")
    print(f"plan generation, median:   {statistics.median(times) * ms:.3f} ms per plan")
    print(
        f"plan generation, p95/max:  {times[int(len(times) * 0.95)] * ms:.3f} / "
        f"{times[-1] * ms:.3f} ms"
    )
    print(f"first plan (cold caches):  {first * ms:.3f} ms; total {sum(times):.2f} s")


if __name__ == "__main__":
    main()
