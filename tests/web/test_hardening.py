"""ASVS level 1 hardening the browser and the server see: headers, cookies, body size, files."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tracker import create_app
from tracker.extensions import db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_page_forbids_framing_inline_script_and_sniffing(client):
    answer = client.get("/login")
    policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    script = re.search(r"script-src ([^;]*)", policy)
    assert script is not None and "'unsafe-inline'" not in script[1] and "eval" not in script[1]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in answer.headers  # plain HTTP: no HSTS


def test_no_template_has_inline_script_or_event_handlers():
    """The policy forbids inline script, so none may be left for it to break."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match[0]:
                found.append(f"{path.name}: {match[0]}")
        found += [f"{path.name}: {m[0]}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        found += [f"{path.name}: {m[0]}" for m in re.finditer(r"hx-on|javascript:", text)]
    assert found == []


def test_the_session_cookie_is_lax_and_http_only_and_secure_over_https(client, make_user):
    user = make_user("member")
    plain = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = plain.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie
    client.post("/logout")
    secure = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        base_url="https://tracker.example.com",
    )
    assert "Secure" in secure.headers["Set-Cookie"]
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secure_cookies_and_hsts_can_be_forced_for_a_proxy_that_says_nothing(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'secure.sqlite3'}",
            "TRACKER_SECURE_COOKIES": "1",
        }
    )
    with app.app_context():
        db.create_all()
    answer = app.test_client().get("/login")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.app_context():
        db.engine.dispose()


def test_a_session_lasts_as_long_as_the_setting_says(app, make_user, monkeypatch):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=14)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=1)
    user = make_user("member")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/my-tasks").status_code == 200
    later = __import__("time").time() + 2 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.get("/my-tasks").status_code == 302  # to the login page


def test_a_body_over_the_limit_is_refused_with_413_in_the_error_shape(app, make_user, api_as):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    api = api_as(make_user())
    body = json.dumps({"name": "x" * (100 * 1024)})
    answer = api.post("/api/v1/stores", data=body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.get_json()["error"]["code"] == "too_large"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_sqlite_database_and_its_journal_files_are_owner_only(tmp_path, make_user):
    path = tmp_path / "owner-only" / "tracker.sqlite3"
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    )
    with app.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.exec_driver_sql("CREATE TABLE probe (x)")
            made = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
            assert {p.name for p in made} >= {path.name, f"{path.name}-wal"}
            for file in made:
                assert stat.S_IMODE(file.stat().st_mode) & 0o077 == 0, file
        db.engine.dispose()
