"""``tracker backup``: a consistent copy of the SQLite database; the pg_dump line for PostgreSQL."""

from __future__ import annotations

import os
import secrets
import shlex
import sqlite3
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL

from tracker.cli.playbook import BadArgument
from tracker.clock import utcnow
from tracker.extensions import db

# Nothing was written: this database is backed up with its own tool (pg_dump).
EXIT_USE_PG_DUMP = 3
# SQLite waits this long for a writer's commit to finish before it starts copying.
BUSY_TIMEOUT_SECONDS = 30


class BackupFailed(RuntimeError):
    """The copy was made but does not check out; it was not kept."""


def backup_name(moment: datetime, suffix: str) -> str:
    """A backup's file name, with its UTC time: ``tracker-20261102T031500Z.sqlite3``."""
    return f"tracker-{moment.strftime('%Y%m%dT%H%M%SZ')}{suffix}"


def forget_install_id(copy: sqlite3.Connection) -> None:
    """A restored copy is a new installation: it makes its own id for reminders' keys."""
    has_table = copy.execute(
        "select 1 from sqlite_master where type = 'table' and name = 'installation'"
    ).fetchone()
    if has_table:
        copy.execute("delete from installation")
        copy.commit()


def backup_sqlite(database: Path, target: Path) -> Path:
    """Copy a SQLite database that may be in use to `target`, consistent as of one moment.

    SQLite's online backup API copies every page in one step under a read lock, so the copy
    is the database as some committed transaction left it; writers wait for it (busy
    timeout) rather than fail. The copy is made beside the target, checked, then linked to
    its name, so a half-written or bad file never stands under the backup's name and an
    existing file is never replaced.
    """
    if target.exists():
        raise FileExistsError(target)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    # The copy holds password hashes and channel secrets: readable by the owner only.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        source = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_SECONDS
        )
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                forget_install_id(copy)
                verdict = copy.execute("pragma quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
        if verdict != "ok":
            raise BackupFailed(f"the copy of {database} does not check out: {verdict}")
        os.link(partial, target)  # fails, rather than replaces, if the name was taken meanwhile
    finally:
        partial.unlink(missing_ok=True)
    return target


def pg_dump_command(url: URL, output: Path | None, moment: datetime) -> str:
    """The pg_dump line that backs this PostgreSQL database up (never with the password)."""
    parts = ["pg_dump", "--format=custom"]
    if url.host:
        parts.append(f"--host={url.host}")
    if url.port:
        parts.append(f"--port={url.port}")
    if url.username:
        parts.append(f"--username={url.username}")
    database = url.database or ""
    if url.query:
        # Options such as sslmode=require travel in a connection string.
        options = " ".join(f"{key}={value}" for key, value in sorted(url.query.items()))
        database = f"dbname={database} {options}"
    parts.append(f"--dbname={database}")
    parts.append(f"--file={output or backup_name(moment, '.dump')}")
    return shlex.join(parts)


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File (or existing folder) to write; default: backups/ in the instance folder.",
)
@click.pass_context
@with_appcontext
def backup_command(ctx: click.Context, output: Path | None) -> None:
    """Write a consistent copy of the SQLite database and print its path (never overwrites).

    For PostgreSQL nothing is written: the pg_dump command to run is printed and the exit
    status is 3.
    """
    url = db.engine.url
    moment = utcnow()
    if url.get_backend_name() == "postgresql":
        click.echo(
            "tracker backup copies SQLite databases only; back PostgreSQL up with pg_dump "
            "(password from PGPASSWORD or ~/.pgpass), e.g.:",
            err=True,
        )
        click.echo(pg_dump_command(url, output, moment))
        ctx.exit(EXIT_USE_PG_DUMP)
    if not url.database or url.database == ":memory:":
        raise BadArgument("DATABASE_URL: an in-memory database cannot be backed up")
    database = Path(url.database)
    if not database.is_file():
        raise BadArgument(f"DATABASE_URL: no SQLite database at {database}")
    if output is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / backup_name(moment, ".sqlite3")
    elif output.is_dir():
        target = output / backup_name(moment, ".sqlite3")
    else:
        target = output
    if not target.parent.is_dir():
        raise BadArgument(f"--output: no folder {target.parent}")
    if target.exists() or target.is_symlink():
        raise BadArgument(f"--output: {target} already exists; a backup never overwrites a file")
    try:
        backup_sqlite(database, target)
    except FileExistsError:
        raise BadArgument(
            f"--output: {target} already exists; a backup never overwrites a file"
        ) from None
    except (sqlite3.Error, OSError, BackupFailed) as error:
        raise click.ClickException(f"backup failed: {error}") from None
    click.echo(str(target))
