"""A session ends for good: logout, a new password, deactivation or a new role end every one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.auth.services import deactivate_user, reactivate_user, set_password, set_role
from tracker.extensions import db


def _saved_cookie(app: Any, user: User) -> str:
    """Log in from a browser and keep a copy of its session cookie, as a thief would."""
    browser = app.test_client()
    answer = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302
    cookie = browser.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _opens_my_tasks(app: Any, cookie: str) -> bool:
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser.get("/my-tasks").status_code == 200


def test_a_cookie_saved_before_logout_no_longer_opens_my_tasks(app, make_user, make_store):
    person = make_user("member")
    make_store(members=(person,))
    browser = app.test_client()
    browser.post("/login", data={"email": person.email, "password": PASSWORD})
    saved = browser.get_cookie("session").value
    assert _opens_my_tasks(app, saved)
    assert browser.post("/logout").status_code == 302
    assert not _opens_my_tasks(app, saved)


def test_logging_out_ends_the_person_s_other_sessions_too(app, make_user):
    person = make_user("member")
    phone, laptop = _saved_cookie(app, person), app.test_client()
    laptop.post("/login", data={"email": person.email, "password": PASSWORD})
    laptop.post("/logout")
    assert not _opens_my_tasks(app, phone)


CHANGES: dict[str, Callable[[User], Any]] = {
    "new password": lambda user: set_password(user, "a brand new passphrase"),
    "deactivated and reactivated": lambda user: (deactivate_user(user), reactivate_user(user)),
    "new role": lambda user: set_role(user, "manager"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_account_change_ends_every_session(app, make_user, change):
    person = make_user("member")
    saved = _saved_cookie(app, person)
    CHANGES[change](person)
    db.session.commit()
    assert not _opens_my_tasks(app, saved)


def test_a_session_survives_what_does_not_touch_the_account(app, make_user):
    person = make_user("member")
    saved = _saved_cookie(app, person)
    other = make_user("member")
    set_password(other, "a brand new passphrase")
    db.session.commit()
    assert _opens_my_tasks(app, saved)
