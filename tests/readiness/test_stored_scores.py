"""The portfolio reads each store's stored scores and recounts only stores whose work or day
changed: after any sequence of writes, through any path, it shows what counting every
store afresh shows (on SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, event, func, insert, select, update

from tests.conftest import SEEDS
from tests.readiness.conftest import tick_up_to
from tracker.auth.models import User
from tracker.auth.services import create_token
from tracker.errors import RuleError
from tracker.extensions import db
from tracker.plans.forward import roll_stores_forward
from tracker.readiness.queries import keep_recounted, portfolio, summaries, summary_values
from tracker.readiness.scores import StoreScore
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import (
    add_custom_task,
    assign_tasks,
    change_task,
    complete_task,
    complete_tasks,
    reopen_task,
)

STORES = (
    ("US", "pop", ["beauty"], "2026-09-01"),
    ("TH", "pop", ["home"], "2026-09-15"),
    ("UK", "full_managed", ["home"], "2026-08-01"),
    ("SG", "pop", ["home"], "2026-10-20"),
)
START = datetime(2026, 10, 1, 19, tzinfo=UTC)


def _same(manager, catalog, now, *, summaries_first: bool = False) -> None:
    """The stored scores and the stored summaries the portfolio sorts by are those of a count
    afresh (``summaries_first``: the summaries' own path counts the changed stores again)."""
    read = None
    if summaries_first:
        read = summaries(manager, catalog, now=now, activity=True)
        keep_recounted(read)  # as the portfolio page does: the portfolio below reads them
    stored = portfolio(manager, catalog, now=now)
    afresh = portfolio(manager, catalog, now=now, fresh=True)
    assert [row.store.id for row in stored] == [row.store.id for row in afresh]
    for mine, theirs in zip(stored, afresh, strict=True):
        assert mine == theirs, (now, mine.store.name)
    keep_recounted(stored)
    # Without ``summaries_first``: the summaries the portfolio's path just stored.
    read = read or summaries(manager, catalog, now=now, activity=True)
    assert [s.id for s in read] == [row.store.id for row in afresh]
    for summary, row in zip(read, afresh, strict=True):
        values = summary_values(row)
        assert (
            summary.name,
            summary.model,
            summary.market,
            summary.status,
            summary.onboarding_percent,
            summary.peak_on,
            summary.peak_percent,
            summary.overdue,
            summary.blocked,
            summary.last_activity_at,
        ) == (
            row.store.name,
            row.store.model,
            row.store.market,
            values["status"],
            values["onboarding_percent"],
            values["peak_on"],
            values["peak_percent"],
            values["overdue"],
            len(row.blocked),
            row.last_activity_at,
        ), (now, row.store.name)
    db.session.commit()  # keep the stored scores, as a page does


def test_stored_scores_follow_every_write(make_store, manager, catalog):
    stores = [
        make_store(
            actor=manager,
            name=f"Store {n} {market}",
            market=market,
            model=model,
            categories=categories,
            opened_on=opened_on,
            today=date(2026, 9, 1),
        )
        for n, (market, model, categories, opened_on) in enumerate(STORES)
    ]
    tick_up_to(stores[2], manager, date(2026, 9, 25))
    ids = [store.id for store in stores]
    now = START
    _same(manager, catalog, now)
    assert db.session.scalar(select(func.count()).select_from(StoreScore)) == len(stores)
    rng = random.Random(1603)

    def some_tasks(status: str, count: int = 1) -> list[Task]:
        found = db.session.scalars(
            select(Task).where(Task.status == status).order_by(Task.id)
        ).all()
        return rng.sample(list(found), min(count, len(found)))

    def tick() -> None:
        for task in some_tasks("open"):
            with contextlib.suppress(RuleError):
                complete_task(task.id, manager, now=now)

    def untick() -> None:
        for task in some_tasks("done"):
            reopen_task(task.id, manager, now=now)

    def assign() -> None:
        assign_tasks(some_tasks("open", 3), manager.id, manager)

    def redate() -> None:
        for task in some_tasks("open"):
            # Twenty days earlier, but not before its store opened (refused since).
            earlier = max(task.due_on - timedelta(days=20), task.store.opened_on)
            change_task(task, {"due_on": earlier.isoformat()}, manager)

    def add() -> None:
        store = db.session.get(type(stores[0]), rng.choice(ids))
        day = (now - timedelta(days=rng.randint(-5, 5))).date()
        due = max(day, store.opened_on).isoformat()  # not before the store opened
        add_custom_task(store, {"title": "By hand", "due_on": due, "phase": "onboarding",
                                "critical": rng.random() < 0.5}, catalog, manager)  # fmt: skip

    def remove() -> None:
        gone = [task.id for task in some_tasks(rng.choice(["open", "done"]), 2)]
        db.session.execute(delete(Task).where(Task.id.in_(gone)))

    def bulk_complete() -> None:
        complete_tasks([task.id for task in some_tasks("open", 5)], manager, now=now)

    def bulk_write() -> None:  # as an import or a partner sync writes rows in bulk
        store_id = rng.choice(ids)
        db.session.execute(
            update(Task)
            .where(Task.store_id == store_id, Task.status == "open", Task.critical.is_(False))
            .values(critical=True)
        )
        template = db.session.execute(
            select(Task.__table__).where(Task.store_id == store_id).limit(1)
        ).one()
        row = dict(template._mapping) | {"status": "open", "due_on": now.date() - timedelta(3)}
        row.pop("id")
        key = f"imported.{rng.randrange(10**9)}"  # a new row each time, as an import adds
        db.session.execute(insert(Task.__table__).values(row | {"key": key}))

    def next_day() -> None:
        nonlocal now
        now += timedelta(days=1)
        roll_stores_forward(ids, catalog, now=now)

    def new_day_alone() -> None:
        nonlocal now
        now += timedelta(hours=rng.choice([5, 11, 24]))

    def retype() -> None:  # another store type has other peaks and warm-ups; no task moves
        store = db.session.get(Store, rng.choice(ids))
        store.store_type = "local" if store.store_type == "cross_border" else "cross_border"

    def followed() -> None:  # followers open the gates that wait for them; no task moves
        store = db.session.get(Store, rng.choice(ids))
        store.followers = rng.choice([0, 1_500, 100_000])

    steps = [tick, untick, assign, redate, add, remove, bulk_complete, bulk_write, next_day,
             new_day_alone, retype, followed]  # fmt: skip
    for number, step in enumerate([*steps, *rng.choices(steps, k=40)]):
        step()
        db.session.commit()
        _same(manager, catalog, now, summaries_first=number % 2 == 1)


def test_pages_read_while_tasks_are_ticked_keep_no_score_older_than_the_work(
    app, client, make_store, manager, catalog
):
    """Readers storing scores while a writer ticks and unticks: none is left behind."""
    stores = [
        make_store(actor=manager, name=f"Busy {n}", opened_on="2026-09-01", today=START.date())
        for n in range(2)
    ]
    task_ids = db.session.scalars(
        select(Task.id)
        .where(Task.store_id.in_([store.id for store in stores]), Task.gate.is_(None))
        .order_by(Task.id)
        .limit(6)
    ).all()
    _, secret = create_token(manager, "race")
    db.session.commit()
    failures: list[BaseException] = []
    done = threading.Event()
    manager_id = manager.id

    def write() -> None:
        try:
            with app.app_context():
                actor = db.session.get(User, manager_id)
                for round_ in range(12):
                    for task_id in task_ids:
                        if round_ % 2 == 0:
                            complete_task(task_id, actor)
                        else:
                            reopen_task(task_id, actor)
                        db.session.commit()
        except BaseException as error:
            failures.append(error)
        finally:
            done.set()

    def read() -> None:
        try:
            while not done.is_set():
                answer = client.get(
                    "/api/v1/readiness", headers={"Authorization": f"Bearer {secret}"}
                )
                assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in "ab")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not failures, failures
    db.session.expire_all()
    stored = portfolio(manager, catalog)
    assert stored == portfolio(manager, catalog, fresh=True)


def test_the_tick_folds_change_rows_of_stores_nobody_looks_at(make_store, manager, catalog, app):
    """PostgreSQL notes one change row per store and writing transaction; a page folds them
    only for the stores it counts again. The tick folds the rest, so the rows of stores no
    one views do not pile up, and no store's work version moves when they are folded."""
    from tracker.readiness.scores import StoreWorkChange, work_version
    from tracker.scheduler.tick import run_tick

    stores = [
        make_store(actor=manager, name=f"Unviewed {n}", opened_on="2026-09-01") for n in range(3)
    ]
    for store in stores:
        for task in db.session.scalars(
            select(Task).where(Task.store_id == store.id, Task.status == "open").limit(3)
        ).all():
            with contextlib.suppress(RuleError):
                complete_task(task.id, manager)
            db.session.commit()
    before = {s.id: db.session.scalar(select(work_version(s.id))) for s in stores}
    run_tick(app, name="folding")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(StoreWorkChange)) == 0
    assert {s.id: db.session.scalar(select(work_version(s.id))) for s in stores} == before
    assert all(version > 0 for version in before.values())


def test_more_changed_stores_than_one_statement_may_bind(
    app, client, login, make_store, manager, catalog, monkeypatch
):
    """SQLite before 3.32 binds at most 999 values a statement (PostgreSQL 65,535): the
    stores counted again are read in parts that fit, however many changed. Here SQLite is
    made to bind a few more than the page's widest statement with one store to count, and
    the parts are made as small (the machine's SQLite takes 32,766)."""
    stores = [
        make_store(actor=manager, name=f"Part {n}", opened_on="2026-09-01") for n in range(12)
    ]
    login(manager)
    assert client.get("/readiness").status_code == 200  # every store counted and kept

    def tick(chosen) -> None:
        for store in chosen:
            task = db.session.scalars(
                select(Task)
                .where(Task.store_id == store.id, Task.status == "open", Task.gate.is_(None))
                .order_by(Task.id)
                .limit(1)
            ).one()
            complete_task(task.id, manager)
        db.session.commit()

    widest = 0

    def measure(_conn, _cursor, _statement, parameters, _context, executemany) -> None:
        nonlocal widest
        row = parameters[0] if executemany and parameters else parameters
        widest = max(widest, len(row or ()))

    tick(stores[:1])
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", measure)
    try:
        assert client.get("/readiness").status_code == 200  # one store counted again
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", measure)

    tick(stores[1:-1])  # 10 stores changed, one did not
    names = [store.name for store in stores]
    db.session.rollback()  # the test's own connection back in the pool before it is emptied
    parts = 4
    monkeypatch.setattr("tracker.readiness.queries.IDS_AT_ONCE", parts, raising=False)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):

        def bind_few(dbapi_connection, _record) -> None:
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, widest + parts - 1)

        with app.app_context():
            event.listen(db.engine, "connect", bind_few)
            db.engine.dispose()
    page = client.get("/readiness")
    assert page.status_code == 200
    assert all(name in page.get_data(as_text=True) for name in names)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.remove(db.engine, "connect", bind_few)
            db.engine.dispose()
    assert portfolio(manager, catalog) == portfolio(manager, catalog, fresh=True)
    assert db.session.scalar(select(func.count()).select_from(StoreScore)) == len(stores)


def test_counts_taken_for_another_day_are_not_reused_by_the_same_answer(
    make_store, manager, catalog
):
    """The page's full rows reuse the counts its summaries just took; counts taken for
    another day (the store's zone changed between the two reads) are counted afresh."""
    store = make_store(actor=manager, opened_on="2026-09-01")
    db.session.commit()
    now = datetime(2026, 10, 1, 12, tzinfo=UTC)
    (taken,) = summaries(manager, catalog, now=now)
    assert taken.recount is not None
    yesterday = dataclasses.replace(
        taken.recount, day=taken.recount.day - timedelta(days=1), figures={"o": [0] * 8, "p": []}
    )
    (row,) = portfolio(
        manager, catalog, now=now, store_ids=[store.id], counted_now={store.id: yesterday}
    )
    (afresh,) = portfolio(manager, catalog, now=now, store_ids=[store.id], fresh=True)
    assert row == afresh


def test_every_process_marks_the_same_rule_alike():
    """Scores stored by one process hold for every other (web workers, schedulers): the
    rule's mark is the same whatever order a process keeps the rule's sets in."""
    script = (
        "from pathlib import Path; from tracker.playbook.loader import load_catalog;"
        "from tracker.readiness.queries import score_mark;"
        f"print(score_mark(load_catalog(Path({str(SEEDS)!r}))))"
    )
    marks = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (1, 2, 3, 4)
    }
    assert len(marks) == 1, marks
