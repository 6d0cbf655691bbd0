"""Team accounts on the pages: People (invite, role, deactivate), password change and reset, log."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import link_url, request_reset
from tracker.extensions import db

NEW = "a brand new passphrase"


def _browser(app: Any, user: User, password: str = PASSWORD) -> Any:
    browser = app.test_client()
    assert (
        browser.post("/login", data={"email": user.email, "password": password}).status_code == 302
    )
    return browser


def test_a_manager_deactivates_a_person_whose_session_and_tokens_stop(app, make_user, api_as):
    boss, person = make_user("manager"), make_user("member")
    theirs = _browser(app, person)
    api = api_as(person)
    assert api.get("/api/v1/stores").status_code == 200
    people = _browser(app, boss)
    page = people.post(f"/people/{person.id}/deactivate", follow_redirects=True)
    assert "is deactivated" in page.get_data(as_text=True)
    assert theirs.get("/my-tasks").status_code == 302
    assert api.get("/api/v1/stores").status_code == 401
    assert people.post(f"/people/{person.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).active


def test_a_manager_changes_a_role_and_cannot_demote_the_last_manager(app, make_user):
    boss, person = make_user("manager"), make_user("member")
    people = _browser(app, boss)
    people.post(f"/people/{person.id}/role", data={"role": "manager"})
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "manager"
    people = _browser(app, boss)  # (a new role ends sessions of that person only)
    people.post(f"/people/{person.id}/deactivate")
    refused = people.post(f"/people/{boss.id}/role", data={"role": "member"}, follow_redirects=True)
    assert "last active manager" in refused.get_data(as_text=True)


def test_members_see_neither_the_log_nor_the_account_actions(app, make_user):
    make_user("manager")
    member = make_user("member")
    browser = _browser(app, member)
    assert browser.get("/people/log").status_code == 403
    assert browser.post(f"/people/{member.id}/role", data={"role": "manager"}).status_code == 403


def test_an_invitation_without_a_mail_server_shows_the_link_to_copy(app, make_user):
    boss = make_user("manager")
    people = _browser(app, boss)
    page = people.post(
        "/people/invite", data={"email": "mia@example.com", "role": "member"}, follow_redirects=True
    ).get_data(as_text=True)
    url = re.search(r"(http://\S+/invite/[\w-]+)", page)
    assert url is not None, page
    path = url[1].removeprefix(app.config["TRACKER_BASE_URL"])
    joined = app.test_client().post(path, data={"password": NEW, "name": "Mia"})
    assert joined.status_code == 302
    log = people.get("/people/log").get_data(as_text=True)
    assert "mia@example.com" in log and boss.email in log


def test_changing_one_s_password_keeps_this_browser_and_ends_the_others(app, make_user):
    person = make_user("member")
    here, there = _browser(app, person), _browser(app, person)
    wrong = here.post(
        "/account/password",
        data={"current_password": "nope", "password": NEW},
        follow_redirects=True,
    )
    assert "not your current password" in wrong.get_data(as_text=True)
    here.post("/account/password", data={"current_password": PASSWORD, "password": NEW})
    assert here.get("/my-tasks").status_code == 200
    assert there.get("/my-tasks").status_code == 302
    _browser(app, person, NEW)


def test_a_reset_answers_the_same_for_any_address_and_its_link_works_once(app, make_user):
    person = make_user("member")
    said = []
    for address in (person.email, "nobody@example.com"):
        page = app.test_client().post("/reset", data={"email": address}, follow_redirects=True)
        text = re.sub(r"\s+", " ", page.get_data(as_text=True))
        said.append(re.sub(r'csrf_token[^>]*>|"X-CSRFToken": "[^"]*"', "", text))
    assert said[0] == said[1] and "reset link is on its way" in said[0]
    _, secret = request_reset(person.email)
    db.session.commit()
    path = link_url("", "reset", secret)
    assert app.test_client().post(path, data={"password": "password"}).status_code == 400
    assert app.test_client().post(path, data={"password": NEW}).status_code == 302
    assert app.test_client().post(path, data={"password": NEW}).status_code == 404
    _browser(app, person, NEW)


def test_a_manager_sees_and_revokes_anyone_s_token_and_feed(app, make_user, api_as):
    from tracker.calendar.services import issue_person_feed

    boss, person = make_user("manager"), make_user("member")
    api = api_as(person)
    _, feed_secret = issue_person_feed(person)
    db.session.commit()
    assert app.test_client().get(f"/calendar/{feed_secret}.ics").status_code == 200
    people = _browser(app, boss)
    page = people.get("/people/keys").get_data(as_text=True)
    token_id = re.search(r'data-token="(\d+)"', page)
    feed_id = re.search(r'data-feed="(\d+)"', page)
    assert token_id and feed_id and person.email in page
    people.post(f"/people/tokens/{token_id[1]}/revoke")
    people.post(f"/people/feeds/{feed_id[1]}/revoke")
    assert api.get("/api/v1/stores").status_code == 401
    assert app.test_client().get(f"/calendar/{feed_secret}.ics").status_code == 404
    assert _browser(app, person).get("/people/keys").status_code == 403
    log = people.get("/people/log").get_data(as_text=True)
    assert 'data-action="token_revoked"' in log and 'data-action="feed_revoked"' in log
