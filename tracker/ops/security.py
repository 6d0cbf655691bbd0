"""What every answer carries for the browser's protection, cookies that stay put, a body limit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import RequestEntityTooLarge

from tracker.errors import error_response

# Scripts only from our own files (htmx is served from static/): no inline script, no eval,
# no framing. Inline style attributes are allowed: the templates use a few, and a style
# cannot run code.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
# Endpoints whose answers are the same for everyone and may be cached (they set their own).
PUBLIC_FILES = frozenset({"static", "main.favicon"})


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure when TRACKER_SECURE_COOKIES is on or the request came
    over HTTPS (directly, or through a trusted proxy that says so: see TRACKER_TRUSTED_PROXIES).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Set the cookie, lifetime and body-size settings; add the security headers."""
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SECURE"] = app.config["TRACKER_SECURE_COOKIES"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=app.config["TRACKER_SESSION_DAYS"])
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["TRACKER_MAX_BODY_BYTES"])
    app.config["MAX_FORM_MEMORY_SIZE"] = int(app.config["TRACKER_MAX_BODY_BYTES"])
    app.session_interface = HttpsAwareSessionInterface()

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config["TRACKER_SECURE_COOKIES"] or request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages and API answers hold a person's data (a new token is shown once, a link holds a
        # one-time secret): no browser or proxy keeps a copy. Our own files may be cached.
        if request.endpoint not in PUBLIC_FILES:
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Any:
        """Refuse a body over the limit before reading it, in the one error shape."""
        limit = app.config["MAX_CONTENT_LENGTH"]
        message = f"the request body is larger than the limit of {limit} bytes"
        if request.path.startswith("/api/"):
            return error_response(413, "too_large", message)
        return Response(message + "\n", status=413, mimetype="text/plain")
