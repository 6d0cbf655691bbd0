"""The schema the migrations build, and concurrent work on one task."""

from __future__ import annotations

import functools
import itertools
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from tests.conftest import PASSWORD, POSTGRES_URL
from tests.together import BOUND_SECONDS, run_together
from tracker import create_app
from tracker.activity.models import Activity
from tracker.auth.services import create_token
from tracker.extensions import db
from tracker.stores.services import add_member
from tracker.tasks.models import Task
from tracker.tasks.services import lock_reasons


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with nothing in it at all, not even Alembic's version table."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    request.getfixturevalue("postgres_database")  # skips when PostgreSQL is unreachable
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"tracker_empty_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def test_db_upgrade_builds_exactly_the_models_schema(empty_database):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_database}
    )
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
        db.engine.dispose()
    assert differences == []
    assert {"users", "stores", "tasks", "activities", "alembic_version"} <= tables


def _upgraded(database: str) -> tuple[Any, Any]:
    """The app on ``database`` brought up to date by ``flask db upgrade``, and its runner."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    return app, runner


def _old_stores(catalog: Any, market: str, *names: str) -> None:
    """Stores of a manager, made (in an app context) before a migration is tried again."""
    from tracker.auth.services import create_user
    from tracker.plans.stores import create_store
    from tracker.stores.services import parse_store_input

    manager = create_user(email="m@example.com", password="a long secret", role="manager")
    for name in names:
        raw = {"name": name, "model": "pop", "market": market, "opened_on": "2026-11-02"}
        create_store(parse_store_input(raw, catalog), catalog, actor=manager)


def test_upgrading_turns_json_null_gates_into_sql_null(empty_database, catalog):
    """Tasks written before the readiness migration held JSON null for "no gate"."""
    app, runner = _upgraded(empty_database)
    with app.app_context():
        _old_stores(catalog, "US", "Old")
        db.session.commit()
        gated = db.session.scalar(text("select count(*) from tasks where gate is not null"))
        # As the old code wrote them: JSON null, which SQL sees as a value.
        db.session.execute(text("update tasks set gate = 'null' where gate is null"))
        db.session.commit()
        assert runner.invoke(args=["db", "downgrade", "b80935742ebe"]).exit_code == 0
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        assert db.session.scalar(text("select count(*) from tasks where gate is not null")) == (
            gated
        )
        assert 0 < gated < db.session.scalar(text("select count(*) from tasks"))
        db.session.remove()
        db.engine.dispose()


def test_upgrading_gives_every_existing_store_its_name_s_sort_key(empty_database, catalog):
    """Stores and people made before the sort keys are listed by name as people read it
    after the upgrade, not first (an empty key) or last."""
    app, runner = _upgraded(empty_database)
    with app.app_context():
        _old_stores(catalog, "VN", "Ánh Dương Shop", "Zeta Home", "Élan")
        db.session.commit()
        db.session.remove()
        assert runner.invoke(args=["db", "downgrade", "a7d3e9f1c5b2"]).exit_code == 0
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        keys = dict(db.session.execute(text("select name, name_key from stores")).all())
        assert keys == {
            "Ánh Dương Shop": "anh duong shop",
            "Zeta Home": "zeta home",
            "Élan": "elan",
        }
        # People too, by the name shown: this one has none, so their address.
        people = db.session.execute(text("select email, name_key from users")).all()
        assert people == [("m@example.com", "m@example.com")]
        db.session.remove()
        db.engine.dispose()


def test_the_migrations_make_the_triggers_that_keep_each_store_s_work_version(
    empty_database, catalog
):
    """The stored readiness scores rely on triggers the migrations make, not create_all."""
    from tracker.readiness.scores import work_version

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": empty_database}
    )
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        from tracker.auth.services import create_user
        from tracker.plans.stores import create_store
        from tracker.stores.services import parse_store_input

        manager = create_user(email="m@example.com", password="a long secret", role="manager")
        raw = {"name": "New", "model": "pop", "market": "US", "opened_on": "2026-11-02"}
        store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager)
        db.session.commit()

        def version() -> int:
            return db.session.scalar(select(work_version(store.id)))

        made = version()
        assert made > 0  # the plan's rows, written in bulk
        db.session.execute(
            text("update tasks set note = 'x' where id = (select min(id) from tasks)")
        )
        db.session.commit()
        assert version() > made
        moved = version()
        db.session.execute(text("delete from tasks where id = (select max(id) from tasks)"))
        db.session.commit()
        assert version() > moved
        db.session.remove()
        db.engine.dispose()


START_AT_ONCE = """
import sys, time
from tracker import create_app
from tracker.schema import ensure_schema
app = create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
with app.app_context():
    ensure_schema()
"""


def test_two_starts_at_the_same_instant_on_a_new_file_both_come_up(tmp_path):
    """Two `tracker run` at once on a new SQLite file: one upgrades, the other waits for it."""
    url = f"sqlite:///{tmp_path / 'twice.sqlite3'}"
    at = str(time.time() + 8)  # both processes are loaded by then and start together
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", START_AT_ONCE, url, at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(process.wait(timeout=300), process.stderr.read()) for process in starts]
    for process in starts:
        process.stdout.close()
        process.stderr.close()
    codes = [code for code, _ in results]
    assert codes == [0, 0], "\n\n".join(error for _, error in results)


def test_a_start_waits_for_another_starts_upgrade_however_long_it_takes(tmp_path):
    """A start that finds a new SQLite file being upgraded waits for the upgrade, not for the
    database: on a new file the first writes go through the rollback journal (WAL takes
    hold only once the file has a page), so a reader waited for the other start's whole
    migration and, past its busy timeout (5 s: on a loaded machine it was), failed with
    "database is locked"."""
    import fcntl

    from sqlalchemy import event

    from tracker.schema import ensure_schema

    path = tmp_path / "new.sqlite3"
    app = create_app({"SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})

    def short_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=300")  # after the app's own 5 s

    with app.app_context():
        event.listen(db.engine, "connect", short_wait)
    # The other start, mid-upgrade: it holds the upgrade lock and writes in a transaction
    # that lasts longer than this start's busy timeout.
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE scratch (id INTEGER)")
    lock = open(f"{path}.upgrade-lock", "a")  # noqa: SIM115 -- released by the thread below
    fcntl.flock(lock, fcntl.LOCK_EX)

    def finish_the_upgrade() -> None:
        time.sleep(1.5)
        other.execute("ROLLBACK")  # this start then finds the file new, and upgrades it
        other.close()
        lock.close()

    finisher = threading.Thread(target=finish_the_upgrade)
    finisher.start()
    try:
        with app.app_context():
            ensure_schema()
            tables = set(inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        finisher.join()
    assert {"tasks", "stores", "alembic_version"} <= tables


def test_run_brings_the_embedded_database_up_to_date_by_itself(tmp_path):
    from tracker.schema import ensure_schema

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'sub' / 'fresh.sqlite3'}",
        }
    )
    with app.app_context():
        ensure_schema()
        ensure_schema()  # a second start finds it current and does nothing
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert "tasks" in tables


def test_two_people_ticking_one_task_at_once_lose_no_activity(app, make_user, make_store):
    # On both databases: SQLite has no row locks (with_for_update does nothing there), so the
    # tick itself must be the conditional write that decides who changed the task.
    manager = make_user()
    member = make_user(role="member")
    store = make_store(actor=manager, members=(member,))
    task_id = db.session.scalar(
        select(Task.id).where(Task.store_id == store.id, Task.key == "accounts.bind_official")
    )
    secrets = []
    for person in (manager, member):
        _, secret = create_token(person, "race")
        secrets.append(secret)
    db.session.commit()

    rounds = 40
    outcomes: list[tuple[str, int]] = []
    lock = threading.Lock()

    def person(secret: str, offset: int, barrier: threading.Barrier) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        barrier.wait()
        for i in range(rounds):
            action = "complete" if (i + offset) % 2 == 0 else "reopen"
            response = client.post(f"/api/v1/tasks/{task_id}/{action}", headers=headers)
            with lock:
                outcomes.append((action, response.status_code))

    run_together([functools.partial(person, s, n) for n, s in enumerate(secrets)])

    assert all(status == 200 for _, status in outcomes), outcomes
    db.session.expire_all()
    entries = list(
        db.session.scalars(
            select(Activity.kind).where(Activity.task_id == task_id).order_by(Activity.id)
        )
    )
    # Every real change left one entry, strictly alternating: no tick was lost or doubled.
    assert entries, "nobody changed anything"
    assert all(a != b for a, b in itertools.pairwise(entries)), entries
    final = db.session.get(Task, task_id).status
    assert final == ("done" if entries[-1] == "completed" else "open")


def _members_with_a_task_each(
    make_user: Any, make_store: Any, count: int
) -> tuple[Any, Any, list[Any], list[int]]:
    """A manager, their store, ``count`` members on it and an open, unlocked task id each."""
    manager = make_user()
    store = make_store(actor=manager)
    people = [make_user(role="member") for _ in range(count)]
    for person in people:
        add_member(store, person, actor=manager)
    tasks = [
        task.id
        for task in db.session.scalars(
            select(Task).where(Task.store_id == store.id, Task.status == "open")
        )
        if not lock_reasons(task)
    ][:count]
    assert len(tasks) == count
    return manager, store, people, tasks


def test_many_people_writing_at_once_are_never_answered_500(app, make_user, make_store):
    # The embedded default serves every request of `tracker run` from one SQLite file. With
    # 16 people ticking tasks off while others read pages (some of which store what they
    # count), SQLite refused some ticks with "database is locked" and the person got a 500
    # (agency_bench's run part, 100 stores, 16 clients). Each must wait its turn instead.
    manager, store, people, tasks = _members_with_a_task_each(make_user, make_store, 14)
    everyone = [person.email for person in (*people, manager, manager)]
    store_id = store.id
    db.session.commit()

    rounds = 20
    answers: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def writer(email: str, task_id: int, barrier: threading.Barrier) -> None:
        client = app.test_client()  # the page's own way: logged in, ticked with htmx
        client.post("/login", data={"email": email, "password": PASSWORD})
        barrier.wait()
        for i in range(rounds):
            action = "complete" if i % 2 == 0 else "reopen"
            answer = client.post(f"/tasks/{task_id}/{action}", headers={"HX-Request": "true"})
            with lock:
                answers.append((action, answer.status_code, answer.get_data(as_text=True)[:200]))

    def reader(email: str, _: int, barrier: threading.Barrier) -> None:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        barrier.wait()
        for i in range(rounds):
            page = "/readiness" if i % 2 else f"/stores/{store_id}"
            answer = client.get(page)
            with lock:
                answers.append((page, answer.status_code, answer.get_data(as_text=True)[:200]))

    work = [
        functools.partial(writer, person, task_id)
        for person, task_id in zip(everyone, tasks, strict=False)
    ] + [functools.partial(reader, person, 0) for person in everyone[len(tasks) :]]
    run_together(work)
    refused = [answer for answer in answers if answer[1] != 200]
    assert refused == [], refused[:3]
    assert len(answers) == len(work) * rounds


def test_ticks_wait_their_turn_while_pages_are_drawn_not_until_busy(
    app, make_user, make_store, monkeypatch
):
    """Under ``tracker run`` a tick off waited seconds behind others' writes and some gave
    up as "busy" while pages were drawn (agency_bench's run part on SQLite: 6 of 930 ticks
    answered 503, p95 2.4 s): the writer holding SQLite's lock ran only when the threads
    drawing pages let it, and the writers waiting for the lock slept past the moments it
    was free. Each write now waits its turn behind the process's others, so SQLite's lock is
    never found taken by another thread of the process: with no wait for it at all (its busy
    timeout 0, so any such meeting is answered "busy" at once, whatever the machine's load),
    twelve people tick while four threads draw pages, and none is answered "busy"."""
    import tracker.schema

    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL waits for its row locks: no busy answer")
    monkeypatch.setattr(tracker.schema, "BUSY_SECONDS", 0)
    monkeypatch.setattr(tracker.schema, "TURN_SECONDS", BOUND_SECONDS)
    db.engine.dispose()  # new connections take no wait for SQLite's lock
    manager, store, writers, tasks = _members_with_a_task_each(make_user, make_store, 12)
    store_id, manager_email = store.id, manager.email
    db.session.commit()
    rounds = 12
    answers: list[tuple[str, int]] = []
    lock = threading.Lock()

    def logged_in(email: str) -> Any:
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        return client

    def writer(client: Any, task_id: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        for i in range(rounds):
            action = "complete" if i % 2 == 0 else "reopen"
            answer = client.post(f"/tasks/{task_id}/{action}", headers={"HX-Request": "true"})
            with lock:
                answers.append((action, answer.status_code))

    def drawer(client: Any, barrier: threading.Barrier) -> None:
        barrier.wait()
        for _ in range(rounds):
            assert client.get(f"/stores/{store_id}").status_code == 200

    work = [
        functools.partial(writer, logged_in(person.email), task_id)
        for person, task_id in zip(writers, tasks, strict=True)
    ] + [functools.partial(drawer, logged_in(manager_email)) for _ in range(4)]
    run_together(work)
    busy = [answer for answer in answers if answer[1] != 200]
    assert busy == [], f"{len(busy)} of {len(answers)} ticks refused: {busy[:3]}"
    assert len(answers) == len(writers) * rounds


@pytest.mark.parametrize(
    "statement",
    [
        "/* a note first */ UPDATE users SET name = name",
        "-- a note first\nUPDATE users SET name = name",
    ],
)
def test_a_write_that_opens_with_a_note_takes_its_turn(app, make_user, statement):
    """Found by review: a write starting with a comment took SQLite's lock without its
    turn, so the process's other writers met SQLite's lock again."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write turns are SQLite's")
    make_user()
    turns = app.extensions["tracker.write_turns"]
    with db.engine.connect() as connection:
        connection.exec_driver_sql(statement)
        assert turns.held()
        connection.commit()
    assert not turns.held()


def test_a_write_that_fails_before_its_transaction_gives_its_turn_back(app):
    """Found by review: a write refused before SQLite began a transaction (here: no such
    table) kept the turn until its connection was rolled back or put away, and every other
    writer of the process waited for it, then was answered "busy"."""
    from sqlalchemy.exc import OperationalError

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write turns are SQLite's")
    turns = app.extensions["tracker.write_turns"]
    with db.engine.connect() as connection:
        with pytest.raises(OperationalError):
            connection.exec_driver_sql("INSERT INTO no_such_table VALUES (1)")
        assert not turns.held()


def test_a_database_too_busy_to_write_says_so_and_asks_to_try_again(app, make_user):
    # When a write still finds the database locked after waiting its turn (5 s), the person
    # used to get Werkzeug's bare English "500 Internal Server Error". They get a 503 that
    # says nothing was saved and when to try again, in their language.
    from sqlalchemy.exc import OperationalError

    def busy() -> str:
        db.session.execute(select(Task.id).limit(1))
        raise OperationalError("UPDATE tasks …", {}, Exception("database is locked"))

    app.add_url_rule("/_busy", "busy", busy)
    answer = app.test_client().get("/_busy", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    page = answer.get_data(as_text=True)
    assert "未保存" in page and "Internal Server Error" not in page


def test_a_login_found_busy_does_not_say_nothing_was_saved(app, make_user, monkeypatch):
    """A login counts the try and commits before it checks the password; when the database
    is too busy to record the result, the try stays counted. The page says the person is
    not logged in, not that nothing was saved (SQLite: PostgreSQL waits for its locks)."""
    from sqlalchemy import event, func

    import tracker.web.auth as views
    from tracker.auth.models import LoginThrottle

    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite answers 'database is locked'")
    person = make_user()

    def short_wait(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    event.listen(db.engine, "connect", short_wait)  # after the app's own 5 s
    db.engine.dispose()
    blocker = db.engine.connect()
    real = views.finish_login

    def finish_while_busy(*args, **kwargs):
        blocker.exec_driver_sql("BEGIN IMMEDIATE")  # someone else writes, for long
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "finish_login", finish_while_busy)
    try:
        answer = app.test_client().post(
            "/login", data={"email": person.email, "password": PASSWORD}
        )
    finally:
        blocker.rollback()
        blocker.close()
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "not logged in" in page and "Nothing was saved" not in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) > 0  # counted
