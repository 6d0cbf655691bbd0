"""The deployment files: ``gunicorn.conf.py``, and the examples in ``deploy/`` name only what
exists and start the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import create_app
from tracker.config import ConfigError
from tracker.ops.serving import gunicorn_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "tracker.env.example"


def _example() -> dict[str, str]:
    values = {}
    for line in EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_the_example_environment_names_only_settings_the_app_reads():
    source = "\n".join(
        path.read_text() for path in [*(ROOT / "tracker").rglob("*.py"), ROOT / "gunicorn.conf.py"]
    )

    unknown = [name for name in _example() if f'"{name}"' not in source]

    assert unknown == []


def test_the_example_environment_refuses_to_start_until_its_secret_key_is_made(monkeypatch):
    for name, value in _example().items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="SECRET_KEY is a placeholder") as refused:
        create_app()
    assert "secrets.token_hex(32)" in str(refused.value)  # and says how to make one


@pytest.mark.parametrize(
    "key", ["x", "short-but-not-a-placeholder", "Change-Me-Please-0123456789abcdef"]
)
def test_a_short_or_placeholder_secret_key_is_refused_in_one_line(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY") as refused:
        create_app()
    assert "\n" not in str(refused.value)


def test_the_example_environment_starts_the_app_and_gunicorn(monkeypatch):
    example = _example() | {"SECRET_KEY": "a3f1" * 16}  # as the example says to make one
    for name, value in example.items():
        monkeypatch.setenv(name, value)

    app = create_app()
    settings = gunicorn_settings(example)

    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://tracker:")
    assert app.config["SECRET_KEY"] == example["SECRET_KEY"]
    assert app.config["TRACKER_SCHEDULER"] == "off"
    assert app.config["TRACKER_TRUSTED_PROXIES"] == 1
    assert settings["bind"] == ["127.0.0.1:8000"] and settings["workers"] == 5
    assert settings["logconfig_dict"]["formatters"]["tracker"]["()"].endswith("JsonFormatter")


def test_the_systemd_units_run_what_the_project_has_with_the_example_environment():
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    units = {path.name: path.read_text() for path in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"tracker-web.service", "tracker-scheduler@.service"}
    for text in units.values():
        assert "EnvironmentFile=/etc/tracker/tracker.env" in text
    assert "/etc/tracker/tracker.env" in EXAMPLE.read_text()

    web = re.search(r"^ExecStart=(\S+) -c (\S+)$", units["tracker-web.service"], re.M)
    scheduler = re.search(r"^ExecStart=(\S+) (\S+)$", units["tracker-scheduler@.service"], re.M)

    assert web and web[1].endswith("/.venv/bin/gunicorn")
    assert (ROOT / Path(web[2]).name).is_file()  # /srv/tracker/gunicorn.conf.py: this checkout's
    assert scheduler and scheduler[1].endswith("/.venv/bin/tracker")
    assert scheduler[2] in app.cli.commands


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRACKER_WEB_WORKERS", "lots", "TRACKER_WEB_WORKERS must be a whole number, got 'lots'"),
        (
            "DATABASE_URL",
            "mysql://u@h/db",
            "DATABASE_URL: 'mysql' is not supported; use PostgreSQL",
        ),
    ],
)
def test_gunicorn_refuses_a_bad_setting_in_one_line_before_any_worker_starts(
    tmp_path, name, value, message
):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TRACKER_") and k not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(SECRET_KEY="deploy-secret-key-0123456789abcdef01", **{name: value})
    result = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1 and "Booting worker" not in result.stdout
