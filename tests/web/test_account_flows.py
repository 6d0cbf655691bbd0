"""Account flows a manager and a forgetful person use (issue 15, part 2).

Managers never type a colleague's password; store memberships and roles are in the account
log in words; password-reset requests are limited per address and per client, and answered
the same whether or not the address has an account.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.auth.models import AccountLink, User
from tracker.auth.services import request_reset
from tracker.clock import utcnow
from tracker.errors import RuleError
from tracker.extensions import db


def _from(app: Any, client_address: str) -> Any:
    """A browser at ``client_address``."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = client_address
    return browser


def _visible(page: str) -> str:
    """The words of a page, without its tags and their attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", page))


def test_the_people_page_invites_and_never_asks_for_someone_else_s_password(
    app, client, make_user, login
):
    login(make_user())
    page = client.get("/people").get_data(as_text=True)
    assert 'action="/people/invite"' in page
    assert 'type="password"' not in page and "Add a colleague" not in page
    people = db.session.scalar(select(func.count()).select_from(User))
    typed = client.post(
        "/people", data={"email": "bo@example.com", "password": PASSWORD, "role": "member"}
    )
    assert typed.status_code == 405
    assert db.session.scalar(select(func.count()).select_from(User)) == people


def test_store_memberships_and_roles_are_in_the_account_log_in_words(app, make_user, make_store):
    boss = make_user("manager", name="Ana Boss")
    person = make_user("member", name="Ben Member")
    store = make_store(actor=boss, name="Sunny Beauty US")
    people = _from(app, "203.0.113.7")
    assert people.post("/login", data={"email": boss.email, "password": PASSWORD}).status_code
    people.post(f"/people/{person.id}/stores", data={"store_id": str(store.id)})
    people.post(f"/people/{person.id}/stores", data={"store_id": str(store.id), "action": "remove"})
    people.post(f"/people/{person.id}/role", data={"role": "manager"})

    page = people.get("/people/log").get_data(as_text=True)
    rows = {
        action: _visible(row)
        for action, row in re.findall(r'<tr data-action="(\w+)">(.*?)</tr>', page, re.S)
    }
    assert set(rows) >= {"store_added", "store_removed", "role_changed"}
    assert "added to a store: Sunny Beauty US" in rows["store_added"]
    assert "taken off a store: Sunny Beauty US" in rows["store_removed"]
    assert "role changed (Member → Manager)" in rows["role_changed"]
    for row in (rows["store_added"], rows["store_removed"], rows["role_changed"]):
        assert person.email in row and boss.email in row and "203.0.113.7" in row
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)  # when
    assert "store_added" not in _visible(page) and "role_changed" not in _visible(page)


def _ask_reset(app: Any, email: str, client_address: str) -> Any:
    return _from(app, client_address).post("/reset", data={"email": email})


def _links(email: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AccountLink).where(AccountLink.email == email)
    )


def test_reset_requests_for_one_address_are_limited_the_same_with_or_without_an_account(
    app, make_user
):
    person = make_user("member")
    answers: dict[str, list[Any]] = {}
    for address in (person.email, "nobody@example.com"):
        # From a different client each time: only the address's own limit applies.
        answers[address] = [_ask_reset(app, address, f"198.51.100.{n}") for n in range(4)]
    for said in answers.values():
        assert [answer.status_code for answer in said] == [302, 302, 302, 429]
    refused = [_visible(said[-1].get_data(as_text=True)) for said in answers.values()]
    assert "Too many reset requests: try again in" in refused[0]
    assert refused[0] == refused[1]
    assert _links(person.email) == 3  # the fourth made no link and sent nothing


def test_reset_requests_from_one_client_are_limited_across_addresses(app, make_user):
    answers = [_ask_reset(app, f"guess{n}@example.com", "192.0.2.9") for n in range(11)]
    assert [answer.status_code for answer in answers] == [302] * 10 + [429]
    assert _ask_reset(app, "guess99@example.com", "192.0.2.10").status_code == 302


def test_an_address_may_ask_again_once_the_limit_has_leaked_away(app, make_user):
    person = make_user("member")
    now = utcnow()
    for _ in range(3):
        assert request_reset(person.email, "192.0.2.1", now=now) is not None
    with pytest.raises(RuleError) as refused:
        request_reset(person.email, "192.0.2.1", now=now + timedelta(minutes=5))
    assert refused.value.code == "too_many_requests"
    assert request_reset(person.email, "192.0.2.1", now=now + timedelta(minutes=21)) is not None
