"""Logs: every record to stderr, as text or as one JSON object per line, and one line per request.

Logging is set up by the process that runs the app (the ``tracker`` script, ``wsgi.py``,
gunicorn's master through ``gunicorn.conf.py``), never by ``create_app``: an app built in a
test or a shell leaves the process's logging alone.
"""

from __future__ import annotations

import logging
import logging.config
import os
import re
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import inspect

from tracker.config import log_settings

REQUEST_LOG = logging.getLogger("tracker.request")
# dictConfig names each handler after its key: this one marks logging as ours, and set up.
HANDLER_NAME = "tracker"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
# The health check is polled every few seconds; a healthy answer is logged at debug level.
HEALTH_PATH = "/healthz"
# URL parts whose value must never reach a log: feed tokens and the like.
SECRET_ARGUMENTS = ("token", "secret")


class WerkzeugRequestLines(logging.Filter):
    """Drop the development server's own request lines: ours replace them, without query strings."""

    pattern = re.compile(r'^\S+ - - \[[^\]]*\] "')

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.match(str(record.msg))


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` for the whole process, gunicorn's loggers included."""
    if log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "process", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {HANDLER_NAME: formatter},
        "filters": {"werkzeug_requests": {"()": WerkzeugRequestLines}},
        "handlers": {
            HANDLER_NAME: {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": HANDLER_NAME,
            }
        },
        "root": {"level": level.upper(), "handlers": [HANDLER_NAME]},
        "loggers": {
            # gunicorn's own messages (start, workers booting, timeouts) go the same way.
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            # gunicorn's access line holds the query string; the app writes a safe one instead.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "werkzeug": {"filters": ["werkzeug_requests"]},
            # APScheduler notes every job run at info level; our tick line says more.
            "apscheduler.executors": {"level": "WARNING"},
            # As migrations/alembic.ini has it: a migration run says only what went wrong.
            "alembic": {"level": "WARNING"},
            "sqlalchemy.engine": {"level": "WARNING"},
        },
    }


def logging_configured() -> bool:
    """Tell whether this process's logging was set up by ``configure_logging``."""
    return any(handler.name == HANDLER_NAME for handler in logging.getLogger().handlers)


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Set up the process's logging from TRACKER_LOG_FORMAT and TRACKER_LOG_LEVEL, once."""
    log_format, level = log_settings(os.environ if environ is None else environ)
    if logging_configured():  # e.g. a gunicorn worker, set up by its master before the fork
        return
    logging.config.dictConfig(logging_config(log_format, level))
    logging.captureWarnings(True)


def init_app(app: Flask) -> None:
    """Log one line per request: method, path without its query, status, time taken."""
    # First of the before-request functions, so that one answering early is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request(_log_request)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    level = (
        logging.DEBUG
        if request.path == HEALTH_PATH and response.status_code == 200
        else logging.INFO
    )
    if not REQUEST_LOG.isEnabledFor(level):
        return response
    started = g.pop("request_started", None)
    milliseconds = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = loggable_path()
    user = g.get("api_user") or g.get("_login_user")
    REQUEST_LOG.log(
        level,
        "%s %s %s %s ms",
        request.method,
        path,
        response.status_code,
        milliseconds,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": milliseconds,
            "remote_addr": request.remote_addr,
            "user_id": _identity(user),
        },
    )
    return response


def _identity(user: Any) -> Any:
    """The person's id without touching the database: after a commit it may be gone."""
    state = inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)
    return identity[0] if identity else getattr(user, "id", None)


def loggable_path() -> str:
    """The request's path with secret URL parts masked; the query string is never logged."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if any(part in name.lower() for part in SECRET_ARGUMENTS) and str(value):
            path = path.replace(str(value), "[redacted]")
    return path
