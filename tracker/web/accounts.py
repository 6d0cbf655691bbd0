"""Binding and unbinding a store's accounts from its page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import login_required

from tracker.accounts.services import register_account, unbind_account
from tracker.catalog import get_catalog
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.i18n.labels import label
from tracker.stores.access import store_for
from tracker.web.feedback import flash_refusal, refusal
from tracker.web.session import current_user
from tracker.web.stores import render_plan

bp = Blueprint("accounts", __name__)


@bp.post("/stores/<int:store_id>/accounts")
@login_required
def bind(store_id: int) -> Any:
    """Bind an account to the store, if the market's rule allows it."""
    store = store_for(current_user, store_id)
    raw = {k: v for k, v in request.form.items() if k in ("handle", "kind", "entity", "bound_on")}
    try:
        account = register_account(store, raw, get_catalog(), current_user)
    except (InputError, RuleError) as error:
        return render_plan(store, refusal(error, "accounts", request.form))
    else:
        db.session.commit()
        flash(
            gettext(
                "@%(handle)s is bound as the store's %(kind)s account.",
                handle=account.handle,
                kind=label(account.kind, "account"),
            ),
            "success",
        )
    return redirect(url_for("stores.plan", store_id=store_id) + "#accounts")


@bp.post("/stores/<int:store_id>/accounts/<int:account_id>/unbind")
@login_required
def unbind(store_id: int, account_id: int) -> Any:
    """Record that an account was unbound."""
    store = store_for(current_user, store_id)
    try:
        account = unbind_account(store, account_id, request.form, get_catalog(), current_user)
    except (InputError, RuleError) as error:
        flash_refusal(error)
    else:
        db.session.commit()
        flash(gettext("@%(handle)s is unbound.", handle=account.handle), "info")
    return redirect(url_for("stores.plan", store_id=store_id) + "#accounts")
