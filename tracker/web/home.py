"""The front page: first run, the way in, or straight to the day's work."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

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
