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
    )
    app.config.from_mapping(build_config(Path(app.instance_path), config))

    from tracker.main import views as main_views
    from tracker.planning import cli as planning_cli

    app.register_blueprint(main_views.bp)
    planning_cli.register(app)
    return app
