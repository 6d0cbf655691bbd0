"""Entry points: the ``tracker`` console script (a Flask CLI group over ``create_app``), and
the start-up check gunicorn runs.

Every bad argument ends as one line on stderr and exit status 2, never a
traceback: click's usage errors, our own validation and configuration errors
alike.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, run_command, shell_command, with_appcontext
from sqlalchemy.exc import OperationalError

from tracker import create_app
from tracker.config import ConfigError, base_url
from tracker.ops.logs import configure_logging
from tracker.playbook.seeds import SeedError
from tracker.schema import SchemaNotCurrent, ensure_schema

cli = FlaskGroup(
    name="tracker",
    create_app=create_app,
    add_default_commands=False,
    help="Operations checklist and task tracker for TikTok Shop sellers.",
)


@click.pass_context
@with_appcontext
def _run(ctx: click.Context, **options: Any) -> None:
    ensure_schema()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _link_to_where_served(app, options)
    # The embedded default ticks in this process; the reloader's parent only watches files.
    reloader_parent = options.get("reload") and os.environ.get("WERKZEUG_RUN_MAIN") != "true"
    if app.config["TRACKER_SCHEDULER"] == "on" and not reloader_parent:
        from tracker.scheduler.tick import build_scheduler

        build_scheduler(app, blocking=False).start()
    ctx.invoke(run_command, **options)


def _link_to_where_served(app: Flask, options: dict[str, Any]) -> None:
    """Without TRACKER_BASE_URL, the links this process sends (reminders, e-mails, calendar
    feeds) point where it serves, not to the default port where nothing may answer. Served
    on every interface, the address others use is unknown: the links work on this machine
    and the note says to set it."""
    if app.config["TRACKER_BASE_URL_GIVEN"]:
        return
    host = options.get("host") or "127.0.0.1"
    everywhere = host in ("0.0.0.0", "::")
    if everywhere:
        host = "127.0.0.1"
    scheme = "https" if options.get("cert") else "http"
    shown = f"[{host}]" if ":" in host else host
    served = base_url(f"{scheme}://{shown}:{options.get('port') or 5000}")
    if served == app.config["TRACKER_BASE_URL"] and not everywhere:
        return
    app.config["TRACKER_BASE_URL"] = served
    if everywhere:
        click.echo(
            f"Note: TRACKER_BASE_URL is not set, so links in reminders, e-mails and calendar "
            f"feeds point to {served}, which opens on this machine only: serving on every "
            f"interface, set it to the address people open the app at.",
            err=True,
        )
        return
    click.echo(
        f"Links in reminders, e-mails and calendar feeds point to {served}. Other tracker "
        f"commands (an invitation's link, a `tracker scheduler`) need TRACKER_BASE_URL={served}.",
        err=True,
    )


cli.add_command(
    click.Command(
        "run",
        callback=_run,
        params=run_command.params,
        help="Bring the embedded database to the current schema, start the in-process scheduler "
        "(unless TRACKER_SCHEDULER=off), then serve the app.",
    )
)
cli.add_command(shell_command)
cli.add_command(routes_command)


@click.command("openapi")
@with_appcontext
def openapi_command() -> None:
    """Print the API's OpenAPI description (JSON), as GET /api/v1/openapi.json answers it."""
    from tracker.api.openapi import openapi_spec

    click.echo(json.dumps(openapi_spec(current_app._get_current_object()), indent=1))  # type: ignore[attr-defined]


cli.add_command(openapi_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI, turning every bad-input error into one line and exit 2."""
    try:
        configure_logging()
        result = cli.main(args=argv, prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        click.echo(f"Error: {_one_line(error.format_message())}", err=True)
        sys.exit(error.exit_code)
    except (ConfigError, SeedError) as error:
        click.echo(f"Error: {_one_line(str(error))}", err=True)
        sys.exit(2)
    except SchemaNotCurrent as error:
        click.echo(f"Error: {_one_line(str(error))}", err=True)
        sys.exit(1)
    except OperationalError as error:
        message = str(error.orig) if error.orig is not None else str(error)
        click.echo(f"Error: cannot use the database: {_one_line(message)}", err=True)
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def check_app() -> None:
    """Build the app and read the seeds once, so that a bad setting or seed stops the start here.

    The workers are forked from this process afterwards and find the parsed seeds in memory.
    """
    from tracker.catalog import get_catalog

    try:
        app = create_app()
        with app.app_context():
            get_catalog()
    except SeedError as error:
        raise ConfigError(str(error)) from None
