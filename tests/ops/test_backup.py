"""``tracker backup``: a consistent SQLite copy while the app writes; the pg_dump line otherwise."""

from __future__ import annotations

import shlex
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tracker import create_app
from tracker.cli.backup import backup_sqlite
from tracker.extensions import db

ROWS_PER_TRANSACTION = 25


def _sqlite_app(path: Path, instance: Path) -> Any:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    app.instance_path = str(instance)  # keep default backups out of the project's instance/
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return app


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Any]:
    """An app on a SQLite file of its own, with the schema, and an instance folder in tmp."""
    app = _sqlite_app(tmp_path / "tracker.sqlite3", tmp_path / "instance")
    yield app


def _count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("select count(*) from scheduler_ticks").fetchone()[0]


def test_a_backup_taken_while_the_app_writes_is_a_consistent_copy(sqlite_app, tmp_path):
    database = Path(sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    stop = threading.Event()
    committed = [0]

    def write() -> None:
        # As the app does: its own connection, a busy timeout, many rows per transaction,
        # one transaction every few milliseconds.
        connection = sqlite3.connect(database, timeout=5)
        try:
            while not stop.wait(0.002):
                with connection:
                    for _ in range(ROWS_PER_TRANSACTION):
                        committed[0] += 1
                        connection.execute(
                            "insert into scheduler_ticks (name, ticked_at) values (?, ?)",
                            (f"writer:{committed[0]}", "2026-11-02 03:00:00"),
                        )
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    counts = []
    try:
        while _count(database) == 0:
            stop.wait(0.01)
        for number in range(6):
            copy = backup_sqlite(database, tmp_path / f"copy-{number}.sqlite3")
            with closing(sqlite3.connect(copy)) as connection:
                assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
            counts.append(_count(copy))
            # Let the writer commit again before the next copy.
            goal = committed[0] + ROWS_PER_TRANSACTION
            while committed[0] < goal and writer.is_alive():
                stop.wait(0.005)
    finally:
        stop.set()
        writer.join()

    # Each copy holds whole transactions only, and the writer went on between the copies.
    assert all(count % ROWS_PER_TRANSACTION == 0 for count in counts), counts
    assert counts == sorted(counts) and counts[-1] > counts[0] > 0, counts
    assert _count(database) > counts[-1]
    assert not list(tmp_path.glob(".*.partial"))


def test_the_command_writes_a_timestamped_copy_in_backups_readable_by_the_owner_only(
    sqlite_app, tmp_path
):
    result = sqlite_app.test_cli_runner().invoke(args=["backup"])

    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent == tmp_path / "instance" / "backups"
    stamp = datetime.strptime(path.name, "tracker-%Y%m%dT%H%M%SZ.sqlite3").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with closing(sqlite3.connect(path)) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert {"users", "tasks", "reminders"} <= tables


def test_the_command_never_overwrites_a_file(sqlite_app, tmp_path):
    target = tmp_path / "nightly.sqlite3"
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["backup", "--output", str(target)]).exit_code == 0
    before = target.read_bytes()

    again = runner.invoke(args=["backup", "--output", str(target)])

    assert again.exit_code == 2
    assert again.output == (
        f"Error: --output: {target} already exists; a backup never overwrites a file\n"
    )
    assert target.read_bytes() == before


def test_the_command_puts_a_copy_in_a_given_folder_and_refuses_a_missing_one(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    folder = tmp_path / "backups"
    folder.mkdir()

    into_folder = runner.invoke(args=["backup", "--output", str(folder)])
    missing = runner.invoke(args=["backup", "--output", str(tmp_path / "nowhere" / "b.sqlite3")])

    assert into_folder.exit_code == 0
    assert Path(into_folder.output.strip()).parent == folder
    assert missing.exit_code == 2
    assert missing.output == f"Error: --output: no folder {tmp_path / 'nowhere'}\n"


def test_for_postgresql_the_command_prints_pg_dump_without_the_password_and_exits_3():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql://ana:hunter2@db.internal:6543/tracker",
        }
    )

    result = app.test_cli_runner().invoke(args=["backup", "--output", "/var/backups/t.dump"])

    assert result.exit_code == 3
    assert "pg_dump" in result.stderr and "PGPASSWORD" in result.stderr
    assert result.stdout == (
        "pg_dump --format=custom --host=db.internal --port=6543 --username=ana "
        "--dbname=tracker --file=/var/backups/t.dump\n"
    )
    assert "hunter2" not in result.output


@pytest.mark.postgresql
def test_the_printed_pg_dump_command_backs_the_database_up(postgres_database, tmp_path):
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": postgres_database}
    )
    dump = tmp_path / "tracker.dump"
    hint = app.test_cli_runner().invoke(args=["backup", "--output", str(dump)])
    assert hint.exit_code == 3

    ran = subprocess.run(shlex.split(hint.stdout), capture_output=True, text=True, timeout=60)
    listed = subprocess.run(
        ["pg_restore", "--list", str(dump)], capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 0, ran.stderr
    assert listed.returncode == 0, listed.stderr
    assert "TABLE public reminders" in listed.stdout
