"""Logging a live from the store's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required

from tracker.catalog import get_catalog
from tracker.errors import InputError, RuleError, number_or_text, whole_number_or_text
from tracker.extensions import db
from tracker.i18n.seeds import task_title
from tracker.lives.hot_videos import log_hot_video
from tracker.lives.services import log_live
from tracker.stores.access import store_for
from tracker.web.feedback import refusal
from tracker.web.session import current_user
from tracker.web.stores import render_plan

bp = Blueprint("lives", __name__)


@bp.post("/stores/<int:store_id>/lives")
@login_required
def log(store_id: int) -> Any:
    """Log a live: when it started (store's time) and how long it ran."""
    store = store_for(current_user, store_id)
    raw: dict[str, Any] = {
        "started_at": request.form.get("started_at", ""),
        "minutes": whole_number_or_text(request.form.get("minutes", "")),
        "note": request.form.get("note", ""),
    }
    gmv = request.form.get("gmv", "").strip()
    if gmv:
        raw["gmv"] = number_or_text(gmv)
    try:
        live = log_live(store, raw, get_catalog(), current_user)
    except (InputError, RuleError) as error:
        return render_plan(store, refusal(error, "lives", request.form))
    else:
        db.session.commit()
        flash(
            ngettext(
                "Live of %(num)d minute logged.", "Live of %(num)d minutes logged.", live.minutes
            ),
            "success",
        )
    return redirect(url_for("stores.plan", store_id=store_id) + "#lives")


@bp.post("/stores/<int:store_id>/hot-videos")
@login_required
def hot_video(store_id: int) -> Any:
    """A video took off: create the take-over live task now and tell the live team."""
    store = store_for(current_user, store_id)
    try:
        _, tasks = log_hot_video(
            store, {"url": request.form.get("url", "")}, get_catalog(), current_user
        )
    except (InputError, RuleError) as error:
        return render_plan(store, refusal(error, "hot-video", request.form))
    db.session.commit()
    urgent = tasks[0]
    if urgent.assignee is not None:
        told = gettext(
            "“%(title)s” is due within hours; %(person)s has been told.",
            title=task_title(urgent),
            person=urgent.assignee.display_name,
        )
    else:
        told = gettext(
            "“%(title)s” is due within hours; nobody is assigned yet, so the managers have "
            "been told: give it to whoever goes live.",
            title=task_title(urgent),
        )
    flash(told, "success")
    return redirect(url_for("tasks.detail", task_id=tasks[0].id))
