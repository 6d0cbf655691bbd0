"""The app factory and its configuration, as CONTRACT.md fixes them."""

from __future__ import annotations

import pytest

from tracker import create_app
from tracker.config import ConfigError


def test_front_page_says_what_the_product_does(client, make_user):
    make_user()  # past first run, a visitor who is not logged in sees the front page
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Self-operated (POP)" in text and "Fully managed" in text


def test_scheduler_is_off_when_testing_and_on_by_default(tmp_path):
    testing = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert testing.config["TRACKER_SCHEDULER"] == "off"
    default = create_app({"SECRET_KEY": "x"})
    assert default.config["TRACKER_SCHEDULER"] == "on"


def test_a_bad_scheduler_setting_is_refused_by_name():
    with pytest.raises(ConfigError, match="TRACKER_SCHEDULER must be 'on' or 'off', got 'maybe'"):
        create_app({"TRACKER_SCHEDULER": "maybe", "SECRET_KEY": "x"})


def test_environment_is_read_when_no_config_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment-0123456789abcdef")
    monkeypatch.setenv("TRACKER_SCHEDULER", "off")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["SECRET_KEY"] == "from-the-environment-0123456789abcdef"
    assert app.config["TRACKER_SCHEDULER"] == "off"


def test_a_generated_secret_key_is_kept_across_restarts(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"TESTING": True})
    second = create_app({"TESTING": True})
    assert first.config["SECRET_KEY"] and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]


def test_a_bad_database_url_is_refused_by_name():
    with pytest.raises(ConfigError, match="DATABASE_URL: cannot read 'nonsense'"):
        create_app({"SQLALCHEMY_DATABASE_URI": "nonsense", "SECRET_KEY": "x"})
    with pytest.raises(ConfigError, match="'mysql' is not supported"):
        create_app({"SQLALCHEMY_DATABASE_URI": "mysql://u@h/db", "SECRET_KEY": "x"})


def test_an_sqlite_too_old_for_the_tracker_is_refused_at_start_with_what_to_do(
    monkeypatch, tmp_path
):
    # Python links whatever SQLite the system has (Ubuntu 20.04: 3.31). The tracker writes
    # with RETURNING (SQLite 3.35): an older one failed on the first reminder queued, and
    # named 999 values at most a statement (a manager's 1,000 stores).
    monkeypatch.setattr("sqlite3.sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr("sqlite3.sqlite_version", "3.31.1")
    with pytest.raises(ConfigError, match=r"SQLite 3\.31\.1 is too old.*3\.35 or newer"):
        create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite3", "SECRET_KEY": "x"}
        )
    # PostgreSQL does not care which SQLite Python has.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db", "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_a_plain_postgresql_url_uses_psycopg_3():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql://u@h/db", "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRACKER_TICK_SECONDS", "soon", "TRACKER_TICK_SECONDS must be a number, got 'soon'"),
        ("TRACKER_REMINDER_MAX_ATTEMPTS", "0", "TRACKER_REMINDER_MAX_ATTEMPTS must be from 1"),
        ("TRACKER_SMTP_PORT", "smtp", "TRACKER_SMTP_PORT"),
    ],
)
def test_a_bad_reminder_setting_in_the_environment_is_refused_by_name(
    monkeypatch, name, value, message
):
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRACKER_SMTP_HOST", "localhost")
    monkeypatch.setenv("SECRET_KEY", "app-test-secret-key-0123456789abcdef")
    with pytest.raises(ConfigError, match=message):
        create_app()
