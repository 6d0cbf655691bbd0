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

    from tracker import i18n, schema, web
    from tracker.accounts import views as account_views
    from tracker.api import views as api_views
    from tracker.auth import cli as auth_cli
    from tracker.auth import views as auth_views
    from tracker.calendar import views as calendar_views
    from tracker.cli import playbook as planning_cli
    from tracker.extensions import csrf, db, login_manager, migrate
    from tracker.i18n import views as i18n_views
    from tracker.lives import views as live_views
    from tracker.main import views as main_views
    from tracker.ops import init_app as init_ops
    from tracker.readiness import views as readiness_views
    from tracker.reminders import cli as reminder_cli
    from tracker.reminders import views as reminder_views
    from tracker.stockup import views as stockup_views
    from tracker.stores import views as store_views
    from tracker.tasks import cli as task_cli  # noqa: F401 - adds `plan refresh`
    from tracker.tasks import views as task_views

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    schema.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    init_ops(app)

    app.register_blueprint(main_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(store_views.bp)
    app.register_blueprint(task_views.bp)
    app.register_blueprint(reminder_views.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(live_views.bp)
    app.register_blueprint(stockup_views.bp)
    app.register_blueprint(readiness_views.bp)
    app.register_blueprint(calendar_views.bp)
    app.register_blueprint(i18n_views.bp)
    app.register_blueprint(api_views.bp)
    csrf.exempt(api_views.bp)

    planning_cli.register(app)
    auth_cli.register(app)
    reminder_cli.register(app)
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
