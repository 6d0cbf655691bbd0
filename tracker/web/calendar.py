"""The calendar feed itself (no login: the address is the key) and the forms that manage it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, gettext
from flask_login import login_required

from tracker.calendar import services
from tracker.calendar.ics import feed_calendar
from tracker.calendar.models import CalendarFeed
from tracker.catalog import get_catalog
from tracker.clock import utcnow
from tracker.config import absolute_url
from tracker.extensions import db
from tracker.i18n import recipient_locale
from tracker.stores.access import store_for
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.web.session import current_user

bp = Blueprint("calendar", __name__)


@bp.app_template_global()
def live_calendar_feed(user: Any = None, store: Store | None = None) -> CalendarFeed | None:
    """The live feed of a person or a store, for the pages that manage it."""
    return services.live_feed(user=user, store=store)


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    """Serve a person's or a store's open tasks and peaks as an iCalendar feed."""
    found = services.feed_for_secret(token)
    if found is None:
        # The same answer for a secret that never existed, a revoked one and a
        # deactivated person's: nothing tells them apart.
        return Response("Not found\n", 404, mimetype="text/plain", headers=_PRIVATE)
    unassigned = request.args.get("unassigned")
    now = utcnow()
    catalog = get_catalog()
    # A calendar app has no language to ask for: the feed speaks its owner's (a store's
    # feed, the language of the manager who made it).
    with force_locale(recipient_locale(found.user or found.created_by)):
        contents = services.feed_contents(
            found,
            catalog,
            include_unassigned=None if unassigned is None else unassigned != "0",
            now=now,
        )
        # UIDs name the installation, not whichever Host header a client or proxy sent.
        host = urlsplit(current_app.config["TRACKER_BASE_URL"]).hostname or "localhost"
        body = feed_calendar(contents, catalog, host=host, task_url=_task_url, now=now)
    # Commit the last use only now: a commit expires the rows the calendar was made from.
    db.session.commit()
    return Response(body, 200, content_type="text/calendar; charset=utf-8", headers=_PRIVATE)


# The address is a secret: no shared cache may keep the answer, and clients ask again.
_PRIVATE = {"Cache-Control": "private, no-cache", "X-Robots-Tag": "noindex"}


def _task_url(task: Task) -> str:
    return absolute_url(f"/tasks/{task.id}")


def _feed_urls(secret: str) -> dict[str, str]:
    https = absolute_url(f"/calendar/{secret}.ics")
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@bp.post("/account/calendar")
@login_required
def issue_own() -> str:
    """Give the person a new calendar feed address (the old one stops) and show it once."""
    replaced = services.live_feed(user=current_user) is not None
    _, secret = services.issue_person_feed(current_user)
    db.session.commit()
    return render_template(
        "calendar/issued.html",
        urls=_feed_urls(secret),
        replaced=replaced,
        whose=gettext("your tasks"),
        back=url_for("auth.account"),
        back_label=gettext("Back to your account"),
        person_feed=True,
        unassigned_default=services.unassigned_by_default(current_user),
    )


@bp.post("/account/calendar/revoke")
@login_required
def revoke_own() -> Any:
    """Revoke the person's calendar feed address."""
    if services.revoke_person_feed(current_user):
        flash(gettext("Your calendar feed is revoked: its address no longer answers."), "info")
    else:
        flash(gettext("You had no calendar feed to revoke."), "info")
    db.session.commit()
    return redirect(url_for("auth.account"))


@bp.post("/stores/<int:store_id>/calendar")
@login_required
def issue_store(store_id: int) -> str:
    """Give the store a new calendar feed address (the old one stops) and show it once."""
    store = store_for(current_user, store_id)
    replaced = services.live_feed(store=store) is not None
    _, secret = services.issue_store_feed(store, current_user)
    db.session.commit()
    return render_template(
        "calendar/issued.html",
        urls=_feed_urls(secret),
        replaced=replaced,
        whose=gettext("the tasks of %(store)s", store=store.name),
        back=url_for("stores.plan", store_id=store.id),
        back_label=gettext("Back to %(store)s", store=store.name),
        person_feed=False,
    )


@bp.post("/stores/<int:store_id>/calendar/revoke")
@login_required
def revoke_store(store_id: int) -> Any:
    """Revoke the store's calendar feed address (managers only)."""
    store = store_for(current_user, store_id)
    if services.revoke_store_feed(store, current_user):
        flash(
            gettext(
                "The calendar feed of %(store)s is revoked: its address no longer answers.",
                store=store.name,
            ),
            "info",
        )
    else:
        flash(gettext("%(store)s had no calendar feed to revoke.", store=store.name), "info")
    db.session.commit()
    return redirect(url_for("stores.plan", store_id=store.id))
