"""What every page shares: the logged-in person, date wording, and error pages."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, flash, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from tracker.auth.models import User
from tracker.db import db, get_by_id
from tracker.errors import InputError, NotAllowed, NotFound, RuleError
from tracker.extensions import login_manager
from tracker.planning.render import relative_due


def init_app(app: Flask) -> None:
    """Register the template helpers and the error pages."""
    app.jinja_env.filters["relative_due"] = _relative_due
    app.jinja_env.filters["when"] = lambda instant: (
        instant.strftime("%Y-%m-%d %H:%M UTC") if instant else ""
    )
    app.jinja_env.globals["current_year"] = lambda: date.today().year
    app.jinja_env.globals["unread_reminders"] = _unread_reminders
    app.jinja_env.globals["tz"] = ZoneInfo

    @app.before_request
    def refuse_nul_characters() -> Any:
        """No text field may hold a NUL character (PostgreSQL cannot store one)."""
        for source in (request.args, request.form):
            for name, value in source.items(multi=True):
                if "\x00" in value:
                    return _bad_input(name, "contains a NUL character")
        return None

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(error: Any) -> tuple[str, int]:
        return _error_page(404, "Not found", _message(error, "There is nothing at this address."))

    @app.errorhandler(NotAllowed)
    @app.errorhandler(403)
    def not_allowed(error: Any) -> tuple[str, int]:
        return _error_page(403, "Not allowed", _message(error, "You may not see this page."))

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError) -> tuple[str, int]:
        return _error_page(
            400, "The form expired", "Reload the page and send the form again. " + error.description
        )

    @app.errorhandler(405)
    def wrong_method(error: Any) -> Any:
        page = _error_page(405, "Not possible here", "This address does not accept that request.")
        # RFC 9110: a 405 lists the methods the address does accept.
        allowed = ", ".join(sorted(getattr(error, "valid_methods", None) or ()))
        return (*page, {"Allow": allowed}) if allowed else page


def flash_refusal(error: InputError | RuleError) -> None:
    """Undo the attempt and say, on the next page, what was refused: each bad field, or the rule."""
    db.session.rollback()
    if isinstance(error, InputError):
        for item in error.errors:
            flash(f"{item.field}: {item.message}", "error")
    else:
        flash(error.message, "error")


def _bad_input(field: str, message: str) -> Any:
    if request.path.startswith("/api/"):
        from tracker.api.errors import error_response

        return error_response(400, "invalid", f"{field}: {message}", field)
    return _error_page(400, "Check what you sent", f"{field}: {message}")


def _unread_reminders() -> int:
    """The logged-in person's unread inbox count, worked out once per request."""
    if "unread_reminders" not in g:
        from tracker.reminders.services import unread_count

        g.unread_reminders = unread_count(current_user) if current_user.is_authenticated else 0
    return g.unread_reminders


def _message(error: Any, default: str) -> str:
    return str(error) if isinstance(error, NotFound | NotAllowed) else default


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    if request.path.startswith("/api/"):  # the API answers its own errors as JSON
        from tracker.api.errors import error_response

        return error_response(status, title.lower().replace(" ", "_"), message)  # type: ignore[return-value]
    return render_template("error.html", title=title, message=message, status=status), status


def _relative_due(due_on: date, today: date) -> str:
    return relative_due(due_on, today)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        user = get_by_id(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None
