"""Every page form refuses a bad value with a message beside the field, and saves nothing."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task

GOOD_STORE = {
    "name": "Sunny Beauty US",
    "market": "US",
    "entity": "CN",
    "opened_on": "2026-11-02",
    "categories": ["beauty"],
    "model": "pop",
}

# One bad value per field of the store profile, as a person could type it.
BAD_PROFILE_VALUES = [
    ("name", ""),
    ("model", "franchise"),
    ("market", "ZZ"),
    ("store_type", "offshore"),
    ("entity", "C1"),
    ("categories", "spaceships"),
    ("opened_on", "2026-02-30"),
    ("inspection_ends_on", "2026-10-01"),  # before it opened
    ("chinese_share_percent", "150"),
    ("timezone", "Mars/Olympus"),
    ("followers", "-5"),
    ("follower_target", "lots"),
    ("freight_mode", "teleport"),
    ("lead_time_days", "999"),
    ("production_days", "-1"),
    ("inbound_buffer_days", "91"),
    ("inspection_days", "0"),
]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("field", "value"), BAD_PROFILE_VALUES)
def test_the_wizard_names_the_bad_field_and_creates_nothing(client, make_user, login, field, value):
    login(make_user())
    form = GOOD_STORE | {field: [value] if field == "categories" else value, "action": "create"}
    page = client.post("/stores/new", data=form)
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.get_data(as_text=True)
    assert _count(Store) == 0 and _count(Task) == 0


@pytest.mark.parametrize(("field", "value"), BAD_PROFILE_VALUES)
def test_the_profile_edit_names_the_bad_field_and_changes_nothing(
    client, make_user, make_store, login, field, value
):
    manager = make_user()
    store = make_store(actor=manager)
    before = (store.profile_json(), store.name, _count(Task))
    login(manager)
    form = GOOD_STORE | {field: [value] if field == "categories" else value, "action": "apply"}
    page = client.post(f"/stores/{store.id}/edit", data=form)
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.get_data(as_text=True)
    db.session.expire_all()
    store = db.session.get(Store, store.id)
    assert (store.profile_json(), store.name, _count(Task)) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Title: is required"),
        ("due_on", "tomorrow", "Due on: expected a date as YYYY-MM-DD"),
        ("phase", "someday", "Phase: unknown phase 'someday'"),
        ("assignee_id", "999", "Who does it: no active person with id 999"),
        ("description", "x" * 5001, "Details: is 5001 characters long"),
    ],
)
def test_a_bad_custom_task_is_refused_by_field(
    client, make_user, make_store, login, field, value, message
):
    manager = make_user()
    store = make_store(actor=manager)
    tasks = _count(Task)
    login(manager)
    form = {"title": "Film the unboxing", "due_on": "2026-12-01", "phase": "routine"}
    answer = client.post(
        f"/stores/{store.id}/tasks", data=form | {field: value}, follow_redirects=True
    )
    # Said with the field's label, wherever the page puts it.
    assert message in html.unescape(re.sub(r"<[^>]+>", "", answer.get_data(as_text=True)))
    assert _count(Task) == tasks


@pytest.mark.parametrize(("field", "value"), [("email", "not-an-address"), ("role", "owner")])
def test_inviting_a_colleague_names_the_bad_field(client, make_user, login, field, value):
    login(make_user())
    people = _count(User)
    form = {"email": "bo@example.com", "role": "member"}
    page = client.post("/people/invite", data=form | {field: value}, follow_redirects=True)
    text = page.get_data(as_text=True)
    labels = {"email": "E-mail", "role": "Role"}
    assert f"{labels[field]}: " in text  # the label people read, not the name
    assert _count(User) == people


def test_a_bad_follower_count_on_the_plan_page_is_refused(client, make_user, make_store, login):
    manager = make_user()
    store = make_store(actor=manager, followers=50)
    login(manager)
    page = client.post(
        f"/stores/{store.id}/followers", data={"followers": "-3"}, follow_redirects=True
    )
    assert "Followers: " in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Store, store.id).followers == 50


def test_a_token_name_too_long_is_refused(client, make_user, login):
    user = make_user()
    login(user)
    page = client.post("/account", data={"name": "x" * 81})
    assert "<strong>Name</strong>" in page.get_data(as_text=True)
    assert "New token" not in page.get_data(as_text=True)
