"""Fixtures shared by every test: the real catalog, profile builders, apps on both databases."""

from __future__ import annotations

import atexit
import contextvars
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from tests import summary
from tests.api.response_check import install_response_check
from tracker import create_app
from tracker.auth.models import User
from tracker.auth.services import create_token, create_user
from tracker.extensions import db
from tracker.plans.stores import create_store
from tracker.playbook.catalog import Catalog
from tracker.playbook.loader import load_catalog
from tracker.playbook.plan import Plan, generate_plan
from tracker.playbook.profile import StoreProfile, parse_profile
from tracker.stores.models import Store
from tracker.stores.services import add_member, parse_store_input

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Load the real seeds once for the session."""
    return load_catalog(SEEDS)


@pytest.fixture
def make_profile(catalog: Catalog) -> Callable[..., StoreProfile]:
    """Build a valid profile through the same parser the CLI and API use."""

    def make(**overrides: Any) -> StoreProfile:
        raw: dict[str, Any] = {
            "model": "pop",
            "market": "US",
            "entity": "CN",
            "categories": ["beauty"],
            "opened_on": "2026-01-05",
        }
        raw.update(overrides)
        return parse_profile({k: v for k, v in raw.items() if v is not None}, catalog)

    return make


@pytest.fixture
def plan_for(catalog: Catalog, make_profile: Callable[..., StoreProfile]) -> Callable[..., Plan]:
    """Generate a plan for a profile built from overrides, on a fixed day."""

    def plan(*, today: date = date(2026, 1, 5), horizon_days: int = 400, **overrides: Any) -> Plan:
        return generate_plan(
            make_profile(**overrides), catalog, today=today, horizon_days=horizon_days
        )

    return plan


@pytest.fixture(autouse=True)
def quick_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords cheaply in the test process (scrypt costs ~80 ms a person).

    Tests marked ``real_password_hashing`` keep the production method.
    """
    if request.node.get_closest_marker("real_password_hashing"):
        return
    monkeypatch.setattr(
        "tracker.auth.models.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )


# --- the terminal summary, with pytest-xdist workers ------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker, hand the lines it gathered for the summary to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["summary"] = session.config.stash.get(summary.SUMMARY, {})


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller, take a finished worker's summary lines."""
    for section, lines in getattr(node, "workeroutput", {}).get("summary", {}).items():
        for line in lines:
            summary.add_line(node.config, section, line)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print what the tests asked to say at the end: fuzz runs, where the screenshots are."""
    for section, lines in config.stash.get(summary.SUMMARY, {}).items():
        terminalreporter.section(section)
        for line in lines:
            terminalreporter.write_line(line)


# --- databases -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a PostgreSQL database of our own for the session, with the models' schema."""
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:
        if os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}")
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    schema_app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": url})
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()
    yield url
    for engine in _wiping_engines.values():
        engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


def _backend_params() -> list[Any]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(params=_backend_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with the models' schema: a SQLite file, or the PostgreSQL one wiped."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    yield url


_wiping_engines: dict[str, Any] = {}


def empty_postgres(url: str) -> None:
    """Delete every row of the PostgreSQL test database and restart its ids."""
    engine = _wiping_engines.get(url)
    if engine is None:
        engine = _wiping_engines[url] = create_engine(url)
    wipe = _wipes.get(url)
    if wipe is None:
        with engine.connect() as connection:
            sequences = connection.scalars(
                text("select sequence_name from information_schema.sequences")
            ).all()
        # DELETE is much quicker than TRUNCATE on tables this small; then restart the ids.
        # One round trip for all of it (psycopg runs a string of statements without
        # parameters as one).
        wipe = _wipes[url] = "; ".join(
            [f'delete from "{table.name}"' for table in reversed(db.metadata.sorted_tables)]
            + [f'alter sequence "{sequence}" restart with 1' for sequence in sequences]
        )
    with engine.begin() as connection:
        connection.exec_driver_sql(wipe)


_wipes: dict[str, str] = {}


def _in_a_context_of_its_own(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``call`` as a server thread would: with no app context, so it pushes its own.

    A request (or CLI command) then gets a database session of its own, exactly as in
    production, and a view that forgets to commit loses its changes. Afterwards the test's
    own session forgets what it had loaded, so the test reads back what was committed.
    """
    result = contextvars.Context().run(call, *args, **kwargs)
    if has_app_context():
        db.session.expire_all()
    return result


class IsolatedClient(FlaskClient):
    """A test client whose every request (each redirect too) has its own app context."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return _in_a_context_of_its_own(super().open, *args, **kwargs)


class IsolatedCliRunner(FlaskCliRunner):
    """A CLI runner whose every command has its own app context and session."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        return _in_a_context_of_its_own(super().invoke, *args, **kwargs)


def _test_app(config: dict[str, Any]) -> Any:
    app = create_app(config)
    app.test_client_class = IsolatedClient
    app.test_cli_runner_class = IsolatedCliRunner
    install_response_check(app)  # every API answer a test sees must match the OpenAPI description
    return app


@functools.cache
def _sqlite_template() -> Path:
    """A SQLite file holding the models' schema and nothing else, made once per process.

    A test's new SQLite database is a copy of it: copying takes about a millisecond where
    creating every table, index and trigger took about 100 ms, once per test.
    """
    folder = Path(tempfile.mkdtemp(prefix="tracker-schema-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "schema.sqlite3"
    schema_app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    with schema_app.app_context():
        db.create_all()
        db.engine.dispose()  # closes the file, its write-ahead log folded in
    return path


def _app_with_schema(config: dict[str, Any], database_url: str) -> Iterator[Any]:
    """Build a test app, give SQLite its schema, and leave the app context before yielding."""
    app = _test_app({**config, "SQLALCHEMY_DATABASE_URI": database_url})
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        if path and not Path(path).exists():
            shutil.copyfile(_sqlite_template(), path)
        else:
            with app.app_context():
                db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(database_url: str) -> Iterator[Any]:
    """Give each test a fresh app on a fresh database, both SQLite and PostgreSQL."""
    yield from _app_with_schema(
        {"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}, database_url
    )


@pytest.fixture
def csrf_app(database_url: str) -> Iterator[Any]:
    """An app with CSRF protection on, as in production."""
    yield from _app_with_schema({"TESTING": True, "SECRET_KEY": "test"}, database_url)


@pytest.fixture(autouse=True)
def test_session(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give the test's own code an app context and session, apart from every request's.

    The test sets data up and reads it back through this session; requests and CLI
    commands never share it (see ``IsolatedClient``), so a missing commit fails a test.
    """
    names = [name for name in ("app", "csrf_app") if name in request.fixturenames]
    if not names:
        yield
        return
    app = request.getfixturevalue(names[0])
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


# --- builders that go through the services ------------------------------------------


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """Create a person through the service; managers unless ``role`` says otherwise."""
    counter = iter(range(1, 10_000))

    def make(role: str = "manager", **overrides: Any) -> User:
        number = next(counter)
        values: dict[str, Any] = {
            "email": f"{role}{number}@example.com",
            "password": PASSWORD,
            "role": role,
            "name": f"{role.title()} {number}",
            # Chosen, so joining a store leaves it (pass timezone=None for the stores' zone).
            "timezone": "UTC",
        }
        values.update(overrides)
        user = create_user(**values)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_store(app, catalog: Catalog, make_user: Callable[..., User]) -> Callable[..., Store]:
    """Create a store and its plan through the service, as a manager would."""

    def make(
        *,
        actor: User | None = None,
        members: tuple[User, ...] = (),
        today: date | None = None,
        **overrides: Any,
    ) -> Store:
        raw: dict[str, Any] = {
            "name": "Sunny Beauty US",
            "model": "pop",
            "market": "US",
            "entity": "CN",
            "categories": ["beauty"],
            "opened_on": "2026-11-02",
        }
        raw.update(overrides)
        store_input = parse_store_input({k: v for k, v in raw.items() if v is not None}, catalog)
        store, _ = create_store(store_input, catalog, actor=actor, today=today)
        for member in members:
            add_member(store, member, actor=actor)
        db.session.commit()
        return store

    return make


class ApiClient:
    """A test client that sends one person's bearer token with every request."""

    def __init__(self, client: Any, secret: str) -> None:
        self.client, self.secret = client, secret

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(path: str, **kwargs: Any) -> Any:
            headers = {"Authorization": f"Bearer {self.secret}", **kwargs.pop("headers", {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)

        return call


@pytest.fixture
def api_as(client) -> Callable[[User], ApiClient]:
    """Call the JSON API as a given person (a token is issued for them)."""

    def as_user(user: User) -> ApiClient:
        _, secret = create_token(user, "test")
        db.session.commit()
        return ApiClient(client, secret)

    return as_user


@pytest.fixture
def login(client) -> Callable[[User], Any]:
    """Log a person in to the pages with their password."""

    def log_in(user: User, password: str = PASSWORD) -> Any:
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return log_in


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app) -> Callable[[], Any]:
    """Count the statements sent inside a ``with count_queries() as counter:`` block."""
    import contextlib

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
