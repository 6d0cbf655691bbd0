"""Bad input answers 400 naming the field, never 500 (issue 15, item 5).

Lone surrogates and deep nesting in JSON, time zones zoneinfo knows but pages cannot show,
wall-clock times the clocks skipped, and numbers written other than with the digits 0-9.
"""

from __future__ import annotations

import base64
import html
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from babel.dates import get_timezone_name
from flask_migrate import stamp
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tracker.auth.models import User
from tracker.extensions import db
from tracker.lives.models import LiveSession
from tracker.playbook.zones import canonical_zones
from tracker.stores.models import Store

STORE = {
    "name": "Sunny Beauty US",
    "model": "pop",
    "market": "US",
    "entity": "CN",
    "categories": ["beauty"],
    "opened_on": "2026-11-02",
}
# Names zoneinfo opens but Babel cannot show, or links and aliases of canonical names.
NOT_CANONICAL = [
    "Factory",
    "localtime",
    "posix/America/New_York",
    "right/UTC",
    "Etc/UTC",
    "GMT",
    "US/Pacific",
]


def _raw(body: str) -> dict[str, Any]:
    """Send ``body`` as it is written: json.dumps would not keep a lone surrogate's escape."""
    return {"data": body.encode(), "content_type": "application/json"}


def _stores() -> int:
    return db.session.scalar(select(func.count()).select_from(Store)) or 0


# --- lone surrogates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "x\\ud800y"}, "name"),
        ({"categories": ["beauty", "x\\udc00"]}, "categories"),
        ({"x\\ud800": 1}, "body"),
    ],
)
def test_a_lone_surrogate_in_a_json_text_field_is_a_400_naming_it(
    app, make_user, api_as, changes, field
):
    # The escape is written as a client sends it: json.dumps would escape the backslash.
    body = json.dumps({**STORE, **changes}).replace("\\\\u", "\\u")
    answer = api_as(make_user()).post("/api/v1/stores", **_raw(body))
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["field"] == field
    assert "lone surrogate" in error["message"]
    assert _stores() == 0


def test_a_lone_surrogate_when_changing_a_store_or_commenting_is_a_400(
    app, make_user, make_store, api_as
):
    manager = make_user()
    store = make_store(actor=manager)
    api = api_as(manager)
    changed = api.patch(f"/api/v1/stores/{store.id}", **_raw('{"name": "\\ud83d"}'))
    assert changed.status_code == 400 and changed.get_json()["error"]["field"] == "name"
    task = api.get(f"/api/v1/stores/{store.id}/tasks").get_json()[0]
    said = api.post(f"/api/v1/tasks/{task['id']}/comments", **_raw('{"body": "ok \\udfff"}'))
    assert said.status_code == 400 and said.get_json()["error"]["field"] == "body"
    assert db.session.get(Store, store.id).name == "Sunny Beauty US"


def test_form_fields_with_a_surrogate_s_bytes_never_answer_500(client, make_user, login):
    login(make_user())
    answer = client.post(
        "/stores/new",
        data=b"name=x%ED%A0%80y&model=pop&market=US&entity=CN&categories=beauty",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code < 500


# --- nesting -------------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [33, 990, 100_000])
def test_json_nested_deeper_than_32_levels_is_a_400(app, make_user, api_as, levels):
    api = api_as(make_user())
    whole = api.post("/api/v1/stores", **_raw("[" * levels + "]" * levels))
    assert whole.status_code == 400
    assert whole.get_json()["error"]["message"] == "body: is nested more than 32 levels deep"
    inner = "[" * levels + "]" * levels
    field = api.post("/api/v1/stores", **_raw(f'{{"categories": {inner}}}'))
    assert field.status_code == 400
    # Named while the parser can read it; past ~1,000 levels only the body can be.
    assert field.get_json()["error"]["field"] == ("categories" if levels < 900 else "body")
    assert _stores() == 0


@pytest.mark.parametrize("said", ["[" * 990 + "1" + "]" * 990, '["\\ud800"]'])
def test_a_cursor_holding_deep_json_or_a_surrogate_is_refused(app, make_user, api_as, said):
    api = api_as(make_user())
    cursor = base64.urlsafe_b64encode(said.encode()).decode().rstrip("=")
    answer = api.get(f"/api/v1/stores?cursor={cursor}")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == "cursor"


# --- time zones -----------------------------------------------------------------------------


def test_every_zone_offered_is_one_babel_can_name():
    for zone in canonical_zones():
        assert get_timezone_name(zone, locale="zh_CN")


@pytest.mark.parametrize("zone", NOT_CANONICAL)
def test_a_store_in_a_zone_that_is_not_canonical_is_refused(app, make_user, api_as, zone):
    answer = api_as(make_user()).post("/api/v1/stores", json={**STORE, "timezone": zone})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["field"] == "timezone" and "America/New_York, or UTC" in error["message"]
    assert _stores() == 0


@pytest.mark.parametrize("zone", NOT_CANONICAL)
def test_a_person_s_zone_that_is_not_canonical_is_refused_on_every_form(
    app, client, make_user, login, zone
):
    manager = make_user(timezone="UTC")
    login(manager)
    settings = client.post("/account/reminders", data={"timezone": zone, "remind_at": "09:00"})
    assert settings.status_code == 400
    assert "America/New_York, or UTC" in settings.get_data(as_text=True)
    store = client.post("/stores/new", data={**STORE, "categories": "beauty", "timezone": zone})
    assert store.status_code == 400 and _stores() == 0
    assert db.session.get(User, manager.id).timezone == "UTC"


@pytest.mark.parametrize("zone", ["Factory", "posix/Asia/Shanghai"])
def test_the_command_line_refuses_a_zone_that_is_not_canonical(app, runner, zone):
    with app.app_context():
        stamp()
    result = runner.invoke(
        args=["user", "create", "--email", "a@example.com", "--password", PASSWORD,
              "--role", "manager", "--timezone", zone]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("zone", ["Factory", "localtime", "posix/Europe/London", "right/UTC"])
def test_a_zone_stored_before_it_was_checked_breaks_no_page_and_is_pointed_out(
    client, make_user, make_store, login, zone
):
    manager = make_user(timezone="UTC")
    store = make_store(actor=manager)
    db.session.execute(update(User).where(User.id == manager.id).values(timezone=zone))
    db.session.commit()
    login(manager)
    for page in ("/readiness", f"/stores/{store.id}/activity", f"/stores/{store.id}", "/tasks"):
        answer = client.get(page)
        assert answer.status_code == 200, page
        text = answer.get_data(as_text=True)
        assert f"Your time zone {zone} is not one we can show; times are in UTC" in text


# --- wall-clock times the clocks skipped or showed twice ------------------------------------


@pytest.mark.parametrize("started", ["2026-03-08T02:30", "2027-03-14T02:30:00"])
def test_a_live_at_a_time_the_clocks_skipped_is_refused_not_moved(
    app, make_user, make_store, api_as, started
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-01-05")  # America/Los_Angeles
    answer = api_as(manager).post(
        f"/api/v1/stores/{store.id}/lives", json={"started_at": started, "minutes": 60}
    )
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["field"] == "started_at"
    assert "did not happen in America/Los_Angeles" in error["message"]
    assert db.session.scalars(select(LiveSession)).all() == []


def test_the_live_form_says_a_skipped_time_beside_itself(client, make_user, make_store, login):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-01-05")
    login(manager)
    answer = client.post(
        f"/stores/{store.id}/lives", data={"started_at": "2026-03-08T02:30", "minutes": "60"}
    )
    assert answer.status_code == 400
    assert "did not happen in America/Los_Angeles" in answer.get_data(as_text=True)


def test_a_time_the_clocks_showed_twice_is_the_first_unless_an_offset_says(
    app, make_user, make_store, api_as
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-01-05")
    api = api_as(manager)
    lives = f"/api/v1/stores/{store.id}/lives"
    first = api.post(lives, json={"started_at": "2026-11-01T01:30", "minutes": 60})
    second = api.post(lives, json={"started_at": "2026-11-01T01:30-08:00", "minutes": 60})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["started_at"] == "2026-11-01T08:30:00+00:00"  # still on PDT
    assert second.get_json()["started_at"] == "2026-11-01T09:30:00+00:00"  # PST, an hour on
    assert datetime.fromisoformat(first.get_json()["started_at"]).tzinfo == UTC


# --- numbers: digits 0-9 only ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1_000", "٣", "１２", "1 000"])
def test_forms_refuse_numbers_not_written_with_the_digits_0_to_9(
    client, make_user, make_store, login, typed
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-01-05")
    login(manager)
    live = client.post(
        f"/stores/{store.id}/lives",
        data={"started_at": "2026-06-01T20:00", "minutes": typed, "gmv": "12"},
    )
    assert live.status_code == 400
    said = live.get_data(as_text=True)
    assert "Minutes: write numbers with the digits 0-9 only" in said
    assert html.escape(typed, quote=False) in said
    gmv = client.post(
        f"/stores/{store.id}/lives",
        data={"started_at": "2026-06-01T20:00", "minutes": "60", "gmv": typed + ".5"},
    )
    assert gmv.status_code == 400
    assert db.session.scalars(select(LiveSession)).all() == []
    reminders = client.post(
        "/account/reminders", data={"remind_days_before": typed, "remind_at": "09:00"}
    )
    assert reminders.status_code == 400


@pytest.mark.parametrize("typed", ["1_000", "٣"])
def test_the_api_refuses_numbers_in_text(app, make_user, make_store, api_as, typed):
    manager = make_user()
    store = make_store(actor=manager)
    answer = api_as(manager).patch(f"/api/v1/stores/{store.id}", json={"followers": typed})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "followers"
    live = api_as(manager).post(
        f"/api/v1/stores/{store.id}/lives",
        json={"started_at": "2026-11-10T20:00", "minutes": typed},
    )
    assert "digits 0-9 only" in live.get_json()["error"]["message"]


@pytest.mark.parametrize("typed", ["1_000", "٣"])
def test_the_command_line_refuses_numbers_not_in_digits_0_to_9(runner, typed):
    result = runner.invoke(
        args=["plan", "preview", "--model", "pop", "--market", "US", "--category", "beauty",
              "--opened-on", "2026-01-05", "--horizon-days", typed]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "digits 0-9" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("typed", ["1_0", "٣"])
def test_store_ids_on_the_command_line_are_digits_0_to_9(app, runner, make_user, typed):
    with app.app_context():
        stamp()
    member = make_user("member")
    result = runner.invoke(
        args=["user", "add-to-store", "--email", member.email, "--store-id", typed]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip() == (
        f"Error: --store-id: expected a whole number in digits 0-9, got {typed!r}"
    )


def test_a_daily_reminder_time_the_clocks_skip_goes_out_an_hour_later_and_a_repeated_one_first():
    from datetime import date, time

    from tracker.reminders.queue import local_instant

    zone = "America/Los_Angeles"
    skipped = local_instant(date(2026, 3, 8), time(2, 30), zone)
    assert skipped == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)  # 03:30 PDT
    repeated = local_instant(date(2026, 11, 1), time(1, 30), zone)
    assert repeated == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT, the first
