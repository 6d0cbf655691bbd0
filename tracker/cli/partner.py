"""``tracker partner``: the TikTok Shop Partner API for operators (sync a store now, status)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.cli.playbook import BadArgument
from tracker.columns import get_by_id
from tracker.extensions import db
from tracker.faults import describe
from tracker.partner.models import PartnerConnection
from tracker.partner.services import connection_of
from tracker.partner.settings import partner_config, partner_problem
from tracker.partner.sync import SyncBusy, sync_store, sync_tools
from tracker.schema import ensure_schema
from tracker.stores.models import Store

partner_group = AppGroup("partner", help="The TikTok Shop Partner API: sync a store, see status.")


class SyncFailed(click.ClickException):
    """The platform or the network failed the sync: one line, exit status 1."""

    exit_code = 1


def _connected_store(store_id: int) -> Store:
    if partner_config() is None:
        raise BadArgument(partner_problem() or "the TikTok Shop Partner API is not configured")
    store = get_by_id(Store, store_id)
    if store is None:
        raise BadArgument(f"--store-id: no store {store_id}")
    connection = connection_of(store)
    if connection is None:
        raise BadArgument(
            f"--store-id: store {store_id} is not connected to TikTok Shop "
            "(a manager connects it on the store page)"
        )
    if not connection.connected:
        raise BadArgument(
            f"--store-id: store {store_id}'s TikTok Shop authorisation was withdrawn "
            f"({connection.revoked_reason}); a manager connects it again on the store page"
        )
    return store


@partner_group.command("sync")
@click.option("--store-id", required=True, type=int, help="The connected store to sync.")
def sync_command(store_id: int) -> None:
    """Sync a connected store's orders now (resuming a pass under way); print what it did."""
    ensure_schema()
    store = _connected_store(store_id)
    tools = sync_tools()
    try:
        report = sync_store(store.id, tools)
    except SyncBusy as error:
        raise SyncFailed(str(error)) from None
    except Exception as error:  # noted on the store's connection; said in one line here
        db.session.rollback()
        raise SyncFailed(f"store {store_id}: the sync failed: {describe(error)}") from None
    click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))


@partner_group.command("status")
def status_command() -> None:
    """Print each connected store's TikTok Shop state and sync cursor as JSON."""
    ensure_schema()
    rows = db.session.scalars(select(PartnerConnection).order_by(PartnerConnection.store_id)).all()
    click.echo(
        json.dumps(
            {
                "configured": partner_config() is not None,
                "problem": partner_problem() if partner_config() is None else None,
                "stores": [
                    {
                        "store_id": row.store_id,
                        "shop": row.shop_name or row.shop_id,
                        "state": row.state,
                        "last_synced_at": row.last_synced_at.isoformat()
                        if row.last_synced_at
                        else None,
                        "mid_pass": row.mid_pass,
                        "failures": row.failures,
                        "last_error": row.last_error,
                    }
                    for row in rows
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
