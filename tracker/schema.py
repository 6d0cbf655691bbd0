"""Database set-up that is not a model: SQLite pragmas and bringing the schema up to date."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from tracker.extensions import db


def init_app(app: Flask) -> None:
    """Make SQLite enforce foreign keys and wait for a busy database instead of failing."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        app.extensions["tracker.write_turns"] = WriteTurns(engine)
        # The embedded database lives in the instance folder; make sure it exists.
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
            _create_owner_only(Path(engine.url.database))


def _create_owner_only(path: Path) -> None:
    """Create the database file readable by its owner only (0600), like the secret key.

    SQLite gives its journal and WAL files the database file's own mode, so they follow.
    A database made by an older version (0644, say) is narrowed to its owner, with its
    journal, WAL and shared-memory files: nobody else on the machine reads the team's data.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for file in (path, *(Path(f"{path}{end}") for end in ("-journal", "-wal", "-shm"))):
            with contextlib.suppress(OSError):  # missing, or someone else's: left as it is
                mode = file.stat().st_mode
                if mode & 0o077 and file.is_file():
                    file.chmod(mode & 0o700)


# How long a write waits for SQLite's lock held by another process (its busy timeout), and
# for its turn behind this process's other writers (``WriteTurns``), before it gives up as
# "database is locked" (the busy page: nothing saved).
BUSY_SECONDS = 5.0
TURN_SECONDS = 5.0


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_SECONDS * 1000)}")
    # Write-ahead logging: readers and the writer never wait for one another, so a write
    # waits only for the write before it (in turn), never fails at once for a page being
    # read. Kept in the file; an in-memory database answers "memory" and stays as it is.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_WRITES = {"insert", "update", "delete", "replace"}
# A statement's first word, past comments; a WITH writes when it names a write.
_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*(\w+)", re.DOTALL)
_A_WRITE = re.compile(r"\b(?:insert|update|delete|replace)\b", re.IGNORECASE)


def _writes(statement: str) -> bool:
    """Whether a statement takes SQLite's write lock (a read that says "update" in a WITH
    only waits its turn needlessly)."""
    found = _FIRST_WORD.match(statement)
    word = found.group(1).lower() if found else ""
    return word in _WRITES or (word == "with" and _A_WRITE.search(statement) is not None)


class WriteTurns:
    """One SQLite write transaction at a time in this process, each woken for its turn.

    SQLite lets one writer in at a time; a writer that finds the file locked sleeps and
    looks again (its busy handler backs off to 100 ms a look). Under ``tracker run``, with
    sixteen people's requests sharing the interpreter, the writer holding the lock ran the
    few milliseconds of Python between its first write and its commit only when the other
    threads let it, and those waiting slept through the moments it was free: a tick off
    waited seconds, and some gave up after 5 s as "busy" (agency_bench's run part: 6 of 930
    ticks, p95 2.4 s). Here a transaction's first write takes the process's turn (a lock
    that wakes the next writer the moment it is given back) and its commit or rollback
    gives it back, so SQLite's own lock is waited for only across processes.

    A write the turn cannot be had for within ``TURN_SECONDS`` fails as SQLite's would
    ("database is locked": the busy page, nothing saved).
    """

    def __init__(self, engine: Engine) -> None:
        self._turn = threading.Lock()
        self._holder: int | None = None  # the DBAPI connection whose transaction has it
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._failed)
        event.listen(engine.pool, "close", self._closed)
        event.listen(engine.pool, "invalidate", self._invalidated)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._give_back(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self._give_back(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    def held(self) -> bool:
        """Whether a transaction of this process has the turn now."""
        return self._turn.locked()

    def _before(self, _: Any, cursor: Any, statement: str, *__: Any) -> None:
        connection = cursor.connection
        if self._holder == id(connection) or not _writes(statement):
            return
        if not self._turn.acquire(timeout=TURN_SECONDS):
            raise sqlite3.OperationalError("database is locked")
        self._holder = id(connection)

    def _after(self, _: Any, cursor: Any, *__: Any) -> None:
        connection = cursor.connection
        if self._holder == id(connection) and not connection.in_transaction:
            self._give_back(connection)  # a write outside a transaction: done already

    def _failed(self, context: Any) -> None:
        # A write that failed before SQLite began a transaction (no such table, a constraint
        # on a connection without transactions) leaves nothing to commit: its turn goes back.
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None:
            self._after(None, cursor)

    def _closed(self, connection: Any, _: Any) -> None:
        self._give_back(connection)

    def _invalidated(self, connection: Any, _: Any, __: Any) -> None:
        self._give_back(connection)

    def _give_back(self, connection: Any) -> None:
        # The dialect is handed the pool's proxy; the cursor and the pool, the connection.
        connection = getattr(connection, "dbapi_connection", connection)
        if self._holder == id(connection):
            self._holder = None
            self._turn.release()


def upgrade_schema() -> None:
    """Bring the database to the current schema with the Alembic migrations."""
    from flask_migrate import upgrade

    upgrade()


@contextmanager
def _upgrade_lock(database: str | None) -> Iterator[None]:
    """Hold an exclusive lock beside the SQLite file while its schema is upgraded."""
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.upgrade-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


class SchemaNotCurrent(RuntimeError):
    """The database is behind the code's migrations and is not ours to upgrade silently."""


def ensure_schema() -> None:
    """Upgrade the embedded SQLite database; ask for ``tracker db upgrade`` elsewhere."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())

    def current() -> set[str]:
        with db.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    if db.engine.dialect.name == "sqlite":
        # Two processes started at once on a new file: one upgrades, the other waits for it
        # and then finds the schema current. The waiting one does not read the file before
        # the upgrade is over: on a new file the first writes go through the rollback
        # journal (WAL takes hold only once the file has a page), so a reader would wait
        # for the whole migration and fail past its busy timeout.
        with _upgrade_lock(db.engine.url.database):
            if current() != heads:
                upgrade_schema()
                db.engine.dispose()  # the upgrade's connections closed before letting go
        return
    if current() == heads:
        return
    raise SchemaNotCurrent(
        f"the database at {db.engine.url.render_as_string(hide_password=True)} is not at the "
        "current schema: run `tracker db upgrade` first"
    )
