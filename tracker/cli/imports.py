"""``tracker import KIND --store-id ID FILE``: a Seller Center export into a store."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from tracker.auth.models import User
from tracker.catalog import get_catalog
from tracker.cli.playbook import WHOLE, BadArgument
from tracker.columns import get_by_id
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.imports.models import KINDS
from tracker.imports.services import run_import
from tracker.imports.settings import import_settings
from tracker.schema import ensure_schema
from tracker.stores.models import Store


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--store-id", required=True, type=WHOLE, help="The store the export belongs to.")
@click.option(
    "--accept-partial",
    is_flag=True,
    help="Import the good rows and list the bad ones instead of refusing the file.",
)
@click.option("--email", default=None, help="Who imports (for the activity log); default: none.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@with_appcontext
def import_command(
    kind: str, store_id: int, accept_partial: bool, email: str | None, file: str
) -> None:
    """Import a Seller Center export (CSV or XLSX) and print what it changed as JSON."""
    ensure_schema()
    store = get_by_id(Store, store_id)
    if store is None:
        raise BadArgument(f"--store-id: no store {store_id}")
    actor = None
    if email is not None:
        actor = User.by_email(email)
        if actor is None:
            raise BadArgument(f"--email: nobody has the address {email!r}")
    raw = {"kind": kind, "accept_partial": accept_partial}
    try:
        with open(file, "rb") as stream:
            summary = run_import(store, raw, stream, get_catalog(), actor, import_settings())
    except InputError as error:
        db.session.rollback()
        raise BadArgument(
            "; ".join(
                f"{file if e.field == 'file' else '--' + e.field}: {e.message}"
                for e in error.errors
            )
        ) from None
    except RuleError as error:
        db.session.rollback()
        raise BadArgument(f"{file}: {error.message}") from None
    db.session.commit()
    click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
