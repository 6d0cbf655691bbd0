"""Time the store plan page, My tasks and ticking a task off over 200 stores, beside a bare page.

Run: python benchmarks/web_bench.py [--stores N] [--repeat N] [--database-url URL]
Builds the stores and their plans through the services on a scratch database
(a temporary SQLite file, or with --database-url a PostgreSQL database of its
own, created on that server and dropped afterwards), then sends requests
through Flask's test client and prints, for each page, the median and p95
time in ms, the SQL statements one request sends, and the median as a
multiple of a bare endpoint of the same app that runs one trivial query.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask, render_template  # noqa: E402
from flask_login import login_required  # noqa: E402
from sqlalchemy import create_engine, event, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.auth.models import User  # noqa: E402
from tracker.auth.services import create_user  # noqa: E402
from tracker.catalog import get_catalog  # noqa: E402
from tracker.clock import local_today  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.plans.stores import create_store  # noqa: E402
from tracker.stores.models import Store  # noqa: E402
from tracker.stores.services import add_member, parse_store_input  # noqa: E402
from tracker.tasks.models import Task  # noqa: E402
from tracker.tasks.services import change_task, complete_tasks, lock_reasons  # noqa: E402

MARKETS = ("US", "UK", "SA", "SG", "TH", "VN", "MY", "PH")
MODELS = ("pop", "full_managed")
PASSWORD = "correct horse battery"
# A manager's My tasks with the unassigned work of every store (capped by the page).
EVERYONES = "/my-tasks?unassigned=1"
BARE_PATH = "/_bench/bare"
HTMX = {"HX-Request": "true"}
# Stores opened long ago have history: most work due before the last few days is done.
PAST_DAYS = 3
DONE_SHARE = 0.9


@dataclass
class Built:
    """What the build left behind for the timing to use."""

    store_ids: list[int]
    member_store_ids: list[int]
    task_id: int  # an open, unlocked task to tick off and untick
    seconds: float


@dataclass
class Timing:
    """The times and statement count of one page."""

    label: str
    seconds: list[float]
    statements: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


@contextlib.contextmanager
def scratch_database(url: str | None) -> Iterator[tuple[str, str]]:
    """Yield a database URL of our own and its description; remove the database afterwards."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="web_bench_") as folder:
            path = Path(folder) / "bench.sqlite3"
            yield f"sqlite:///{path}", f"SQLite (temporary file {path})"
        return
    server = make_url(url)
    if server.get_backend_name() != "postgresql":
        raise SystemExit("--database-url: give a PostgreSQL server, e.g. postgresql+psycopg://...")
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"tracker_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        version = connection.execute(text("show server_version")).scalar()
        connection.execute(text(f'create database "{name}"'))
    try:
        scratch = server.set(database=name)
        yield (
            scratch.render_as_string(hide_password=False),
            f"PostgreSQL {version} (scratch database {name} on {server.host}:{server.port})",
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


LAYOUT_PATH = "/_bench/layout"


def add_layout_floor(app: Flask) -> None:
    """Only for the benchmark: what every page of the app pays before showing anything.

    A logged-in person, their session, and the layout (menu, unread badge, CSRF token) around
    an empty page: the floor under every page's ratio to the bare endpoint.
    """

    @login_required
    def layout() -> str:
        return render_template("base.html")

    app.add_url_rule(LAYOUT_PATH, "bench_layout", view_func=layout)


def build_app(database_url: str) -> Flask:
    """Create the app on the scratch database, with the benchmark's bare endpoint added."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "TRACKER_SCHEDULER": "off",
        }
    )
    # Only for the benchmark: the cheapest page this app can serve, one trivial query.
    app.add_url_rule(BARE_PATH, "bench_bare", view_func=lambda: str(db.session.scalar(select(1))))
    add_layout_floor(app)
    with app.app_context():
        db.create_all()
    return app


def build_stores(app: Flask, count: int, member_stores: int, rng: random.Random) -> Built:
    """Create a manager, a member and ``count`` stores with their plans, through the services."""
    start = time.perf_counter()
    with app.app_context():
        manager, member = create_people()
        store_ids = add_stores(manager, count, rng)

        # The member works on a few stores and has most of their near work.
        member_store_ids = store_ids[:: max(1, count // member_stores)][:member_stores]
        for store_id in member_store_ids:
            store = db.session.get(Store, store_id)
            add_member(store, member, actor=manager)
            soon = local_today(store.zone) + timedelta(days=10)
            tasks = db.session.scalars(
                select(Task)
                .where(Task.store_id == store_id, Task.status == "open", Task.due_on <= soon)
                .order_by(Task.due_on, Task.id)
            ).all()
            for task in tasks[::2]:
                change_task(task, {"assignee_id": member.id}, manager)
            db.session.commit()

        task_id = _free_task_id(store_ids)
    return Built(store_ids, member_store_ids, task_id, time.perf_counter() - start)


def create_people() -> tuple[User, User]:
    """Create the benchmark's manager and member (inside an app context)."""
    manager = create_user(
        email="manager@example.com", password=PASSWORD, role="manager", name="Manager"
    )
    member = create_user(
        email="member@example.com", password=PASSWORD, role="member", name="Member"
    )
    db.session.commit()
    return manager, member


@contextlib.contextmanager
def part(spent: dict[str, list[float]], name: str) -> Iterator[None]:
    """Add the wall and CPU seconds of the block to ``spent[name]`` ([wall, cpu])."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        total = spent.setdefault(name, [0.0, 0.0])
        total[0] += time.perf_counter() - wall
        total[1] += time.process_time() - cpu


def add_stores(
    manager: User,
    count: int,
    rng: random.Random,
    *,
    first: int = 0,
    batch: int = 50,
    spent: dict[str, list[float]] | None = None,
) -> list[int]:
    """Create ``count`` varied stores (numbered from ``first``) with their plans and history.

    Every ``batch`` stores, their past work is ticked off in one bulk call and committed (a
    unit of work per store or per task would only add commits and reads); with ``spent``,
    the wall and CPU seconds spent creating stores and ticking off their past work.
    """
    catalog = get_catalog()
    categories = sorted(catalog.categories)
    today = local_today("UTC")
    spent = spent if spent is not None else {}
    store_ids: list[int] = []
    past: list[int] = []
    for number in range(first, first + count):
        market = MARKETS[number % len(MARKETS)]
        entity = rng.choice(["CN", "CN", "HK"] + ([market] if market != "UK" else []))
        opened_on = today + timedelta(days=rng.randrange(-400, 60))
        raw = {
            "name": f"Bench store {number + 1} {market}",
            "model": MODELS[(number // len(MARKETS)) % len(MODELS)],
            "market": market,
            "entity": entity,
            "categories": rng.sample(categories, rng.randrange(1, 4)),
            "opened_on": opened_on.isoformat(),
        }
        with part(spent, "create stores"):
            store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager)
        with part(spent, "history"):
            past += _past_work(store, rng)
            store_ids.append(store.id)
            if len(store_ids) % batch == 0 or number == first + count - 1:
                complete_tasks(past, manager)  # soonest first in each store, as a team would
                db.session.commit()
                past = []
    return store_ids


def _past_work(store: Store, rng: random.Random) -> list[int]:
    """Most work due before the last few days, soonest first: a team keeping up did it.

    Ticked off in that order, work that waits for an earlier task may follow it; what is
    still locked then stays open, overdue.
    """
    before = local_today(store.zone) - timedelta(days=PAST_DAYS)
    past = db.session.scalars(
        select(Task.id)
        .where(Task.store_id == store.id, Task.status == "open", Task.due_on < before)
        .order_by(Task.due_on, Task.id)
    ).all()
    return [task_id for task_id in past if rng.random() < DONE_SHARE]


def _free_task_id(store_ids: list[int]) -> int:
    """Find an open task nothing keeps locked, to tick off and untick."""
    for store_id in store_ids:
        tasks = db.session.scalars(
            select(Task)
            .where(Task.store_id == store_id, Task.status == "open")
            .order_by(Task.due_on, Task.id)
        )
        for task in tasks:
            if not lock_reasons(task):
                return task.id
    raise SystemExit("no open, unlocked task to tick off")


def counts(app: Flask) -> dict[str, int]:
    """Count the rows the benchmark runs over, once they are built.

    On PostgreSQL the planner's statistics are taken first, as autovacuum would have
    taken them long before anyone reads a page of a database this size: a database seeded
    a moment ago has none, and its plans are not the ones a real one gets (issue 16: My
    tasks read the whole company's unassigned work). SQLite is left as it is: it has no
    statistics unless asked, and the tracker never asks.
    """
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"
                )
        by_status = dict(
            db.session.execute(select(Task.status, func.count()).group_by(Task.status)).all()
        )
        return {
            "stores": db.session.scalar(select(func.count()).select_from(Store)),
            "tasks": sum(by_status.values()),
            "open": by_status.get("open", 0),
            "done": by_status.get("done", 0),
            "people": db.session.scalar(select(func.count()).select_from(User)),
        }


def logged_in(app: Flask, email: str) -> Any:
    """A test client with a logged-in session."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {email}: {response.status_code}")
    return client


def statements_of(app: Flask, send: Callable[[], Any]) -> int:
    """Count the SQL statements one request sends."""
    with app.app_context():
        engine = db.engine
    found: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        found.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(found)


def timed(
    app: Flask,
    label: str,
    send: Callable[[int], Any],
    repeat: int,
    warm_up: int,
    *,
    status: int = 200,
    between: Callable[[], Any] | None = None,
) -> Timing:
    """Time ``repeat`` requests after ``warm_up`` untimed ones; ``between`` follows each one."""

    def checked(response: Any) -> None:
        if response.status_code != status:
            raise SystemExit(f"{label}: answered {response.status_code}, expected {status}")

    for index in range(warm_up):
        checked(send(index))
        if between:
            checked(between())
    statements = statements_of(app, lambda: checked(send(0)))
    if between:
        checked(between())
    seconds = []
    for index in range(repeat):
        start = time.perf_counter()
        response = send(index)
        seconds.append(time.perf_counter() - start)
        checked(response)
        if between:
            checked(between())
    return Timing(label, seconds, statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warm-up", type=int, default=5, help="untimed requests per page first")
    parser.add_argument("--member-stores", type=int, default=5, help="stores the member is on")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use instead of SQLite; a scratch database is created "
        "on it and dropped afterwards (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    args = parser.parse_args()

    with scratch_database(args.database_url) as (url, described):
        app = build_app(url)
        built = build_stores(app, args.stores, args.member_stores, random.Random(args.seed))
        rows = counts(app)
        manager = logged_in(app, "manager@example.com")
        member = logged_in(app, "member@example.com")
        bare = app.test_client()

        # Visit every plan once, so the daily roll forward is behind us before timing.
        for store_id in built.store_ids:
            if manager.get(f"/stores/{store_id}").status_code != 200:
                raise SystemExit(f"the plan of store {store_id} did not open")
        order = built.store_ids[:]
        random.Random(args.seed).shuffle(order)
        complete = f"/tasks/{built.task_id}/complete"
        reopen = f"/tasks/{built.task_id}/reopen"

        manager_rows = manager.get("/my-tasks").get_data(as_text=True).count('class="task ')
        manager_all_rows = manager.get(EVERYONES).get_data(as_text=True).count('class="task ')
        member_rows = member.get("/my-tasks").get_data(as_text=True).count('class="task ')
        run = {"repeat": args.repeat, "warm_up": args.warm_up}
        timings = [
            timed(app, "bare endpoint, no login", lambda _: bare.get(BARE_PATH), **run),
            timed(
                app,
                "store plan page",
                lambda i: manager.get(f"/stores/{order[i % len(order)]}"),
                **run,
            ),
            timed(app, "My tasks, manager", lambda _: manager.get("/my-tasks"), **run),
            timed(app, "My tasks, mgr + unassigned", lambda _: manager.get(EVERYONES), **run),
            timed(app, "My tasks, member", lambda _: member.get("/my-tasks"), **run),
            timed(
                app,
                "complete task (htmx)",
                lambda _: manager.post(complete, headers=HTMX),
                between=lambda: manager.post(reopen, headers=HTMX),
                **run,
            ),
        ]
        # Close the pool's connections so the scratch database can be dropped.
        with app.app_context():
            db.engine.dispose()

    base = timings[0].median_ms
    print(f"database:                  {described}")
    print(
        f"stores built:              {rows['stores']} with {rows['tasks']} task rows "
        f"({rows['open']} open, {rows['done']} done; {rows['tasks'] / rows['stores']:.0f} "
        f"per store) in {built.seconds:.1f} s"
    )
    print(
        f"My tasks rows:             manager {manager_rows} own, {manager_all_rows} with the "
        f"unassigned of all {rows['stores']} stores (capped), member {member_rows} "
        f"(on {len(built.member_store_ids)} stores)"
    )
    print(f"requests per page:         {args.repeat} timed after {args.warm_up} warm-up")
    print()
    print(f"{'page':<28}{'median ms':>10}{'p95 ms':>10}{'× bare':>9}{'SQL':>6}")
    for timing in timings:
        print(
            f"{timing.label:<28}{timing.median_ms:>10.2f}{timing.p95_ms:>10.2f}"
            f"{timing.median_ms / base:>9.1f}{timing.statements:>6}"
        )


if __name__ == "__main__":
    main()
