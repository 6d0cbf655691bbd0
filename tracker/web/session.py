"""Who is reading: the logged-in person, typed, and what every page shows about them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask_login
from flask import Flask, g, url_for
from markupsafe import Markup, escape

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.extensions import login_manager
from tracker.playbook.zones import UTC_NAME, usable_zone
from tracker.reminders.services import UNREAD_SHOWN, unread_count

# The logged-in person (a proxy, as Flask-Login's): pages only run behind @login_required,
# so to them it is always a User.
current_user = cast(User, flask_login.current_user)


def init_app(app: Flask) -> None:
    """Give templates the year, the reader's unread count and time zones."""
    app.jinja_env.globals["current_year"] = lambda: date.today().year
    app.jinja_env.globals["unread_reminders"] = _unread_reminders
    app.jinja_env.globals["tz"] = zone_of
    app.jinja_env.globals["zone_fallback"] = _zone_fallback
    app.jinja_env.globals["person_options"] = person_options
    app.jinja_env.globals["row_link"] = row_link


def zone_of(name: str | None) -> ZoneInfo:
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


# Stands for the id while a row's link is built once per request (no real id is this large).
_ID_MARK = 987654321987


def row_link(endpoint: str, show_store: bool = False, **ids: int) -> str:
    """``url_for(endpoint, **ids)`` for a task row (``show_store`` kept), built once a request.

    A list of 300 rows asks for five links a row; each is the same address but for its id,
    so the address is routed once with a mark in the id's place and filled in after.
    """
    ((name, ident),) = ids.items()
    parts = row_link_parts(endpoint, name, show_store)
    if len(parts) != 2:  # the mark showed up elsewhere too: route this one in full
        values: dict[str, Any] = {name: ident, "show_store": "1" if show_store else None}
        return url_for(endpoint, **values)
    return f"{parts[0]}{int(ident)}{parts[1]}"


def row_link_parts(endpoint: str, name: str, show_store: bool) -> list[str]:
    """A row link's address split where its id ``name`` goes (see :func:`row_link`)."""
    kept: dict[tuple[str, str, bool], list[str]] = g.setdefault("_row_links", {})
    parts = kept.get((endpoint, name, show_store))
    if parts is None:
        values: dict[str, Any] = {name: _ID_MARK, "show_store": "1" if show_store else None}
        built = url_for(endpoint, **values)
        parts = kept[endpoint, name, show_store] = built.split(str(_ID_MARK))
    return parts


def person_options(people: Sequence[User], selected_id: int | None) -> Markup:
    """The ``<option>`` of each person, ``selected_id``'s selected: a task row's "who" list.

    Every row of a list offers the same people (a manager's list: everyone, 100 or more),
    so each option is escaped once per request and a row only joins them.
    """
    kept: dict[int, tuple[Sequence[User], list[tuple[int, Markup, Markup]]]] = g.setdefault(
        "_person_options", {}
    )
    found = kept.get(id(people))
    if found is None or found[0] is not people:
        pieces = []
        for person in people:
            name = escape(person.display_name)
            pieces.append(
                (
                    person.id,
                    Markup('<option value="%s" >%s</option>') % (person.id, name),
                    Markup('<option value="%s" selected>%s</option>') % (person.id, name),
                )
            )
        found = kept[id(people)] = (people, pieces)  # the list is kept: its id stays its own
    return Markup("").join(on if ident == selected_id else off for ident, off, on in found[1])


def _unread_reminders() -> str:
    """What the inbox badge says: the logged-in person's unread count ("" for none, "99+"
    past ``UNREAD_SHOWN``), worked out once per request."""
    if "unread_reminders" not in g:
        count = unread_count(current_user) if current_user.is_authenticated else 0
        g.unread_reminders = (
            f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count) if count else ""
        )
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
