"""Gaps a review of the ASVS level 1 list found (issue 15, "Hardening to ASVS level 1").

Pages and API answers are not kept by browsers or proxies (a new token is shown once, a
link holds a one-time secret); a database file made by an older version, world-readable,
is narrowed to its owner with its WAL and shared-memory files; another store's pages
answer a member exactly as missing ones.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat

import pytest
from sqlalchemy import select

from tracker import create_app
from tracker.extensions import db
from tracker.tasks.models import Task


def test_pages_and_api_answers_are_not_cached_but_our_own_files_may_be(
    client, make_user, login, api_as
):
    manager = make_user()
    login(manager)
    for path in ("/my-tasks", "/account", "/people", "/no-such-page"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    made = client.post("/account", data={"name": "laptop"}, follow_redirects=True)
    assert made.headers.get("Cache-Control") == "no-store"  # the page showing the new token
    api = api_as(manager)
    assert api.get("/api/v1/stores").headers.get("Cache-Control") == "no-store"
    assert api.get("/api/v1/stores/999").headers.get("Cache-Control") == "no-store"
    assert client.post("/reset", data={"email": "x@example.com"}).headers["Cache-Control"] == (
        "no-store"
    )
    static = client.get("/static/tracker.css")
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"
    static.close()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_database_left_world_readable_by_an_older_version_is_narrowed_to_its_owner(tmp_path):
    path = tmp_path / "old" / "tracker.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as old:  # made by hand, 0644 with the usual umask
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE probe (x)")
        made = [p for p in path.parent.iterdir()]
        for file in made:
            file.chmod(0o644)
        assert {p.name for p in made} >= {path.name, f"{path.name}-wal", f"{path.name}-shm"}

        app = create_app(
            {"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
        )
        for file in made:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    with app.app_context():
        db.engine.dispose()


def test_a_member_gets_the_same_404_for_another_store_s_pages_as_for_missing_ones(
    client, make_user, make_store, login
):
    manager, member = make_user(), make_user("member")
    make_store(actor=manager, name="Mine", members=(member,))
    other = make_store(actor=manager, name="Theirs")
    task = db.session.scalars(select(Task).where(Task.store_id == other.id)).first()
    assert task is not None
    login(member)

    def said(path: str) -> tuple[int, str]:
        answer = client.get(path)
        text = re.sub(r"<[^>]*>", " ", answer.get_data(as_text=True))
        main = text.split("Not found", 1)[-1]
        return answer.status_code, re.sub(r"\b\d+\b", "N", re.sub(r"\s+", " ", main))

    for theirs, missing in (
        (f"/stores/{other.id}", "/stores/999999"),
        (f"/stores/{other.id}/activity", "/stores/999999/activity"),
        (f"/stores/{other.id}/readiness", "/stores/999999/readiness"),
        (f"/tasks/{task.id}", "/tasks/999999"),
    ):
        assert said(theirs) == said(missing), theirs
        assert said(theirs)[0] == 404
