"""Who is reading: the logged-in person, typed, and what every page shows about them."""

from __future__ import annotations

from datetime import date
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask_login
from flask import Flask, g

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.extensions import login_manager
from tracker.playbook.zones import UTC_NAME, usable_zone
from tracker.reminders.services import unread_count

# The logged-in person (a proxy, as Flask-Login's): pages only run behind @login_required,
# so to them it is always a User.
current_user = cast(User, flask_login.current_user)


def init_app(app: Flask) -> None:
    """Give templates the year, the reader's unread count and time zones."""
    app.jinja_env.globals["current_year"] = lambda: date.today().year
    app.jinja_env.globals["unread_reminders"] = _unread_reminders
    app.jinja_env.globals["tz"] = _zone
    app.jinja_env.globals["zone_fallback"] = _zone_fallback


def _zone(name: str | None) -> ZoneInfo:
    """A store's or person's zone for a page, as the services read it; UTC when even
    zoneinfo cannot open it (a name tzdata dropped), so that the page still shows."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC_NAME)


def _zone_fallback() -> str | None:
    """The reader's stored zone when pages cannot use it (they show UTC), else None."""
    if not current_user.is_authenticated:
        return None
    zone = current_user.timezone
    return zone if usable_zone(zone) != zone else None


def _unread_reminders() -> int:
    """The logged-in person's unread inbox count, worked out once per request."""
    if "unread_reminders" not in g:
        g.unread_reminders = unread_count(current_user) if current_user.is_authenticated else 0
    return g.unread_reminders


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person of a session cookie, while the session's version is still theirs."""
    user_id, _, version = session_id.partition(":")
    try:
        user = get_by_id(User, int(user_id))
        issued_for = int(version)
    except ValueError:
        return None  # includes cookies from before session versions: log in again
    if user is None or not user.active or user.session_version != issued_for:
        return None
    return user
