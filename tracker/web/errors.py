"""Error pages: what went wrong, in the reader's language; JSON for the API's addresses."""

from __future__ import annotations

from typing import Any

from flask import Flask, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from tracker.errors import NotAllowed, NotFound, error_response, text_problem
from tracker.extensions import db
from tracker.i18n.text import localize
from tracker.playbook.phrases import phrase
from tracker.web.feedback import field_message


def init_app(app: Flask) -> None:
    """Register the error pages and refuse NUL characters in any field."""

    @app.before_request
    def refuse_nul_characters() -> Any:
        """No text field may hold a NUL character (PostgreSQL cannot store one) or a lone
        surrogate (no database can: Werkzeug decodes bad UTF-8 to U+FFFD, but be sure)."""
        for source in (request.args, request.form):
            for name, value in source.items(multi=True):
                problem = text_problem(name) or text_problem(value)
                if problem is not None:
                    return _bad_input(name if text_problem(name) is None else "body", problem)
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

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> Any:
        """A write that still found SQLite locked after its turn: 503, try again.

        Every request's work is committed once, at its end, so nothing of it was saved,
        except where ``_PARTLY_SAVED`` says what to say instead.
        """
        if "database is locked" not in str(error.orig):
            raise error  # anything else stays a server error
        db.session.rollback()
        answer = make_response(
            _error_page(
                503,
                "busy",
                _l("The tracker is busy"),
                _PARTLY_SAVED.get(
                    request.endpoint or "", _l("Nothing was saved. Try again in a few seconds.")
                ),
            )
        )
        answer.headers["Retry-After"] = "5"
        return answer

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


# Requests that commit part of their work before the write that may find SQLite busy, and
# what their busy page says instead of "Nothing was saved". (Readiness pages keep their
# scores best effort and are never refused as busy; imports commit once, all or nothing.)
_PARTLY_SAVED = {
    # The try is counted (and committed) before the password is checked; the result is not.
    "auth.login": _l("You are not logged in. Try again in a few seconds."),
}


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


def _bad_input(field: str, message: Any) -> Any:
    if request.path.startswith("/api/"):
        return error_response(400, "invalid", f"{field}: {message}", field)
    return _error_page(
        400,
        "check_what_you_sent",
        _l("Check what you sent"),
        field_message(field, message),
    )


def _message(error: Any, default: Any) -> Any:
    if isinstance(error, NotFound | NotAllowed) and error.args:
        return error.args[0]  # the Phrase itself: str(error) would keep only its English
    return default


def _error_page(status: int, code: str, title: Any, message: Any) -> tuple[str, int]:
    if request.path.startswith("/api/"):  # the API answers its own errors as JSON, in English
        return error_response(status, code, str(message))  # type: ignore[return-value]
    return render_template(
        "error.html", title=str(title), message=localize(message), status=status
    ), status
