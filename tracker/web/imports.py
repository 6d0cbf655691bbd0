"""The store's data page: upload a Seller Center export, see what it changed, map unmatched SKUs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from tracker.auth.access import require_manager
from tracker.catalog import get_catalog
from tracker.clock import local_today
from tracker.errors import InputError, RuleError, whole_number_or_text
from tracker.extensions import db
from tracker.imports.models import KINDS
from tracker.imports.services import latest_imports, map_skus, run_import, stale_since
from tracker.imports.settings import import_settings
from tracker.stockup.services import product_lines
from tracker.stores.access import store_for
from tracker.stores.health import ShopHealth
from tracker.stores.models import Store
from tracker.web.feedback import flash_refusal
from tracker.web.session import current_user

bp = Blueprint("imports", __name__)


def _page(store: Store, **context: Any) -> str:
    health = db.session.scalars(ShopHealth.latest_of(store.id)).first()
    latest = latest_imports(store)
    orders = latest.get("orders")
    unmatched = orders.summary.get("unmatched_skus", []) if orders else []
    lines = product_lines(store)
    mapped = {sku for line in lines for sku in line.skus or ()}
    return render_template(
        "imports/page.html",
        store=store,
        kinds=KINDS,
        latest=latest,
        health=health,
        lines=lines,
        unmatched=[
            row
            for row in unmatched
            if row.get("seller_sku") not in mapped and row.get("sku_id") not in mapped
        ],
        stale=stale_since(store, import_settings(), local_today(store.zone)),
        **({"summary": None, "error": None} | context),
    )


@bp.get("/stores/<int:store_id>/imports")
@login_required
def page(store_id: int) -> str:
    """Show the store's imported data: when, shop health, SKUs no line has yet."""
    store = store_for(current_user, store_id)
    return _page(store)


@bp.post("/stores/<int:store_id>/imports")
@login_required
def upload(store_id: int) -> Any:
    """Import an uploaded export (managers); show what it changed, or why it was refused."""
    store = store_for(current_user, store_id)
    require_manager(current_user)
    raw = {
        "kind": request.form.get("kind", ""),
        "accept_partial": request.form.get("accept_partial") == "on",
    }
    upload = request.files.get("file")
    stream = upload.stream if upload is not None and upload.filename else None
    try:
        summary = run_import(store, raw, stream, get_catalog(), current_user, import_settings())
    except (InputError, RuleError) as error:
        db.session.rollback()
        return _page(store, error=error), 400
    db.session.commit()
    return _page(store, summary=summary)


@bp.post("/stores/<int:store_id>/imports/skus")
@login_required
def map_unmatched(store_id: int) -> Any:
    """Give unmatched SKUs to product lines once; their sales are worked out again."""
    store = store_for(current_user, store_id)
    mapping: dict[str, int] = {}
    for name, value in request.form.items():
        if name.startswith("sku:") and value.strip():
            line_id = whole_number_or_text(value)
            if isinstance(line_id, int):
                mapping[name.removeprefix("sku:")] = line_id
    try:
        summary = map_skus(store, mapping, get_catalog(), current_user, import_settings())
    except InputError as error:
        flash_refusal(error)
        return redirect(url_for("imports.page", store_id=store.id))
    db.session.commit()
    flash(
        gettext("%(count)s SKUs given to their lines.", count=len(mapping)),
        "success",
    )
    return _page(store, summary=summary)
