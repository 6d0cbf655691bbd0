"""The front page."""

from __future__ import annotations

from flask import Blueprint, render_template

from tracker.planning import get_catalog

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """Show what the product does and which markets and models it knows."""
    return render_template("index.html", catalog=get_catalog())
