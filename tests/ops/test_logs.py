"""Logs: one line per request without secrets, JSON lines from real processes, bad settings."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pythonjsonlogger.json import JsonFormatter

from tracker import create_app
from tracker.config import ConfigError
from tracker.console import main
from tracker.ops.logs import logging_config

TRACKER = Path(sys.executable).with_name("tracker")


def _json_formatter() -> JsonFormatter:
    """The formatter TRACKER_LOG_FORMAT=json installs, built from the same settings."""
    settings = dict(logging_config("json", "info")["formatters"]["tracker"])
    settings.pop("()")
    return JsonFormatter(**settings)


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tracker.request"]


def test_each_request_is_one_line_with_method_path_status_and_time_but_no_secret(
    app, make_user, api_as, caplog
):
    manager = make_user()
    api = api_as(manager)
    secret = api.secret
    caplog.set_level(logging.INFO, logger="tracker.request")

    response = api.get("/api/v1/stores?token=from-a-link&page=2")

    assert response.status_code == 200
    [record] = _request_records(caplog)
    assert record.getMessage().startswith("GET /api/v1/stores 200 ")
    assert (record.method, record.path, record.status) == ("GET", "/api/v1/stores", 200)
    assert record.duration_ms >= 0 and record.user_id == manager.id
    line = _json_formatter().format(record)
    fields = json.loads(line)
    assert fields["logger"] == "tracker.request" and fields["level"] == "INFO"
    assert "\n" not in line
    assert secret not in line and "from-a-link" not in line and "page=2" not in line


def test_a_secret_in_the_path_is_masked(app, client, caplog):
    app.add_url_rule("/feeds/<token>.ics", "feed", lambda token: "feed")
    caplog.set_level(logging.INFO, logger="tracker.request")

    client.get("/feeds/s3cr3t-feed-token.ics")

    [record] = _request_records(caplog)
    assert record.path == "/feeds/[redacted].ics"
    assert "s3cr3t" not in record.getMessage()


def test_errors_and_early_answers_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO, logger="tracker.request")

    client.get("/api/v1/stores")  # refused before any view runs: no token
    client.get("/no/such/page")

    statuses = [(r.path, r.status) for r in _request_records(caplog)]
    assert statuses == [("/api/v1/stores", 401), ("/no/such/page", 404)]
    assert all(r.duration_ms is not None for r in _request_records(caplog))


def test_a_healthy_health_check_is_logged_at_debug_level_only(client, caplog):
    caplog.set_level(logging.DEBUG, logger="tracker.request")

    client.get("/healthz")

    [record] = _request_records(caplog)
    assert record.levelno == logging.DEBUG and record.path == "/healthz"


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(database_url, caplog):
    caplog.set_level(logging.INFO, logger="tracker.request")
    for proxies, expected in (("0", "127.0.0.1"), ("1", "203.0.113.9")):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "TRACKER_TRUSTED_PROXIES": proxies,
            }
        )
        caplog.clear()
        app.test_client().get(
            "/no/such/page",
            headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        [record] = _request_records(caplog)
        assert record.remote_addr == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRACKER_LOG_FORMAT", "xml", "TRACKER_LOG_FORMAT must be one of text, json, got 'xml'"),
        ("TRACKER_LOG_LEVEL", "loud", "TRACKER_LOG_LEVEL must be one of debug, info, warning"),
        ("TRACKER_TRUSTED_PROXIES", "two", "TRACKER_TRUSTED_PROXIES must be a whole number"),
        ("TRACKER_SCHEDULER_STALE_SECONDS", "0", "TRACKER_SCHEDULER_STALE_SECONDS must be from 1"),
    ],
)
def test_a_bad_deployment_setting_is_refused_by_name(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "logs-secret-key-0123456789abcdef0123")
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_the_command_line_refuses_a_bad_log_format_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_LOG_FORMAT", "yaml")
    root_handlers = list(logging.getLogger().handlers)

    with pytest.raises(SystemExit) as stopped:
        main(["routes"])

    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "Error: TRACKER_LOG_FORMAT must be one of text, json, got 'yaml'\n"
    )
    assert logging.getLogger().handlers == root_handlers  # nothing was set up


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRACKER_", "FLASK_")) and k not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.sqlite3'}",
        SECRET_KEY="logs-secret-key-0123456789abcdef0123",
        TRACKER_SCHEDULER="off",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


def _json_lines(output: str) -> list[dict[str, Any]]:
    lines = [line for line in output.splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\nin:\n{output}")
    return parsed


def test_a_scheduler_process_logs_json_lines_only_from_its_first_migration_on(tmp_path):
    # The SQLite database is new, so the scheduler runs the migrations first: Alembic's own
    # logging set-up must not turn the rest back into text.
    env = _env(
        tmp_path, TRACKER_LOG_FORMAT="json", TRACKER_LOG_LEVEL="debug", TRACKER_TICK_SECONDS="0.2"
    )
    log = tmp_path / "scheduler.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(TRACKER), "scheduler"],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and log.read_text().count('"tick ') < 2:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    records = _json_lines(log.read_text())
    assert {"time", "level", "logger", "process", "message"} <= set(records[0])
    messages = [r["message"] for r in records]
    assert any(m.startswith("scheduler ") and "ticking every 0.2 s" in m for m in messages)
    ticks = [r for r in records if r["logger"] == "tracker.scheduler.tick"]
    assert len(ticks) >= 2 and ticks[0]["level"] == "DEBUG"
    assert {"claimed", "sent", "failed", "duration_ms", "scheduler"} <= set(ticks[0])
    assert messages[-1].endswith("stopped")
