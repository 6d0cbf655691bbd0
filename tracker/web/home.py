"""The front page: first run, the way in, or straight to the day's work."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for

from tracker.auth.services import has_users
from tracker.catalog import get_catalog
from tracker.web.session import current_user

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> Any:
    """Send a new install to first-run set-up, a logged-in person to My tasks."""
    if not has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("tasks.my_tasks"))
    return render_template("index.html", catalog=get_catalog())


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Serve the app's icon where browsers look for it on every page."""
    return send_from_directory(
        current_app.static_folder or "", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
