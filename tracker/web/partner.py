"""Connecting a store to its TikTok Shop: off to the platform's authorisation and back."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext
from flask_login import login_required

from tracker.auth.access import require_manager
from tracker.errors import RuleError
from tracker.extensions import db
from tracker.partner.client import PartnerClient, PartnerError
from tracker.partner.services import (
    PendingAuthorisation,
    check_return,
    connect_store,
    disconnect_store,
    start_authorisation,
)
from tracker.partner.settings import partner_config, partner_problem, partner_settings
from tracker.partner.tokens import TokenBox
from tracker.stores.access import store_for
from tracker.web.feedback import flash_refusal
from tracker.web.session import current_user

bp = Blueprint("partner", __name__)
SESSION_KEY = "partner_authorisation"


def _client() -> PartnerClient | None:
    config = partner_config()
    if config is None:
        flash(gettext("TikTok Shop is not configured: %(why)s", why=partner_problem()), "error")
        return None
    return PartnerClient(config, partner_settings().endpoints)


@bp.post("/stores/<int:store_id>/partner/connect")
@login_required
def connect(store_id: int) -> Any:
    """Send a manager to TikTok Shop to authorise the app for this store's shop."""
    store = store_for(current_user, store_id)
    require_manager(current_user)
    client = _client()
    if client is None:
        return redirect(url_for("stores.plan", store_id=store.id))
    url, pending = start_authorisation(store, current_user, client)
    session[SESSION_KEY] = pending.to_json()
    return redirect(url)


@bp.get("/partner/callback")
@login_required
def callback() -> Any:
    """Come back from TikTok Shop: check the state, exchange the code, keep the tokens."""
    require_manager(current_user)
    pending = PendingAuthorisation.from_json(session.pop(SESSION_KEY, None))
    try:
        store_id = check_return(pending, request.args.get("state", ""), current_user)
    except RuleError as error:
        flash_refusal(error)
        return redirect(url_for("stores.list_stores"))
    store = store_for(current_user, store_id)
    client = _client()
    config = partner_config()
    if client is None or config is None:
        return redirect(url_for("stores.plan", store_id=store.id))
    if request.args.get("error") or not request.args.get("code"):
        flash(gettext("TikTok Shop did not authorise the app; nothing was changed."), "error")
        return redirect(url_for("stores.plan", store_id=store.id))
    try:
        connection = connect_store(
            store, request.args["code"], current_user, client, TokenBox(config)
        )
    except RuleError as error:
        flash_refusal(error)
        return redirect(url_for("stores.plan", store_id=store.id))
    except PartnerError as error:
        db.session.rollback()
        flash(gettext("TikTok Shop could not be reached: %(why)s", why=str(error)), "error")
        return redirect(url_for("stores.plan", store_id=store.id))
    db.session.commit()
    flash(
        gettext(
            "Connected TikTok Shop %(shop)s: orders come in at the next sync.",
            shop=connection.shop_name or connection.shop_id,
        ),
        "success",
    )
    return redirect(url_for("stores.plan", store_id=store.id))


@bp.post("/stores/<int:store_id>/partner/disconnect")
@login_required
def disconnect(store_id: int) -> Any:
    """Forget the store's TikTok Shop tokens; the orders already brought in stay."""
    store = store_for(current_user, store_id)
    require_manager(current_user)
    disconnect_store(store, current_user)
    db.session.commit()
    flash(gettext("Disconnected TikTok Shop."), "success")
    return redirect(url_for("stores.plan", store_id=store.id))
