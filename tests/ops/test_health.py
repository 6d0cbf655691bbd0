"""``GET /healthz``: the database answers, and when each scheduler last ticked."""

from __future__ import annotations

import logging
from datetime import timedelta

from tracker import create_app
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.scheduler.models import SchedulerTick


def _tick(name: str, ago: timedelta) -> None:
    db.session.add(SchedulerTick(name=name, ticked_at=utcnow() - ago))
    db.session.commit()


def test_health_needs_no_login_and_reports_each_schedulers_last_tick(client):
    _tick("web-1:101", timedelta(seconds=4))
    _tick("web-2:202", timedelta(seconds=20))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    report = response.get_json()
    assert report["status"] == "ok" and report["reasons"] == []
    assert report["database"]["ok"] is True
    scheduler = report["scheduler"]
    assert [p["name"] for p in scheduler["processes"]] == ["web-1:101", "web-2:202"]
    assert 3 <= scheduler["seconds_since_last_tick"] < 10
    assert scheduler["last_tick_at"] == scheduler["processes"][0]["ticked_at"]
    assert scheduler["last_tick_at"].endswith("Z")
    assert 19 <= scheduler["processes"][1]["seconds_ago"] < 30
    assert not any(p["stale"] for p in scheduler["processes"])
    assert scheduler["in_process"] is False  # the test app does not tick


def test_a_scheduler_silent_for_too_long_is_degraded_but_the_web_still_answers_200(client):
    _tick("gone:1", timedelta(minutes=10))

    response = client.get("/healthz")

    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "degraded"
    assert "no scheduler has ticked for 600" in report["reasons"][0]
    assert report["scheduler"]["stale_after_seconds"] == 120
    assert report["scheduler"]["processes"][0]["stale"] is True


def test_no_scheduler_ever_is_degraded(client):
    report = client.get("/healthz").get_json()

    assert report["status"] == "degraded"
    assert report["reasons"] == ["no scheduler has ever ticked: start `tracker scheduler`"]
    assert report["scheduler"]["last_tick_at"] is None


def test_only_recent_processes_are_listed_and_one_fresh_scheduler_is_enough(client):
    _tick("restarted-long-ago:7", timedelta(days=3))
    _tick("old-but-listed:8", timedelta(hours=5))
    _tick("alive:9", timedelta(seconds=1))

    report = client.get("/healthz").get_json()

    assert report["status"] == "ok"
    names = [(p["name"], p["stale"]) for p in report["scheduler"]["processes"]]
    assert names == [("alive:9", False), ("old-but-listed:8", True)]


def test_the_stale_limit_is_a_setting(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TRACKER_SCHEDULER_STALE_SECONDS": "5",
        }
    )
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        _tick("slow:1", timedelta(seconds=30))
        report = app.test_client().get("/healthz").get_json()
        db.session.remove()
        db.engine.dispose()
    assert report["status"] == "degraded"
    assert report["scheduler"]["stale_after_seconds"] == 5


def test_a_database_that_does_not_answer_is_503_with_the_reason_not_500(caplog):
    # Nothing listens on port 1: the connection is refused at once.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql://tracker:hunter2@127.0.0.1:1/tracker",
        }
    )
    with caplog.at_level(logging.ERROR, logger="tracker.ops.health"):
        response = app.test_client().get("/healthz")

    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "unavailable"
    assert report["database"] == {"ok": False}
    assert report["reasons"] == ["the database does not answer (OperationalError)"]
    # Where the database lives is for the operator's log, never for the caller.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "the database does not answer" in caplog.text and "hunter2" not in caplog.text


def test_an_unreadable_sqlite_file_is_503_too(tmp_path):
    folder = tmp_path / "not-a-database"
    folder.mkdir()  # a folder where the file should be: SQLite cannot open it
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}"}
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_a_database_without_the_schema_answers_but_is_degraded(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        }
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "degraded"
    assert report["reasons"] == ["cannot read the scheduler's ticks: is the schema current?"]


def test_health_reports_dead_and_stuck_reminders_and_the_oldest_due_one(client, make_user):
    from sqlalchemy import insert

    from tracker.reminders.models import Reminder

    _tick("web-1:101", timedelta(seconds=1))
    person = make_user()
    now = utcnow()

    def reminder(key: str, **values) -> dict:
        row = {
            "key": key,
            "user_id": person.id,
            "channel_id": None,
            "kind": "due_soon",
            "subject": key,
            "text": key,
            "payload": {},
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        return row | values

    db.session.execute(
        insert(Reminder),
        [
            reminder("waiting", next_attempt_at=now - timedelta(hours=1)),
            reminder("dead", state="dead", attempts=8),
            reminder("stuck", state="sending", attempts=1, lease_until=now - timedelta(minutes=10)),
            reminder("later", next_attempt_at=now + timedelta(hours=1)),
        ],
    )
    db.session.commit()

    report = client.get("/healthz").get_json()

    outbox = report["outbox"]
    assert outbox["dead"] == 1 and outbox["stuck"] == 1
    assert 3590 <= outbox["oldest_due_seconds"] < 3700
    assert report["status"] == "degraded"
    assert any("oldest due reminder has waited" in reason for reason in report["reasons"])
    assert any("stuck" in reason for reason in report["reasons"])
