"""Running the app for real: the health check, the logs and the gunicorn settings."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Add the health check, the request log and the proxy headers."""
    from tracker.ops import health, logs, security

    app.register_blueprint(health.bp)
    logs.init_app(app)
    security.init_app(app)
    proxies = app.config["TRACKER_TRUSTED_PROXIES"]
    if proxies:
        # Only the client address and the scheme: a proxy that does not set X-Forwarded-Host
        # passes the client's own through, so trusting it would let anyone pick our host name.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
