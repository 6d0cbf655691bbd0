"""An agency in one run: 1,000 stores, 10 managers, 100 members; each figure beside a bare page.

Run: python benchmarks/agency_bench.py [--stores 1000] [--database-url URL] [--server-seconds 20]
Builds, through the services, on a scratch database (a temporary SQLite file, or a scratch
PostgreSQL database created on --database-url's server and dropped afterwards): ``--stores``
varied stores with their plans and history (as web_bench.py does), ``--managers`` managers,
``--members`` members per manager each on ``--member-stores`` stores with half their near
work assigned, and one store with 400 tasks in view. Then, in this one run and process:

* through Flask's test client, the median and p95 of each page of issue 16's table, the SQL
  statements one request sends, and the median as a multiple of the bare endpoint (one
  trivial query) measured in the same run, beside the layout floor (logged in, the layout
  around an empty page: what every page pays before its own rows);
* one scheduler tick with nothing newly due (after two that caught up), as a multiple of
  the plan page, and the daily roll forward of every store (the next day);
* with ``--server-seconds`` > 0, a real server (gunicorn, ``--workers`` workers) driven by
  ``--clients`` keep-alive clients for that many seconds: requests a second, p50 and p95
  of the plan page, a member's My tasks and the bare endpoint.

The machine's load average is printed beside the figures: on a shared machine the ratios
(page ÷ bare, measured together) say more than the milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from flask import Flask  # noqa: E402
from sqlalchemy import event, func, select, text, update  # noqa: E402
from web_bench import (  # noqa: E402
    BARE_PATH,
    HTMX,
    LAYOUT_PATH,
    PASSWORD,
    Timing,
    _free_task_id,
    add_stores,
    build_app,
    counts,
    logged_in,
    part,
    scratch_database,
    timed,
)
from werkzeug.security import generate_password_hash  # noqa: E402

from tracker.auth import models as auth_models  # noqa: E402
from tracker.auth.models import User  # noqa: E402
from tracker.auth.services import create_user  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.clock import local_today, utcnow  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.reminders.models import Reminder  # noqa: E402
from tracker.scheduler.tick import (  # noqa: E402
    COMMIT_LAG,
    ROLL_CHUNK,
    roll_plans_forward,
    run_tick,
    settle_heap,
)
from tracker.stores.models import Store  # noqa: E402
from tracker.stores.services import add_member  # noqa: E402
from tracker.tasks.models import Task  # noqa: E402
from tracker.tasks.services import add_custom_task, assign_tasks, lock_reasons  # noqa: E402

MANAGER = "manager@example.com"  # the first manager; the others are manager2@…
MEMBER = "member1@example.com"  # the member whose My tasks is timed
BIG_STORE_TASKS = 400


@dataclass
class Seeded:
    """What the build left for the timing."""

    store_ids: list[int]
    plan_store: int  # a store whose plan page shows about 40 tasks
    plan_rows: int
    big_store: int  # the store with 400 tasks in view
    big_rows: int
    task_id: int  # open and unlocked, to tick off and untick
    member_rows: int
    seconds: float
    spent: dict[str, list[float]]  # wall and CPU seconds by part of the build


def load() -> str:
    """The load average, as ``uptime`` prints it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def seed(app: Flask, args: argparse.Namespace, rng: random.Random) -> Seeded:
    """Build the agency through the services and pick the stores the pages are timed on."""
    start = time.perf_counter()
    spent: dict[str, list[float]] = {}
    with part(spent, "all"), app.app_context(), one_password_hash():
        with part(spent, "people"):
            managers = [
                create_user(
                    email=MANAGER if n == 1 else f"manager{n}@example.com",
                    password=PASSWORD,
                    role="manager",
                    name=f"Manager {n}",
                )
                for n in range(1, args.managers + 1)
            ]
            members = [
                create_user(
                    email=f"member{n}@example.com",
                    password=PASSWORD,
                    role="member",
                    name=f"Member {n}",
                )
                for n in range(1, args.managers * args.members + 1)
            ]
            db.session.commit()
        store_ids = add_stores(managers[0], args.stores, rng, spent=spent)
        with part(spent, "members"):
            _join_members(members, managers, store_ids, args)
        with part(spent, "big store"):
            big_store = store_ids[-1]
            _grow(big_store, managers[0])
            db.session.commit()
            task_id = _free_task_id(store_ids)
        with part(spent, "pick pages"):
            manager_client = logged_in(app, MANAGER)
            plan_store, plan_rows = _plan_store(app, manager_client, store_ids, big_store)
            big_rows = (
                manager_client.get(f"/stores/{big_store}")
                .get_data(as_text=True)
                .count('class="task ')
            )
            member_rows = (
                logged_in(app, MEMBER).get("/my-tasks").get_data(as_text=True).count('class="task ')
            )
    return Seeded(
        store_ids,
        plan_store,
        plan_rows,
        big_store,
        big_rows,
        task_id,
        member_rows,
        time.perf_counter() - start,
        spent,
    )


@contextlib.contextmanager
def one_password_hash() -> Iterator[None]:
    """Hash the benchmark's one password once, not once per person.

    Every person still comes from ``create_user`` and can log in with PASSWORD; only the
    deliberately slow scrypt (a quarter of a second each) is not redone 110 times.
    """
    hashed = generate_password_hash(PASSWORD)
    saved = auth_models.generate_password_hash

    def reuse(password: str, *more: Any, **named: Any) -> str:
        return hashed if password == PASSWORD else saved(password, *more, **named)

    auth_models.generate_password_hash = reuse  # type: ignore[assignment]
    try:
        yield
    finally:
        auth_models.generate_password_hash = saved  # type: ignore[assignment]


def _join_members(
    members: list[User], managers: list[User], store_ids: list[int], args: argparse.Namespace
) -> None:
    """Put each member on a few stores spread over the agency, with half their near work."""
    on = {
        store_ids[(n * args.member_stores + k) % len(store_ids)]
        for n in range(len(members))
        for k in range(args.member_stores)
    }
    stores = {
        store.id: store for store in db.session.scalars(select(Store).where(Store.id.in_(on)))
    }
    # Every store's near open work, read once (one query, not one per member and store).
    near: dict[int, list[Task]] = defaultdict(list)
    soon = {store.id: local_today(store.zone) + timedelta(days=10) for store in stores.values()}
    for task in db.session.scalars(
        select(Task)
        .where(Task.store_id.in_(on), Task.status == "open", Task.due_on <= max(soon.values()))
        .order_by(Task.store_id, Task.due_on, Task.id)
    ):
        if task.due_on <= soon[task.store_id]:
            near[task.store_id].append(task)
    for n, member in enumerate(members):
        manager = managers[n // args.members % len(managers)]
        for k in range(args.member_stores):
            store = stores[store_ids[(n * args.member_stores + k) % len(store_ids)]]
            add_member(store, member, actor=manager)
            free = [task for task in near[store.id][::2] if task.assignee_id is None]
            assign_tasks(free, member.id, manager)
    db.session.commit()


def _plan_store(
    app: Flask, client: Any, store_ids: list[int], big_store: int, sample: int = 12
) -> tuple[int, int]:
    """A store whose plan page shows about 40 tasks, among ``sample`` spread over the agency.

    Opening a plan first thing in the day rolls it forward; these stores were planned today,
    so there is nothing to roll and the rest need not be opened before the timing.
    """
    step = max(1, len(store_ids) // sample)
    plan_store, plan_rows = store_ids[0], 0
    for store_id in store_ids[::step]:
        if store_id == big_store:
            continue
        html = client.get(f"/stores/{store_id}").get_data(as_text=True)
        rows = html.count('class="task ')
        if abs(rows - 40) < abs(plan_rows - 40):
            plan_store, plan_rows = store_id, rows
    return plan_store, plan_rows


def _grow(store_id: int, manager: User) -> None:
    """Add tasks by hand to one store until its plan page shows 400."""
    store = db.session.get(Store, store_id)
    catalog = get_catalog()
    shown = db.session.scalar(
        select(func.count())
        .select_from(Task)
        .where(Task.store_id == store_id, Task.status.in_(("open", "done")))
    )
    today = local_today(store.zone)
    for number in range(max(0, BIG_STORE_TASKS - shown)):
        due_on = today + timedelta(days=number % 14 - 3)
        add_custom_task(
            store,
            {"title": f"Hand-made task {number}", "due_on": due_on.isoformat()},
            catalog,
            manager,
        )


def statements(app: Flask, run: Any) -> tuple[Any, int]:
    """Run ``run()`` and count the SQL statements it sends."""
    with app.app_context():
        engine = db.engine
    found = [0]

    def note(*_: Any) -> None:
        found[0] += 1

    event.listen(engine, "before_cursor_execute", note)
    try:
        result = run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return result, found[0]


def time_tick(app: Flask, repeat: int) -> tuple[list[float], int]:
    """Time ticks with nothing newly due, after two that catch up; count one tick's statements."""
    for _ in range(2):
        run_tick(app, name="agency-bench")
    # The steady state: nothing changed in the last few minutes. A tick rechecks the gates of
    # every store changed within COMMIT_LAG (5 min) of its last tick, which here is all of
    # them (just seeded and caught up); in a running agency it is the stores worked on lately.
    with app.app_context():
        settled = utcnow() - COMMIT_LAG - timedelta(minutes=1)
        for model in (Task, Store):
            db.session.execute(
                update(model).where(model.updated_at > settled).values(updated_at=settled)
            )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a write to every row: without it the planner
            # still believes every task changed lately and scans them all (190 against
            # 63 ms a tick at 1,000 stores, 4 Dec); a running agency never rewrites them all.
            for table in ("tasks", "stores"):
                db.session.execute(text(f"ANALYZE {table}"))
            db.session.commit()
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        run_tick(app, name="agency-bench")
        seconds.append(time.perf_counter() - start)
    _, count = statements(app, lambda: run_tick(app, name="agency-bench"))
    return seconds, count


def time_roll_forward(app: Flask) -> tuple[float, float, int, int]:
    """Roll every store forward to tomorrow, once; return wall and CPU seconds (of this
    process: on a loaded machine the wall time says more about the others), stores and
    statements."""
    with app.app_context():
        catalog = get_catalog()
        # A scheduler process settles its heap once it has started (build_scheduler).
        settle_heap()
        tomorrow = utcnow() + timedelta(days=1)
        start, cpu = time.perf_counter(), time.process_time()
        report, count = statements(app, lambda: roll_plans_forward(catalog, now=tomorrow))
        return (
            time.perf_counter() - start,
            time.process_time() - cpu,
            report.stores,
            count,
        )


# --- the real server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_and_drive(
    url: str,
    args: argparse.Namespace,
    seeded: Seeded,
    *,
    command: Callable[[int], list[str]],
    environment: dict[str, str],
    seconds: float,
    toggles: list[int] | None = None,
    driver: str = "python",
) -> dict[str, Any]:
    """Start a server on the scratch database and drive it with keep-alive clients.

    ``command(port)`` starts the server; ``toggles``: one open task per client, which it
    ticks off and unticks in turn (htmx, as the page does) between its page requests.
    ``driver``: "python" (keep-alive ``requests`` clients in threads of this process) or "ab"
    (ApacheBench, one process per page, the clients shared out between them).
    """
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_hex(32),
        TRACKER_LOG_LEVEL="WARNING",
        **environment,
    )
    with tempfile.TemporaryFile() as errors:
        server = subprocess.Popen(command(port), env=env, stdout=subprocess.DEVNULL, stderr=errors)

        def said() -> str:
            errors.seek(0)
            return errors.read().decode(errors="replace")

        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(base + BARE_PATH, timeout=2).status_code == 200:
                        break
                except requests.RequestException:  # not listening yet, or a worker booting
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{said()[-2000:]}")
                time.sleep(0.3)
            cookies: dict[str, Any] = {}
            for email in (MANAGER, MEMBER):
                session = requests.Session()
                form = session.get(base + "/login", timeout=10).text
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
                answer = session.post(
                    base + "/login",
                    data={
                        "email": email,
                        "password": PASSWORD,
                        "csrf_token": token.group(1) if token else "",
                    },
                    allow_redirects=False,
                    timeout=10,
                )
                if answer.status_code != 302:
                    raise SystemExit(f"server login as {email}: {answer.status_code}")
                cookies[email] = session.cookies  # its jar: a copied dict loses the domain
            paths = [
                ("plan page", f"/stores/{seeded.plan_store}", MANAGER),
                ("My tasks, member", "/my-tasks", MEMBER),
                ("bare endpoint", BARE_PATH, None),
                ("layout floor", LAYOUT_PATH, MANAGER),
            ]
            if toggles:
                paths.append(("complete (htmx)", "", MANAGER))
            latencies: dict[str, list[float]] = defaultdict(list)
            failures: dict[str, int] = defaultdict(int)
            first_said: dict[str, str] = {}  # the first answer of each kind of failure
            lock = threading.Lock()
            stop_at = time.monotonic() + seconds

            def client(number: int) -> None:
                # One keep-alive session per person: a shared cookie jar would mix the logins.
                sessions: dict[str, Any] = {}
                for who in (MANAGER, MEMBER, ""):
                    sessions[who] = requests.Session()
                    if who in cookies:  # same domain and path: a new session cookie replaces it
                        sessions[who].cookies.update(cookies[who].copy())
                mine: dict[str, list[float]] = defaultdict(list)
                bad: dict[str, int] = defaultdict(int)
                headers = dict(HTMX)
                if toggles:
                    page = sessions[MANAGER].get(base + "/", timeout=30).text
                    found = re.search(r'"X-CSRFToken": "([^"]+)"', page)
                    headers["X-CSRFToken"] = found.group(1) if found else ""
                done = False
                turn = number
                while time.monotonic() < stop_at:
                    label, path, email = paths[turn % len(paths)]
                    turn += 1
                    start = time.perf_counter()
                    try:
                        if path:
                            answer = sessions[email or ""].get(base + path, timeout=30)
                        else:
                            assert toggles is not None
                            action = "reopen" if done else "complete"
                            answer = sessions[MANAGER].post(
                                f"{base}/tasks/{toggles[number]}/{action}",
                                headers=headers,
                                timeout=30,
                            )
                            done = not done if answer.status_code == 200 else done
                        why = "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
                        if why and why not in first_said:
                            first_said[why] = " ".join(answer.text.split())[:300]
                    except requests.RequestException as error:
                        why = type(error).__name__
                    if not why:
                        mine[label].append(time.perf_counter() - start)
                    else:
                        bad[f"{label}: {why}"] += 1
                with lock:
                    for label, found_times in mine.items():
                        latencies[label].extend(found_times)
                    for label, count in bad.items():
                        failures[label] += count

            if driver == "ab":
                return {**drive_with_ab(base, paths, cookies, args.clients, seconds), "log": said()}
            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            return {
                "latencies": latencies,
                "failures": failures,
                "seconds": elapsed,
                "log": said(),
                "first_said": first_said,
            }
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()


AB_PERCENT = re.compile(r"^\s+(\d+)%\s+(\d+)", re.MULTILINE)


def drive_with_ab(
    base: str,
    paths: list[tuple[str, str, str | None]],
    cookies: dict[str, Any],
    clients: int,
    seconds: float,
) -> dict[str, Any]:
    """Drive each page with its own ApacheBench process at once, ``clients`` shared out.

    ab is a small C client: the load generator then takes little of the machine's two cores
    from the server, where 16 Python client threads take most of one. Its latencies come as
    percentiles, so ``latencies`` holds (p50, p95) per page instead of every request.
    """
    pages = [(label, path, email) for label, path, email in paths if path]
    shares = [clients // len(pages) + (n < clients % len(pages)) for n in range(len(pages))]
    running = []
    for (label, path, email), share in zip(pages, shares, strict=True):
        command = ["ab", "-k", "-q", "-t", f"{seconds:g}", "-n", "10000000", "-c", str(share)]
        if email:
            jar = cookies[email]
            command += ["-C", "; ".join(f"{c.name}={c.value}" for c in jar)]
        command.append(base + path)
        running.append(
            (label, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        )
    percentiles: dict[str, tuple[float, float]] = {}
    failures: dict[str, int] = {}
    first_said: dict[str, str] = {}
    total = 0
    for label, process in running:
        out, err = process.communicate()
        text = out.decode(errors="replace")
        found = {int(p): float(ms) / 1000 for p, ms in AB_PERCENT.findall(text)}
        done = re.search(r"Complete requests:\s+(\d+)", text)
        bad = re.search(r"Non-2xx responses:\s+(\d+)", text)
        failed = re.search(r"Failed requests:\s+(\d+)", text)
        if process.returncode or not done or 50 not in found:
            first_said[f"ab {label}"] = " ".join((err or out).decode(errors="replace").split())[
                :300
            ]
            continue
        total += int(done.group(1))
        percentiles[label] = (found[50], found[95])
        wrong = (int(bad.group(1)) if bad else 0) + (int(failed.group(1)) if failed else 0)
        if wrong:
            failures[f"{label}: non-2xx or failed"] = wrong
    return {
        "percentiles": percentiles,
        "requests": total,
        "failures": failures,
        "seconds": seconds,
        "first_said": first_said,
    }


def gunicorn(workers: int) -> Callable[[int], list[str]]:
    """gunicorn serving agency_wsgi.py (the app plus the bare endpoint) on a port."""
    return lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(ROOT / "benchmarks"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "agency_wsgi:app",
    ]


def tracker_run(port: int) -> list[str]:
    """What ``tracker run`` does (agency_run.py), on a port."""
    return [sys.executable, str(ROOT / "benchmarks" / "agency_run.py"), str(port)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def verdict(value: float, goal: float) -> str:
    return "meets" if value <= goal else f"misses ({value / goal:.1f}× the goal)"


PARTS = ("pages", "tick", "server", "run", "roll", "first")


def parts_given(said: str) -> tuple[str, ...]:
    """The parts named in ``--only`` (``seed`` alone: none after the build)."""
    named = tuple(part.strip() for part in said.split(",") if part.strip())
    unknown = set(named) - {*PARTS, "seed"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part(s): {', '.join(sorted(unknown))}")
    return tuple(part for part in named if part != "seed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--managers", type=int, default=10)
    parser.add_argument("--members", type=int, default=10, help="members per manager")
    parser.add_argument("--member-stores", type=int, default=5, help="stores each member is on")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--ticks", type=int, default=3, help="timed ticks")
    parser.add_argument("--server-seconds", type=float, default=20.0, help="0: no server run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use instead of SQLite; a scratch database is created "
        "on it and dropped afterwards (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    parser.add_argument(
        "--only",
        type=parts_given,
        default=PARTS,
        help=f"the parts to run after seeding, comma-separated from {','.join(PARTS)} "
        "(seed alone: only the build)",
    )
    parser.add_argument("--skip-server", action="store_true", help="no gunicorn run")
    parser.add_argument(
        "--run-seconds", type=float, default=95.0, help="the tracker run part, each way"
    )
    parser.add_argument(
        "--run-passes",
        type=int,
        default=1,
        help="the tracker run part's passes each way, alternated off/on then on/off",
    )
    parser.add_argument(
        "--tick-seconds", type=float, default=30.0, help="the tracker run part's tick interval"
    )
    args = parser.parse_args()
    parts = set(args.only) - ({"server"} if args.skip_server or args.server_seconds <= 0 else set())

    with scratch_database(args.database_url) as (url, described):
        app = build_app(url)
        print(f"database: {described}", flush=True)
        print(f"seeding … ({load()})", flush=True)
        seeded = seed(app, args, random.Random(args.seed))
        rows = counts(app)
        print(
            f"seeded {rows['stores']} stores, {rows['tasks']} task rows ({rows['done']} done), "
            f"{rows['people']} people in {seeded.seconds:.1f} s; goal ≤ 120 s: "
            f"{verdict(seeded.seconds, 120.0)}; {load()}",
            flush=True,
        )
        print(
            "  wall (CPU of this process) by part: "
            + ", ".join(
                f"{name} {wall:.1f} s ({cpu:.1f})" for name, (wall, cpu) in seeded.spent.items()
            ),
            flush=True,
        )
        plan_ms = time_pages(app, args, seeded, rows) if "pages" in parts else None
        if "tick" in parts:
            report_tick(app, args, rows, plan_ms or plan_page_ms(app, args, seeded))
        if "server" in parts:
            report_server(url, args, seeded)
        if "first" in parts:
            report_first(app)
        if "run" in parts:
            report_run(app, url, args, seeded)
        if "roll" in parts:
            report_roll(app)
        with app.app_context():
            db.engine.dispose()


def time_pages(app: Flask, args: argparse.Namespace, seeded: Seeded, rows: dict[str, int]) -> float:
    """Time each page of issue 16's table beside the bare endpoint, print them; return the
    plan page's median in ms."""
    manager = logged_in(app, MANAGER)
    member = logged_in(app, MEMBER)
    bare = app.test_client()
    complete = f"/tasks/{seeded.task_id}/complete"
    reopen = f"/tasks/{seeded.task_id}/reopen"
    run = {"repeat": args.repeat, "warm_up": args.warm_up}
    measured_load = load()
    timings: list[Timing] = [
        timed(app, "bare endpoint", lambda _: bare.get(BARE_PATH), **run),
        # The floor under every page: logged in, the layout around nothing (no goal).
        timed(app, "layout floor (no rows)", lambda _: manager.get(LAYOUT_PATH), **run),
        timed(
            app,
            f"plan page ({seeded.plan_rows} tasks)",
            lambda _: manager.get(f"/stores/{seeded.plan_store}"),
            **run,
        ),
        timed(
            app,
            f"plan page ({seeded.big_rows} tasks)",
            lambda _: manager.get(f"/stores/{seeded.big_store}"),
            **run,
        ),
        timed(
            app,
            f"My tasks, member ({seeded.member_rows})",
            lambda _: member.get("/my-tasks"),
            **run,
        ),
        timed(
            app,
            "complete (htmx)",
            lambda _: manager.post(complete, headers=HTMX),
            between=lambda: manager.post(reopen, headers=HTMX),
            **run,
        ),
        timed(
            app,
            f"portfolio ({rows['stores']} stores)",
            lambda _: manager.get("/readiness"),
            **run,
        ),
    ]
    # The bare endpoint again at the end: the load may have changed while we measured.
    timings.append(timed(app, "bare endpoint (again)", lambda _: bare.get(BARE_PATH), **run))
    # Each part is printed as soon as it is measured: a later part that fails
    # (a server that does not start) leaves the figures before it.
    base = statistics.median([t.median_ms for t in (timings[0], timings[-1])])
    print()
    print(f"in-process (Flask test client), {args.repeat} timed requests each; {measured_load}")
    print(f"{'measure':<32}{'median ms':>10}{'p95 ms':>10}{'× bare':>9}{'SQL':>6}  goal")
    goals = [None, None, 5.0, 5.0 + 0.05 * seeded.big_rows, 5.0, 5.0, 30.0, None]
    for timing, goal in zip(timings, goals, strict=True):
        ratio = timing.median_ms / base
        said = f"≤ {goal:g}×: {verdict(ratio, goal)}" if goal else ""
        print(
            f"{timing.label:<32}{timing.median_ms:>10.2f}{timing.p95_ms:>10.2f}"
            f"{ratio:>9.1f}{timing.statements:>6}  {said}",
            flush=True,
        )
    return timings[2].median_ms


def plan_page_ms(app: Flask, args: argparse.Namespace, seeded: Seeded) -> float:
    """The plan page's median in ms, for the tick's ratio when the pages are not timed."""
    manager = logged_in(app, MANAGER)
    page = f"/stores/{seeded.plan_store}"
    return timed(app, "plan page", lambda _: manager.get(page), args.repeat, args.warm_up).median_ms


def report_tick(app: Flask, args: argparse.Namespace, rows: dict[str, int], plan_ms: float) -> None:
    """Time the tick with nothing newly due, as a multiple of the plan page."""
    tick_seconds, tick_statements = time_tick(app, args.ticks)
    tick_ms = statistics.median(tick_seconds) * 1000
    print()
    print(
        f"tick, nothing newly due, {rows['stores']} stores, {args.managers} managers: median "
        f"{tick_ms:.0f} ms = {tick_ms / plan_ms:.0f}× the plan page, {tick_statements} "
        f"statements; goal ≤ 10×: {verdict(tick_ms / plan_ms, 10.0)}; {load()}",
        flush=True,
    )


def report_server(url: str, args: argparse.Namespace, seeded: Seeded) -> None:
    """Drive a real server and print its rate and latencies, with each driver at hand."""
    drivers = ["python", *(["ab"] if shutil.which("ab") else [])]
    for driver in drivers:
        server = serve_and_drive(
            url,
            args,
            seeded,
            command=gunicorn(args.workers),
            environment={"TRACKER_SCHEDULER": "off"},
            seconds=args.server_seconds,
            driver=driver,
        )
        by = "Python requests threads" if driver == "python" else "ApacheBench (ab)"
        if driver == "python":
            latencies = server["latencies"]
            total = sum(len(v) for v in latencies.values())
            figures = {
                label: (len(v), percentile(v, 0.5), percentile(v, 0.95))
                for label, v in latencies.items()
            }
        else:
            total = server["requests"]
            figures = {label: (None, *p) for label, p in server["percentiles"].items()}
        print()
        print(
            f"gunicorn, {args.workers} workers, {args.clients} keep-alive clients ({by}) for "
            f"{server['seconds']:.0f} s: {total / server['seconds']:.0f} requests/s; {load()}"
        )
        for label, count in server["failures"].items():
            print(f"  failed: {label} × {count}")
        for why, said in server["first_said"].items():
            print(f"  the first {why} said: {said}")
        for label, (count, p50, p95) in figures.items():
            goal = (
                ""
                if label in ("bare endpoint", "layout floor")
                else f"  p95 goal ≤ 150 ms: {verdict(p95 * 1000, 150)}"
            )
            counted = f"{count:>6} ok, " if count is not None else ""
            print(
                f"  {label:<20} {counted}p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms{goal}",
                flush=True,
            )
        if not shutil.which("ab") and driver == "python":
            print("  (ApacheBench not found: apt-get install apache2-utils for a lighter driver)")


def free_tasks(app: Flask, store_ids: list[int], wanted: int) -> list[int]:
    """Open tasks nothing keeps locked, one per client, to tick off and untick."""
    found: list[int] = []
    with app.app_context():
        for store_id in store_ids:
            for task in db.session.scalars(
                select(Task)
                .where(Task.store_id == store_id, Task.status == "open")
                .order_by(Task.due_on, Task.id)
            ):
                if not lock_reasons(task):
                    found.append(task.id)
                    if len(found) == wanted:
                        return found
    raise SystemExit(f"found only {len(found)} open, unlocked tasks to tick off")


TICK_LINE = re.compile(r"tick \S+: .* in ([0-9.]+) ms")


def report_run(app: Flask, url: str, args: argparse.Namespace, seeded: Seeded) -> None:
    """``tracker run`` with its in-process scheduler on and off: do ticks make pages wait?"""
    toggles = free_tasks(app, seeded.store_ids[1:], args.clients)
    print()
    print(
        f"tracker run (Werkzeug, threaded), {args.clients} keep-alive clients for "
        f"{args.run_seconds:.0f} s each way, ticking every {args.tick_seconds:g} s when on; "
        "each client also ticks off and unticks its own task"
    )
    rates: dict[str, list[float]] = {"off": [], "on": []}
    # Passes alternate off, on, on, off, … (ABBA) so a drift in the machine's load over the run
    # weighs on both ways alike.
    order = [("off", "on") if n % 2 == 0 else ("on", "off") for n in range(args.run_passes)]
    for scheduler in (way for pair in order for way in pair):
        server = serve_and_drive(
            url,
            args,
            seeded,
            command=tracker_run,
            environment={
                "TRACKER_SCHEDULER": scheduler,
                "TRACKER_TICK_SECONDS": f"{args.tick_seconds:g}",
            },
            seconds=args.run_seconds,
            toggles=toggles,
        )
        total = sum(len(v) for v in server["latencies"].values())
        rates[scheduler].append(total / server["seconds"])
        ticks = [float(ms) for ms in TICK_LINE.findall(server["log"])]
        overran = server["log"].count("overran")
        said = (
            f"; {len(ticks)} ticks, median {statistics.median(ticks):.0f} ms, longest "
            f"{max(ticks):.0f} ms, {overran} overran"
            if ticks
            else ""
        )
        print(f"  scheduler {scheduler}: {rates[scheduler][-1]:.0f} requests/s{said}; {load()}")
        for label, count in server["failures"].items():
            print(f"    failed: {label} × {count}")
        for why, said in server["first_said"].items():
            print(f"    the first {why} said: {said}")
        kept = Path(tempfile.gettempdir()) / f"agency_bench_run_{scheduler}.log"
        kept.write_text(server["log"])
        print(f"    the server's log: {kept}")
        errors = sorted({line for line in server["log"].splitlines() if "Error:" in line})
        for line in errors[:5]:
            print(f"    the server logged: {line[:300]}")
        for label, values in sorted(server["latencies"].items()):
            p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
            print(f"    {label:<20} {len(values):>6} ok, p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    share = statistics.mean(rates["on"]) / statistics.mean(rates["off"])
    print(
        f"  with the scheduler on: {share:.0%} "
        f"of the rate with it off over {args.run_passes} pass(es) each way "
        "(goal: ticks never overrun, pages unaffected)",
        flush=True,
    )


def report_first(app: Flask) -> None:
    """The first ticks of a freshly seeded agency (nothing queued yet), then, with nothing
    changed lately, the first ticks of a restarted scheduler (a new process, a new name).

    ``FIRST_TICKS`` ticks of the first; ``FIRST_TICK_SECONDS`` the interval (half of it is a
    tick's budget), to see a catch-up split over ticks at a size one tick would manage.
    """
    print()
    app.config["TRACKER_TICK_SECONDS"] = float(
        os.environ.get("FIRST_TICK_SECONDS", app.config["TRACKER_TICK_SECONDS"])
    )
    print(f"  tick interval {app.config['TRACKER_TICK_SECONDS']:g} s")
    for name, ticks in (
        ("agency-first", int(os.environ.get("FIRST_TICKS", "3"))),
        ("agency-restarted", 2),
    ):
        if name == "agency-restarted":
            with app.app_context():
                _settle()
        for number in range(1, ticks + 1):
            cpu = time.process_time()
            wall = time.perf_counter()
            _, count = statements(app, lambda n=name: run_tick(app, name=n))
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            with app.app_context():
                queued = db.session.scalar(select(func.count()).select_from(Reminder))
            print(
                f"  {name} tick {number}: {wall:.2f} s ({cpu:.2f} s CPU), {count} statements, "
                f"{queued} reminders queued in all; {load()}",
                flush=True,
            )


def _settle() -> None:
    """Nothing changed in the last few minutes (see time_tick)."""
    settled = utcnow() - COMMIT_LAG - timedelta(minutes=1)
    for model in (Task, Store):
        db.session.execute(
            update(model).where(model.updated_at > settled).values(updated_at=settled)
        )
    db.session.commit()


def report_roll(app: Flask) -> None:
    """Time the daily roll forward of every store."""
    roll_seconds, roll_cpu, rolled, roll_statements = time_roll_forward(app)
    print()
    # The statements themselves: a chunk sends a few whatever its size, so "a store" rounds
    # to 0.0 and said nothing.
    chunks = -(-rolled // ROLL_CHUNK) if ROLL_CHUNK else rolled
    print(
        f"daily roll forward: {rolled} stores in {roll_seconds:.1f} s ({roll_cpu:.1f} s CPU), "
        f"{roll_statements} "
        f"statements ({roll_statements / max(1, chunks):.1f} a chunk of {ROLL_CHUNK or 1}, "
        f"{roll_statements / max(1, rolled):.3f} a store); goal ≤ 2 s: "
        f"{verdict(roll_seconds, 2.0)}; {load()}"
    )


if __name__ == "__main__":
    main()
