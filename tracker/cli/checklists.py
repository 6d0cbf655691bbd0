"""``tracker checklist import|export|list``: the team's checklists as TOML files.

The files have the shape of ``seeds/playbooks/*.toml`` (a ``[checklist]`` table, then one
``[[task]]`` per entry) and are refused with the same messages: file, entry key, problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.catalog import get_catalog
from tracker.checklists.models import Checklist
from tracker.cli.playbook import BadArgument
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.plans.checklists import list_checklists, save_checklist
from tracker.playbook.checklists import checklist_to_toml, read_checklist_toml
from tracker.playbook.seeds import SeedError
from tracker.schema import ensure_schema

checklist_group = AppGroup("checklist", help="Import, export and list the team's checklists.")


@checklist_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only say what it would change, in which stores.")
def import_command(file: Path, dry_run: bool) -> None:
    """Save a checklist from a TOML file (a new version when its key exists) and apply it."""
    ensure_schema()
    try:
        body = read_checklist_toml(file)
    except SeedError as error:
        raise BadArgument(str(error)) from None
    current = db.session.scalar(
        select(Checklist).where(Checklist.key == body["key"], Checklist.retired_at.is_(None))
    )
    try:
        saved, version, preview = save_checklist(
            body, get_catalog(), actor=None, checklist=current, dry_run=dry_run
        )
    except InputError as error:
        db.session.rollback()
        raise BadArgument(
            "; ".join(
                f"{file}: {e.message}"
                if e.field == "entries"
                else f"{file}: field '{e.field}': {e.message}"
                for e in error.errors
            )
        ) from None
    except RuleError as error:
        db.session.rollback()
        raise BadArgument(f"{file}: {error.message}") from None
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(
        json.dumps(
            {
                "id": saved.id if saved is not None else None,
                "key": body["key"],
                "version": version,
                "applied": not dry_run,
                "preview": preview.to_json(),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


@checklist_group.command("export")
@click.argument("key")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout."
)
def export_command(key: str, output: Path | None) -> None:
    """Write a checklist as TOML, in the playbooks' shape."""
    ensure_schema()
    checklist = db.session.scalar(
        select(Checklist).where(Checklist.key == key, Checklist.retired_at.is_(None))
    )
    if checklist is None:
        raise BadArgument(f"KEY: there is no checklist {key!r}")
    text = checklist_to_toml(checklist.spec())
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@checklist_group.command("list")
def list_command() -> None:
    """List the checklists in use: key, version, name."""
    ensure_schema()
    for checklist in list_checklists():
        click.echo(f"{checklist.key}\tv{checklist.version}\t{checklist.name}")
