"""tracker: operations checklist and task tracker for TikTok Shop sellers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from tracker.config import PROJECT_ROOT, build_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application; read the environment only when no config is given."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(build_config(Path(app.instance_path), config))

    from tracker import cli, i18n, ops, schema, web
    from tracker.api import views as api
    from tracker.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    schema.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    ops.init_app(app)
    cli.init_app(app)
    app.extensions["tracker_smtp"] = _check_smtp(app)
    return app


def _check_smtp(app: Flask) -> object:
    """Refuse a bad SMTP setting at start, naming it."""
    from tracker.config import ConfigError
    from tracker.reminders.channels import SmtpSettings

    try:
        return SmtpSettings.from_environ(app.config.get("TRACKER_SMTP") or {})
    except ValueError as error:
        raise ConfigError(str(error)) from None
