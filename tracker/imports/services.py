"""One way in for the seller's own data: check the input, read the file, record what it did.

The page, the API and ``tracker import`` call ``run_import``; it flushes and
never commits, so a refused file leaves nothing behind once the caller rolls
back. Raw files are not kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Select, func, select

from tracker.activity.services import log_activity
from tracker.auth.models import User
from tracker.errors import InputError, load_input
from tracker.extensions import db
from tracker.imports.followers import import_followers
from tracker.imports.lives import import_lives
from tracker.imports.models import ImportRun
from tracker.imports.orders import import_orders, recount_orders
from tracker.imports.schemas import ImportNew
from tracker.imports.settings import ImportSettings
from tracker.imports.summary import ImportSummary
from tracker.imports.tables import Refused
from tracker.plans.stock_up import change_product_line
from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import phrase
from tracker.readiness.queries import DataFreshness
from tracker.stockup.services import product_lines
from tracker.stores.models import Store

IMPORTERS = {"orders": import_orders, "lives": import_lives, "followers": import_followers}


def run_import(
    store: Store,
    raw: Mapping[str, Any],
    stream: IO[bytes] | None,
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    now: datetime | None = None,
) -> ImportSummary:
    """Import one export into the store; a file that cannot be read is refused naming the place.

    ``raw`` holds ``kind`` and ``accept_partial``; ``stream`` is the file, seekable.
    """
    values = load_input(ImportNew(), dict(raw))
    if stream is None:
        raise InputError.one("file", phrase("is required: choose the export file"))
    kind = values["kind"]
    try:
        summary = IMPORTERS[kind](
            store,
            stream,
            catalog,
            actor,
            settings,
            accept_partial=values["accept_partial"],
            now=now,
        )
    except Refused as refused:
        raise InputError.one("file", refused.said()) from None
    as_of = summary.extra.get("data_as_of")
    db.session.add(
        ImportRun(
            store_id=store.id,
            kind=kind,
            data_as_of=date.fromisoformat(as_of) if as_of else None,
            summary=summary.to_json(),
            created_by=actor,
        )
    )
    log_activity(
        store.id,
        actor,
        "imported",
        phrase(
            "Imported %(kind)s export: %(used)s of %(rows)s rows used, %(changes)s changes.",
            kind=kind,
            used=summary.used,
            rows=summary.rows,
            changes=len(summary.changes),
        ),
    )
    db.session.flush()
    return summary


def map_skus(
    store: Store,
    mapping: Mapping[str, int],
    catalog: Catalog,
    actor: User | None,
    settings: ImportSettings,
    *,
    now: datetime | None = None,
) -> ImportSummary:
    """Give unmatched SKUs to product lines, once; the lines' daily sales are worked out again."""
    lines = {line.id: line for line in product_lines(store)}
    for sku, line_id in mapping.items():
        line = lines.get(line_id)
        if line is None:
            raise InputError.one(sku, phrase("no product line %(id)s on this store", id=line_id))
        skus = [*(line.skus or ()), sku]
        change_product_line(store, {"skus": skus}, catalog, actor, line_id=line.id, now=now)
    return recount_orders(store, catalog, actor, settings, now=now)


def stale_since(store: Store, settings: ImportSettings, today: date) -> date | None:
    """The newest day the store's imported data covers, when that is older than allowed."""
    newest = newest_data_days(select(Store.id).where(Store.id == store.id)).get(store.id)
    if newest is None or (today - newest).days <= settings.stale_after_days:
        return None
    return newest


def newest_data_days(store_ids: Select[Any]) -> dict[int, date]:
    """The newest day each store's imported data covers (stores with no import left out)."""
    rows = db.session.execute(
        select(ImportRun.store_id, func.max(ImportRun.data_as_of))
        .where(ImportRun.store_id.in_(store_ids), ImportRun.data_as_of.is_not(None))
        .group_by(ImportRun.store_id)
    )
    return {store_id: newest for store_id, newest in rows if newest is not None}


def data_freshness(settings: ImportSettings) -> DataFreshness:
    """What readiness needs to say how old each store's imported data is."""
    return DataFreshness(newest_data_days, settings.stale_after_days)


def order_count_imported_as_of(store: Store) -> date | None:
    """The newest day of the orders import the store's order count comes from; None: typed."""
    run = db.session.scalars(
        select(ImportRun)
        .where(ImportRun.store_id == store.id, ImportRun.kind == "orders")
        .order_by(ImportRun.id.desc())
        .limit(1)
    ).first()
    if run is None or store.orders_to_date is None:
        return None
    # A typed figure higher than the export's count stays (docs/imports.md): then it is typed.
    return run.data_as_of if run.summary.get("orders_imported") == store.orders_to_date else None


def latest_imports(store: Store) -> dict[str, ImportRun]:
    """The newest import of each kind for the store."""
    runs = db.session.scalars(
        select(ImportRun)
        .where(ImportRun.store_id == store.id)
        .order_by(ImportRun.id.desc())
        .limit(50)
    )
    latest: dict[str, ImportRun] = {}
    for run in runs:
        latest.setdefault(run.kind, run)
    return latest
