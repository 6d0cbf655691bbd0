"""The language switcher of the logged-out pages (login, first run): a cookie remembers it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, request, url_for

from tracker.auth.services import choose_locale
from tracker.errors import InputError
from tracker.extensions import db
from tracker.i18n.locales import LOCALE_COOKIE
from tracker.web.feedback import flash_refusal, safe_next
from tracker.web.session import current_user

bp = Blueprint("i18n", __name__)
# A year: the choice outlives the session, as a logged-in person's does.
COOKIE_SECONDS = 365 * 24 * 3600


@bp.post("/language")
def choose_language() -> Any:
    """Speak the chosen language from now on (empty: follow the browser)."""
    back = safe_next(request.form.get("next")) or url_for("main.index")
    raw = request.form.get("locale", "")
    try:
        if current_user.is_authenticated:
            chosen = choose_locale(current_user, raw)
            db.session.commit()
        else:
            chosen = choose_locale(None, raw)
    except InputError as error:
        flash_refusal(error)
        return redirect(back)
    response = redirect(back)
    if chosen:
        response.set_cookie(
            LOCALE_COOKIE,
            chosen,
            max_age=COOKIE_SECONDS,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure,
        )
    else:
        response.delete_cookie(LOCALE_COOKIE)
    return response
