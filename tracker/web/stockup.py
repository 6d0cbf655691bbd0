"""The stock-up planner page: product lines, and for each coming peak how much and by when."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from tracker.catalog import get_catalog
from tracker.clock import local_today
from tracker.errors import InputError, number_or_text, whole_number_or_text
from tracker.extensions import db
from tracker.plans.stock_up import change_product_line, remove_product_line
from tracker.stockup.services import plan_stock_up, product_lines
from tracker.stores.access import store_for
from tracker.web.session import current_user

bp = Blueprint("stockup", __name__)
_WHOLE = ("current_stock", "safety_days", "lead_time_days", "production_days")


@bp.get("/stores/<int:store_id>/stock-up")
@login_required
def page(store_id: int) -> str:
    """Show each line's stock-up for each coming peak: quantity, order-, ship- and arrive-by."""
    store = store_for(current_user, store_id)
    catalog = get_catalog()
    today = local_today(store.zone)
    return render_template(
        "stockup/page.html",
        store=store,
        catalog=catalog,
        today=today,
        plan=plan_stock_up(store, catalog, today),
        lines=product_lines(store),
        errors=None,
        form={},
    )


@bp.post("/stores/<int:store_id>/stock-up")
@login_required
def save(store_id: int) -> Any:
    """Add a product line, or change one (``line_id``); the plan's stock-up tasks follow."""
    store = store_for(current_user, store_id)
    catalog = get_catalog()
    form = request.form
    raw: dict[str, Any] = {}
    for name in ("name", "freight_mode"):
        if form.get(name, "").strip():
            raw[name] = form[name].strip()
    for name in _WHOLE:
        if form.get(name, "").strip():
            raw[name] = whole_number_or_text(form[name])
    if form.get("daily_sales", "").strip():
        raw["daily_sales"] = number_or_text(form["daily_sales"])
    if "skus" in form:  # Seller SKUs or SKU IDs, separated by commas or spaces
        raw["skus"] = [sku for sku in form["skus"].replace(",", " ").split() if sku]
    line_id = whole_number_or_text(form.get("line_id", "")) or None
    if "line_id" in form:
        # An edited line sends every field: an emptied one goes back to the default.
        for name in (*_WHOLE[1:], "freight_mode"):
            if name in form and not form[name].strip():
                raw[name] = None
    uplift = {
        name.partition(".")[2]: whole_number_or_text(value)
        for name, value in form.items()
        if name.startswith("uplift_percent.") and value.strip()
    }
    if uplift:
        raw["uplift_percent"] = uplift
    try:
        line, _ = change_product_line(
            store, raw, catalog, current_user, line_id=line_id if isinstance(line_id, int) else None
        )
    except InputError as error:
        db.session.rollback()
        today = local_today(store.zone)
        return render_template(
            "stockup/page.html",
            store=store,
            catalog=catalog,
            today=today,
            plan=plan_stock_up(store, catalog, today),
            lines=product_lines(store),
            errors=error,
            form=form,
        ), 400
    db.session.commit()
    flash(
        gettext("Saved %(line)s; the plan's stock-up dates follow it.", line=line.name), "success"
    )
    return redirect(url_for("stockup.page", store_id=store.id))


@bp.post("/stores/<int:store_id>/stock-up/<int:line_id>/delete")
@login_required
def delete(store_id: int, line_id: int) -> Any:
    """Remove a product line; the plan's stock-up tasks follow the lines left."""
    store = store_for(current_user, store_id)
    line = remove_product_line(store, line_id, get_catalog(), current_user)
    db.session.commit()
    flash(gettext("Removed %(line)s from the planner.", line=line.name), "success")
    return redirect(url_for("stockup.page", store_id=store.id))
