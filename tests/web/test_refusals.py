"""A refused form says so beside itself, keeps what was typed and takes the focus there."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tracker.accounts.models import Account
from tracker.extensions import db
from tracker.lives.models import LiveSession


def _section(page: str, name: str) -> str:
    return page.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def test_a_live_in_the_future_is_refused_beside_the_live_form_with_what_was_typed(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    later = (datetime.now(ZoneInfo(store.zone)) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(
        f"/stores/{store.id}/lives",
        data={"started_at": later, "minutes": "95", "note": "Black Friday warm-up"},
    )
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    lives = _section(page, "lives")
    # The message is in the section whose form was used, and takes the focus.
    assert re.search(r'<div[^>]*role="alert"[^>]*autofocus', lives)
    alert = lives.split('role="alert"')[1].split("</div>")[0]
    assert "Started:" in alert and "started_at" not in alert
    # What was typed is still in the form.
    assert f'value="{later}"' in lives and 'value="95"' in lives
    assert 'value="Black Friday warm-up"' in lives
    assert db.session.scalars(select(LiveSession)).all() == []


def test_a_refused_account_is_said_beside_the_accounts_form(client, make_user, make_store, login):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    # The official account must belong to the store's own entity (CN here).
    answer = client.post(
        f"/stores/{store.id}/accounts",
        data={"handle": "sunny_clips", "kind": "official", "entity": "US"},
    )
    assert answer.status_code == 400
    accounts = _section(answer.get_data(as_text=True), "accounts")
    assert re.search(r'<div[^>]*role="alert"[^>]*autofocus', accounts)
    assert 'value="sunny_clips"' in accounts and 'value="US"' in accounts
    assert db.session.scalars(select(Account)).all() == []


def test_a_lock_names_the_tasks_it_waits_for_by_title_in_english(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "waiting for: " in page
    assert "positioning.store_style" not in page


def test_the_browsers_icon_request_is_answered(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml" and b"<svg" in answer.data
    answer.close()


def test_freight_modes_read_as_words_on_the_store_form(client, make_user, login):
    login(make_user())
    page = client.get("/stores/new").get_data(as_text=True)
    assert ">Sea (East coast)</option>" in page
    assert ">sea_east_coast</option>" not in page


def test_the_readiness_page_names_its_source_not_a_file_and_has_no_empty_groups(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    for path in (f"/stores/{store.id}/readiness", "/readiness"):
        page = client.get(path).get_data(as_text=True)
        assert "seeds/readiness.toml" not in page, path
        assert "(0 open)" not in page, path


@pytest.mark.parametrize("email", ["not-an-email", "taken@example.com"], ids=["malformed", "taken"])
def test_a_refused_invitation_is_said_beside_the_invite_form_with_what_was_typed(
    client, make_user, login, email
):
    """Found on review: the refusal was a banner at the top of the People page and the form
    came back empty, the role reset to Member."""
    manager = make_user()
    make_user("member", email="taken@example.com")
    login(manager)
    answer = client.post("/people/invite", data={"email": email, "role": "manager"})
    assert answer.status_code == 400
    invite = _section(answer.get_data(as_text=True), "invite")
    assert re.search(r'<div[^>]*role="alert"[^>]*autofocus', invite)
    alert = invite.split('role="alert"')[1].split("</div>")[0]
    assert "E-mail:" in alert
    assert f'value="{email}"' in invite
    assert re.search(r'<option value="manager"[^>]*selected', invite)
