"""The pages: one blueprint per area, and what every page shares (the person, error pages)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Flask, flash, g, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from tracker.auth.models import User
from tracker.columns import get_by_id
from tracker.errors import InputError, NotAllowed, NotFound, RuleError
from tracker.extensions import db, login_manager
from tracker.i18n.labels import field_label
from tracker.i18n.text import localize
from tracker.playbook.phrases import phrase


def init_app(app: Flask) -> None:
    """Register the pages, the template helpers and the error pages."""
    from tracker.web import (
        accounts,
        auth,
        calendar,
        home,
        language,
        lives,
        readiness,
        reminders,
        stockup,
        stores,
        tasks,
    )

    for area in (home, auth, stores, tasks, reminders, accounts, lives, stockup, readiness):
        app.register_blueprint(area.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(language.bp)
    app.jinja_env.globals["current_year"] = lambda: date.today().year
    app.jinja_env.globals["unread_reminders"] = _unread_reminders
    app.jinja_env.globals["tz"] = ZoneInfo

    @app.before_request
    def refuse_nul_characters() -> Any:
        """No text field may hold a NUL character (PostgreSQL cannot store one)."""
        for source in (request.args, request.form):
            for name, value in source.items(multi=True):
                if "\x00" in value:
                    return _bad_input(name, phrase("contains a NUL character"))
        return None

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(error: Any) -> tuple[str, int]:
        return _error_page(
            404,
            "not_found",
            _l("Not found"),
            _message(error, _l("There is nothing at this address.")),
        )

    @app.errorhandler(NotAllowed)
    @app.errorhandler(403)
    def not_allowed(error: Any) -> tuple[str, int]:
        return _error_page(
            403, "not_allowed", _l("Not allowed"), _message(error, _l("You may not see this page."))
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return _error_page(
            400,
            "the_form_expired",
            _l("The form expired"),
            phrase(
                "Reload the page and send the form again. %(why)s",
                why=_CSRF_REASONS.get(error.description, error.description),
            ),
        )

    @app.errorhandler(405)
    def wrong_method(error: Any) -> Any:
        page = _error_page(
            405,
            "not_possible_here",
            _l("Not possible here"),
            _l("This address does not accept that request."),
        )
        # RFC 9110: a 405 lists the methods the address does accept.
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or ()))
        return (*page, {"Allow": allowed}) if allowed else page


# Flask-WTF's reasons for refusing a form, said as phrases a page can translate.
_CSRF_REASONS = {
    "The CSRF token is missing.": phrase("The CSRF token is missing."),
    "The CSRF token has expired.": phrase("The CSRF token has expired."),
    "The CSRF token is invalid.": phrase("The CSRF token is invalid."),
    "The CSRF tokens do not match.": phrase("The CSRF tokens do not match."),
    "The CSRF session token is missing.": phrase("The CSRF session token is missing."),
    "The referrer header is missing.": phrase("The referrer header is missing."),
    "The referrer does not match the host.": phrase("The referrer does not match the host."),
}


def field_message(field: str, message: Any) -> str:
    """Say what is wrong with a field, in the page's language ("opened_on: …")."""
    return gettext("%(field)s: %(message)s", field=field_label(field), message=localize(message))


def flash_refusal(error: InputError | RuleError) -> None:
    """Undo the attempt and say, on the next page, what was refused: each bad field, or the rule."""
    db.session.rollback()
    if isinstance(error, InputError):
        for item in error.errors:
            flash(field_message(item.field, item.message), "error")
    else:
        flash(localize(error.message), "error")


def safe_next(target: str | None) -> str | None:
    """Only follow a ``next`` that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _bad_input(field: str, message: str) -> Any:
    if request.path.startswith("/api/"):
        from tracker.errors import error_response

        return error_response(400, "invalid", f"{field}: {message}", field)
    return _error_page(
        400,
        "check_what_you_sent",
        _l("Check what you sent"),
        field_message(field, message),
    )


def _unread_reminders() -> int:
    """The logged-in person's unread inbox count, worked out once per request."""
    if "unread_reminders" not in g:
        from tracker.reminders.services import unread_count

        g.unread_reminders = unread_count(current_user) if current_user.is_authenticated else 0
    return g.unread_reminders


def _message(error: Any, default: Any) -> Any:
    if isinstance(error, NotFound | NotAllowed) and error.args:
        return error.args[0]  # the Phrase itself: str(error) would keep only its English
    return default


def _error_page(status: int, code: str, title: Any, message: Any) -> tuple[str, int]:
    if request.path.startswith("/api/"):  # the API answers its own errors as JSON, in English
        from tracker.errors import error_response

        return error_response(status, code, str(message))  # type: ignore[return-value]
    return render_template(
        "error.html", title=str(title), message=localize(message), status=status
    ), status


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = get_by_id(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None
