"""The JSON API as a client sees it: tokens, stores, their tasks, and the one error shape.

Stores are dated relative to today in their market's zone, because the API
works out which tasks are locked from the real clock.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tracker.auth.services import create_token, revoke_token
from tracker.clock import local_today
from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task

US_ZONE = "America/Los_Angeles"
AD_GATE_TASKS = (
    "positioning.store_style",
    "positioning.product_attributes",
    "positioning.live_room_style",
    "audience.check_account_tags",
)


def us_today() -> date:
    return local_today(US_ZONE)


def days(n: int) -> str:
    """The date ``n`` days from today in the US store's zone, as the API writes it."""
    return (us_today() + timedelta(days=n)).isoformat()


def store_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sunny Beauty US",
        "model": "pop",
        "market": "US",
        "entity": "CN",
        "categories": ["beauty"],
        "opened_on": days(-10),
    }
    body.update(overrides)
    return body


@pytest.fixture
def manager(make_user):
    """A manager, who sees every store."""
    return make_user("manager")


@pytest.fixture
def member(make_user):
    """A member, who sees only their own stores."""
    return make_user("member")


@pytest.fixture
def store(make_store, manager, member):
    """A US store opened ten days ago, inspection end estimated, with ``member`` on it."""
    return make_store(actor=manager, members=(member,), opened_on=days(-10))


@pytest.fixture
def other_store(make_store, manager):
    """A store ``member`` does not work on."""
    return make_store(actor=manager, name="Someone Else's Store", opened_on=days(-10))


@pytest.fixture
def as_manager(api_as, manager):
    return api_as(manager)


@pytest.fixture
def as_member(api_as, member):
    return api_as(member)


def tasks_of(api, store_id: int) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/stores/{store_id}/tasks")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def one_task(api, store_id: int, key: str) -> dict[str, Any]:
    (task,) = [task for task in tasks_of(api, store_id) if task["key"] == key]
    return task


def complete(api, task_id: int) -> dict[str, Any]:
    response = api.post(f"/api/v1/tasks/{task_id}/complete")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        assert error["field"] == field, error
    return error


def store_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Store))


def task_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Task))


# --- tokens -------------------------------------------------------------------------------------


def test_api_refuses_a_caller_without_a_good_token(client, store):
    for header in (None, "Bearer ", "Bearer", "Basic dXNlcjpwYXNz", "Bearer tkr_not-a-real-token"):
        headers = {"Authorization": header} if header is not None else {}
        for path in ("/api/v1/stores", f"/api/v1/stores/{store.id}/tasks"):
            response = client.get(path, headers=headers)
            assert response.status_code == 401, header
            assert response.get_json()["error"]["code"] == "unauthorized", header
        response = client.post("/api/v1/stores", json=store_body(), headers=headers)
        assert response.status_code == 401, header
    assert store_count() == 1


def test_a_revoked_token_no_longer_opens_the_api(client, manager):
    token, secret = create_token(manager, "laptop")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/stores", headers=headers).status_code == 200
    revoke_token(token)
    db.session.commit()
    assert_error(client.get("/api/v1/stores", headers=headers), 401, "unauthorized")


def test_a_deactivated_persons_token_no_longer_opens_the_api(client, member):
    _, secret = create_token(member, "phone")
    member.active = False
    db.session.commit()
    response = client.get("/api/v1/stores", headers={"Authorization": f"Bearer {secret}"})
    assert_error(response, 401, "unauthorized")


# --- creating stores ----------------------------------------------------------------------------


def test_manager_creates_a_store_and_gets_its_profile_and_plan(as_manager):
    response = as_manager.post("/api/v1/stores", json=store_body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert isinstance(created["id"], int)
    assert created["name"] == "Sunny Beauty US"
    assert created["model"] == "pop"
    assert created["market"] == "US"
    assert created["entity"] == "CN"
    assert created["store_type"] == "cross_border"
    assert created["categories"] == ["beauty"]
    assert created["opened_on"] == days(-10)
    assert created["inspection_ends_on"] is None
    assert created["warnings"] == []
    tasks = tasks_of(as_manager, created["id"])
    assert "accounts.bind_official" in {task["key"] for task in tasks}
    shown = as_manager.get(f"/api/v1/stores/{created['id']}").get_json()
    assert shown["id"] == created["id"] and shown["market"] == "US"


def test_pop_store_in_the_uk_is_created_with_a_model_not_offered_warning(as_manager):
    response = as_manager.post("/api/v1/stores", json=store_body(market="UK", categories=[]))
    assert response.status_code == 201, response.get_json()
    codes = [warning["code"] for warning in response.get_json()["warnings"]]
    assert "model_not_offered_in_market" in codes
    for warning in response.get_json()["warnings"]:
        assert warning["message"]


def test_an_invitation_only_category_warns_and_plans_the_application(as_manager):
    response = as_manager.post(
        "/api/v1/stores", json=store_body(market="TH", categories=["beauty", "jewelry"])
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert "invitation_category" in [warning["code"] for warning in created["warnings"]]
    keys = {task["key"] for task in tasks_of(as_manager, created["id"])}
    assert "eligibility.apply_invitation_category" in keys


def test_member_cannot_create_a_store(as_member):
    assert_error(as_member.post("/api/v1/stores", json=store_body()), 403, "forbidden")
    assert store_count() == 0


def test_market_and_model_are_read_whatever_their_case(as_manager):
    response = as_manager.post("/api/v1/stores", json=store_body(market=" us ", model="POP"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["market"] == "US"
    assert response.get_json()["model"] == "pop"


# --- bad store input ----------------------------------------------------------------------------

# Per profile field, values that must be refused; one test per field tries them all.
BAD_STORE_FIELDS: dict[str, list[Any]] = {
    "name": ["", "   ", 42, None, "x" * 121],
    "model": ["dropship", 3, ""],
    "market": ["XX", ["US"], "", None],
    "store_type": ["hybrid", 1],
    "entity": ["ZZ", "CHN", "", 86],
    "categories": [["spaceships"], "beauty", ["beauty", "beauty"], [7], {"beauty": 1}],
    "opened_on": ["2026-13-01", "yesterday", "9999-12-31", 20260101, ""],
    "inspection_ends_on": ["soon", "2020-01-01", "2026-02-30", 5],
    "chinese_share_percent": [150, -1, "half", "NaN", True],
    "timezone": ["Mars/Olympus_Mons", "Asia", "", 3, "../../etc/passwd"],
    "followers": [-1, "many", 2.5, True],
    "follower_target": [-5, "1k", 1.5],
    "freight_mode": ["teleport", 9],
    "lead_time_days": [500, -1, "10"],
    "production_days": [400, -1, "two weeks"],
    "inbound_buffer_days": [100, -1, 2.5],
    "inspection_days": [0, 366, 1.5, "30"],
}


@pytest.mark.parametrize("field", BAD_STORE_FIELDS)
def test_creating_a_store_with_a_bad_field_answers_400_naming_it(as_manager, field):
    for value in BAD_STORE_FIELDS[field]:
        response = as_manager.post("/api/v1/stores", json=store_body(**{field: value}))
        assert response.status_code == 400, (value, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["field"] == field, (value, error)
        assert error["code"] == "invalid"
        assert isinstance(error["message"], str) and error["message"]
    assert store_count() == 0
    assert task_count() == 0


def test_text_limits_count_the_text_as_sent_spaces_included(as_manager, store):
    # The description's maxLength is a client's to check: the spaces trimmed off count too.
    padded = " " + "x" * 120
    assert_error(
        as_manager.post("/api/v1/stores", json=store_body(name=padded)), 400, "invalid", "name"
    )
    body = {"title": "x" * 300 + " ", "due_on": days(2)}
    answer = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json=body)
    assert_error(answer, 400, "invalid", "title")
    assert (
        as_manager.post("/api/v1/stores", json=store_body(name=" " + "x" * 119)).status_code == 201
    )


def test_creating_a_store_with_an_unknown_field_answers_400_naming_it(as_manager):
    for field in ("colour", "id", "zone", "playbook_version", "Market"):
        response = as_manager.post("/api/v1/stores", json=store_body(**{field: "x"}))
        assert_error(response, 400, "invalid", field)
    assert store_count() == 0


def test_creating_a_store_without_a_required_field_names_it(as_manager):
    for missing in ("name", "model", "market", "opened_on"):
        body = store_body()
        del body[missing]
        assert_error(as_manager.post("/api/v1/stores", json=body), 400, field=missing)
    assert store_count() == 0


NOT_AN_OBJECT = ("[1, 2, 3]", '"a store"', "null", "42", "{not json", "")


def send_raw(api, method: str, path: str, payload: str):
    return getattr(api, method)(path, data=payload, headers={"Content-Type": "application/json"})


def test_creating_a_store_from_a_body_that_is_not_a_json_object_answers_400(as_manager):
    for payload in NOT_AN_OBJECT:
        response = send_raw(as_manager, "post", "/api/v1/stores", payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == "body", payload
    assert store_count() == 0


def test_an_override_whose_code_is_not_text_answers_400_not_500(as_manager):
    # Found by the API fuzzer: a code that is an object or a list answered 500.
    for code in ({}, ["model_not_offered_in_market"], 7):
        body = store_body(market="UK", overrides=[{"code": code, "reason": "Invited"}])
        assert_error(as_manager.post("/api/v1/stores", json=body), 400, "invalid", "overrides")
    assert store_count() == 0


def test_a_method_an_address_does_not_take_answers_405_saying_which_it_does(as_manager, store):
    # RFC 9110 wants the Allow header on a 405; the fuzzer checks for it.
    response = as_manager.delete(f"/api/v1/stores/{store.id}")
    error = assert_error(response, 405)
    assert error["message"]
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PATCH"}
    assert store_count() == 1


def test_a_body_sent_as_form_data_answers_400_not_500(as_manager):
    response = as_manager.post("/api/v1/stores", data={"name": "Form store"})
    assert_error(response, 400, field="body")
    assert store_count() == 0


# --- listing and seeing stores ------------------------------------------------------------------


def test_member_lists_only_the_stores_they_work_on(as_member, as_manager, store, other_store):
    mine = as_member.get("/api/v1/stores").get_json()
    assert [item["id"] for item in mine] == [store.id]
    everything = as_manager.get("/api/v1/stores").get_json()
    assert {item["id"] for item in everything} == {store.id, other_store.id}


def _store_endpoints(store_id: int, task_id: int) -> list[tuple[str, str, Any]]:
    return [
        ("get", f"/api/v1/stores/{store_id}", None),
        ("patch", f"/api/v1/stores/{store_id}", {"followers": 50}),
        ("get", f"/api/v1/stores/{store_id}/tasks", None),
        ("post", f"/api/v1/stores/{store_id}/tasks", {"title": "Sneak", "due_on": days(3)}),
        ("get", f"/api/v1/stores/{store_id}/activity", None),
        ("get", f"/api/v1/tasks/{task_id}", None),
        ("patch", f"/api/v1/tasks/{task_id}", {"note": "sneaky"}),
        ("post", f"/api/v1/tasks/{task_id}/complete", None),
        ("post", f"/api/v1/tasks/{task_id}/reopen", None),
        ("get", f"/api/v1/tasks/{task_id}/activity", None),
    ]


def _call(api, endpoint: tuple[str, str, Any]):
    method, path, body = endpoint
    return getattr(api, method)(path, **({"json": body} if body is not None else {}))


def test_member_gets_404_on_every_endpoint_of_a_store_they_do_not_work_on(
    as_member, as_manager, other_store
):
    """Another store's objects answer exactly as missing ones: ids cannot be counted."""
    task = one_task(as_manager, other_store.id, "accounts.bind_official")
    before = _snapshot(as_manager, other_store.id)
    missing = _store_endpoints(999_999, 999_999)
    for endpoint, absent in zip(_store_endpoints(other_store.id, task["id"]), missing, strict=True):
        response = _call(as_member, endpoint)
        assert response.status_code == 404, (endpoint, response.get_json())
        said = response.get_json()["error"]
        assert said["code"] == "not_found", endpoint
        nothing = _call(as_member, absent).get_json()["error"]
        assert said["message"].replace(str(other_store.id), "N").replace(
            str(task["id"]), "N"
        ) == nothing["message"].replace("999999", "N"), endpoint
    assert _snapshot(as_manager, other_store.id) == before
    activity = as_manager.get(f"/api/v1/stores/{other_store.id}/activity").get_json()
    assert [entry["kind"] for entry in activity] == ["store_created"]


def test_member_may_use_every_endpoint_of_their_own_store(as_member, store):
    task = one_task(as_member, store.id, "accounts.bind_official")
    for endpoint in _store_endpoints(store.id, task["id"]):
        response = _call(as_member, endpoint)
        assert response.status_code in (200, 201), (endpoint, response.get_json())


def test_unknown_store_or_task_answers_404_on_every_endpoint(as_manager, store):
    for endpoint in _store_endpoints(999_999, 999_999):
        response = _call(as_manager, endpoint)
        assert response.status_code == 404, (endpoint, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found", endpoint


# --- tasks: listing, ticking off, reopening ----------------------------------------------------


def test_store_tasks_carry_id_key_title_phase_due_status_and_gate(as_manager, store):
    tasks = tasks_of(as_manager, store.id)
    assert tasks
    for task in tasks:
        assert {"id", "key", "title", "phase", "due_on", "status", "gate"} <= task.keys()
        assert task["status"] in ("open", "locked", "done")
        assert date.fromisoformat(task["due_on"])
    dues = [task["due_on"] for task in tasks]
    assert dues == sorted(dues)
    by_key = {task["key"]: task for task in tasks}
    assert by_key["accounts.bind_official"]["status"] == "open"
    assert by_key["accounts.bind_official"]["gate"] is None
    channel = by_key["accounts.bind_channel"]
    assert channel["status"] == "locked"
    assert channel["gate"]["reason"]
    # The inspection end is not known yet: its last day is estimated as opened_on + 29 days
    # (30 calendar days, the opening day the first).
    assert channel["gate"]["after"] == days(19)
    assert by_key["ads.launch"]["status"] == "locked"


def test_ticking_off_a_task_makes_it_done_and_reopening_makes_it_open(as_manager, store, manager):
    task = one_task(as_manager, store.id, "accounts.bind_official")
    # Reopening a task that is not done changes nothing.
    response = as_manager.post(f"/api/v1/tasks/{task['id']}/reopen")
    assert response.status_code == 200
    assert response.get_json()["status"] == "open"

    done = complete(as_manager, task["id"])
    assert done["status"] == "done"
    assert done["completed_by"] == manager.email
    assert done["completed_at"]
    assert one_task(as_manager, store.id, "accounts.bind_official")["status"] == "done"
    again = complete(as_manager, task["id"])
    assert again["status"] == "done"
    assert again["completed_at"] == done["completed_at"]

    response = as_manager.post(f"/api/v1/tasks/{task['id']}/reopen")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "open"
    assert response.get_json()["completed_at"] is None
    repeat = as_manager.post(f"/api/v1/tasks/{task['id']}/reopen")
    assert repeat.status_code == 200
    assert repeat.get_json()["status"] == "open"
    assert one_task(as_manager, store.id, "accounts.bind_official")["status"] == "open"
    # Each real change is logged once, repeats are not.
    kinds = [entry["kind"] for entry in as_manager.get(f"/api/v1/tasks/{task['id']}/activity").json]
    assert kinds == ["reopened", "completed"]


def test_a_locked_task_cannot_be_ticked_off(as_manager, store):
    task = one_task(as_manager, store.id, "accounts.bind_channel")
    error = assert_error(
        as_manager.post(f"/api/v1/tasks/{task['id']}/complete"), 409, "task_locked"
    )
    assert "locked" in error["message"].lower()
    assert one_task(as_manager, store.id, "accounts.bind_channel")["status"] == "locked"


def test_member_cannot_complete_task_of_another_store(as_member, as_manager, other_store):
    task = one_task(as_manager, other_store.id, "accounts.bind_official")
    assert_error(as_member.post(f"/api/v1/tasks/{task['id']}/complete"), 404, "not_found")
    assert one_task(as_manager, other_store.id, "accounts.bind_official")["status"] == "open"


def test_ads_unlock_when_positioning_is_done_and_followers_reach_the_target(
    as_manager, as_member, store
):
    ads = one_task(as_manager, store.id, "ads.launch")
    assert ads["status"] == "locked"
    assert ads["gate"]["followers_at_least"] == 1000
    for key in AD_GATE_TASKS:
        complete(as_manager, one_task(as_manager, store.id, key)["id"])
    still = one_task(as_manager, store.id, "ads.launch")
    assert still["status"] == "locked"
    assert any("followers" in reason for reason in still["locked_because"])
    response = as_member.patch(f"/api/v1/stores/{store.id}", json={"followers": 999})
    assert response.status_code == 200, response.get_json()
    assert one_task(as_manager, store.id, "ads.launch")["status"] == "locked"
    response = as_member.patch(f"/api/v1/stores/{store.id}", json={"followers": 1000})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["followers"] == 1000
    assert one_task(as_manager, store.id, "ads.launch")["status"] == "open"


def test_channel_accounts_wait_for_the_inspection_days_and_orders(
    as_manager, as_member, make_store, manager, member
):
    # Opened 40 days ago: the 30 days are over, but a US cross-border store needs 500 orders.
    store = make_store(actor=manager, members=(member,), opened_on=days(-40))
    channel = one_task(as_manager, store.id, "accounts.bind_channel")
    assert channel["status"] == "locked"
    assert channel["gate"]["orders_at_least"] == 500
    assert channel["locked_because"] == ["0 of 500 orders"]
    response = as_member.patch(f"/api/v1/stores/{store.id}", json={"orders_to_date": 499})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["orders_to_date"] == 499
    assert one_task(as_manager, store.id, "accounts.bind_channel")["status"] == "locked"
    as_member.patch(f"/api/v1/stores/{store.id}", json={"orders_to_date": 500})
    assert one_task(as_manager, store.id, "accounts.bind_channel")["status"] == "open"


# --- changing a store ---------------------------------------------------------------------------


def test_setting_the_inspection_end_moves_open_tasks_but_not_done_ones(as_manager, store):
    matrix = one_task(as_manager, store.id, "accounts.plan_matrix_audiences")
    assert matrix["due_on"] == days(29)
    matrix = complete(as_manager, matrix["id"])

    response = as_manager.patch(f"/api/v1/stores/{store.id}", json={"inspection_ends_on": days(40)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["inspection_ends_on"] == days(40)

    by_key = {task["key"]: task for task in tasks_of(as_manager, store.id)}
    channel = by_key["accounts.bind_channel"]
    assert channel["due_on"] == days(43)
    assert channel["gate"]["after"] == days(40)
    assert channel["status"] == "locked"
    assert by_key["accounts.unify_inbox"]["due_on"] == days(50)
    done = by_key["accounts.plan_matrix_audiences"]
    assert done["status"] == "done"
    assert done["due_on"] == days(29)
    assert done["completed_at"] == matrix["completed_at"]


def test_member_may_change_followers_but_not_the_profile(as_member, as_manager, store):
    response = as_member.patch(f"/api/v1/stores/{store.id}", json={"followers": 250})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["followers"] == 250
    before = tasks_of(as_manager, store.id)
    for change in ({"inspection_ends_on": days(40)}, {"name": "Mine now"}, {"market": "UK"}):
        assert_error(as_member.patch(f"/api/v1/stores/{store.id}", json=change), 403, "forbidden")
    shown = as_manager.get(f"/api/v1/stores/{store.id}").get_json()
    assert shown["inspection_ends_on"] is None
    assert shown["name"] == "Sunny Beauty US"
    assert shown["market"] == "US"
    assert tasks_of(as_manager, store.id) == before


def test_changing_the_market_derives_the_store_type_again(as_manager, make_store, manager):
    local = make_store(actor=manager, entity="US", opened_on=days(-10))
    assert local.store_type == "local"
    response = as_manager.patch(f"/api/v1/stores/{local.id}", json={"market": "UK"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["store_type"] == "cross_border"


def test_a_us_entity_found_mostly_chinese_held_becomes_cross_border(
    as_manager, make_store, manager
):
    store = make_store(actor=manager, entity="US", chinese_share_percent=0, opened_on=days(-10))
    assert store.store_type == "local"
    response = as_manager.patch(f"/api/v1/stores/{store.id}", json={"chinese_share_percent": 60})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["store_type"] == "cross_border"
    assert one_task(as_manager, store.id, "xb.state_delivery_times")


def test_removing_a_category_retires_its_tasks_from_the_list(as_manager, make_store, manager):
    thai = make_store(
        actor=manager, market="TH", categories=["beauty", "jewelry"], opened_on=days(-10)
    )
    key = "eligibility.apply_invitation_category"
    assert key in {task["key"] for task in tasks_of(as_manager, thai.id)}
    response = as_manager.patch(f"/api/v1/stores/{thai.id}", json={"categories": ["beauty"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["plan_changes"]["retired"] >= 1
    assert key not in {task["key"] for task in tasks_of(as_manager, thai.id)}
    codes = [warning["code"] for warning in response.get_json()["warnings"]]
    assert "invitation_category" not in codes


def _snapshot(api, store_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    profile = api.get(f"/api/v1/stores/{store_id}").get_json()
    return profile, tasks_of(api, store_id)


BAD_PATCH_FIELDS: dict[str, list[Any]] = {
    "name": ["", None, "x" * 121],
    "model": ["dropship", None],
    "market": ["XX", None],
    "store_type": ["hybrid"],
    "entity": ["ZZ", "usa"],
    "categories": [["spaceships"], {"beauty": True}, "beauty"],
    "opened_on": ["2026-02-30", None, "2099-01-01"],
    "inspection_ends_on": ["soon", "2020-01-01"],
    "chinese_share_percent": [-1, "lots"],
    "timezone": ["Nowhere/Special", 7],
    "followers": [-10, "lots", 10.5],
    "follower_target": ["a thousand", -1],
    "freight_mode": ["pigeon"],
    "lead_time_days": [181],
    "production_days": [-3],
    "inbound_buffer_days": [91],
    "inspection_days": [366, 0],
    "plan_synced_on": ["2026-01-01"],  # not a field anyone may set
}


@pytest.mark.parametrize("field", BAD_PATCH_FIELDS)
def test_a_bad_field_in_a_store_change_answers_400_and_changes_nothing(as_manager, store, field):
    before = _snapshot(as_manager, store.id)
    for value in BAD_PATCH_FIELDS[field]:
        # A good change sent alongside must not be saved either.
        change = {"followers": 321, field: value} if field != "followers" else {field: value}
        response = as_manager.patch(f"/api/v1/stores/{store.id}", json=change)
        assert response.status_code == 400, (value, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["field"] == field, (value, error)
        assert error["code"] == "invalid"
        assert _snapshot(as_manager, store.id) == before, value


def test_a_store_change_that_is_not_a_json_object_answers_400(as_manager, store):
    before = _snapshot(as_manager, store.id)
    for payload in NOT_AN_OBJECT:
        response = send_raw(as_manager, "patch", f"/api/v1/stores/{store.id}", payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == "body", payload
    assert _snapshot(as_manager, store.id) == before


# --- changing tasks -----------------------------------------------------------------------------


def test_assigning_a_task_to_a_member_of_the_store(as_manager, store, member):
    task = one_task(as_manager, store.id, "accounts.bind_official")
    response = as_manager.patch(
        f"/api/v1/tasks/{task['id']}",
        json={
            "assignee_id": member.id,
            "note": "Use the brand's phone",
            "evidence_url": "https://example.com/shot.png",
        },
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["assignee_id"] == member.id
    assert changed["note"] == "Use the brand's phone"
    assert changed["evidence_url"] == "https://example.com/shot.png"
    shown = as_manager.get(f"/api/v1/tasks/{task['id']}").get_json()
    assert shown["assignee_id"] == member.id
    kinds = [entry["kind"] for entry in as_manager.get(f"/api/v1/tasks/{task['id']}/activity").json]
    assert {"assigned", "note", "evidence"} <= set(kinds)
    cleared = as_manager.patch(
        f"/api/v1/tasks/{task['id']}", json={"assignee_id": None, "evidence_url": ""}
    ).get_json()
    assert cleared["assignee_id"] is None
    assert cleared["evidence_url"] is None
    assert cleared["note"] == "Use the brand's phone"


@pytest.fixture
def outsider_id(make_user) -> int:
    return make_user("member").id


BAD_TASK_PATCH: dict[str, list[Any]] = {
    "evidence_url": [
        "ftp://example.com/file",
        "not a link",
        "https://",
        42,
        "https://example.com/" + "a" * 500,
        "  https://example.com/" + "a" * 479,  # 501: 500 at most, spaces included
        "https://[::1/shot.png",  # once a 500: urlsplit raised on the unclosed "["
        "https://exam\tple.com/shot.png",
    ],
    "note": [7, ["a"], "x" * 5001],
    "assignee_id": [999_999, "someone", True, [1], {"id": 1}, "outsider"],
    "status": ["done"],
    # A due date can be moved by hand (issue 14), but only to a real date.
    "due_on": [None, "next week", "2026-02-30", "2300-01-01", 20261201],
}


@pytest.mark.parametrize("field", BAD_TASK_PATCH)
def test_a_bad_task_change_answers_400_naming_the_field_and_changes_nothing(
    as_manager, store, outsider_id, member, field
):
    task = one_task(as_manager, store.id, "accounts.bind_official")
    for value in BAD_TASK_PATCH[field]:
        value = outsider_id if value == "outsider" else value
        # A good change sent alongside must not be saved either.
        good = {"assignee_id": member.id} if field != "assignee_id" else {"note": "half-saved?"}
        response = as_manager.patch(f"/api/v1/tasks/{task['id']}", json={**good, field: value})
        assert response.status_code == 400, (value, response.get_data(as_text=True))
        assert response.get_json()["error"]["field"] == field, value
        assert as_manager.get(f"/api/v1/tasks/{task['id']}").get_json() == task, value
        assert as_manager.get(f"/api/v1/tasks/{task['id']}/activity").get_json() == [], value


def test_a_task_change_that_is_not_a_json_object_answers_400(as_manager, store):
    task = one_task(as_manager, store.id, "accounts.bind_official")
    for payload in NOT_AN_OBJECT:
        response = send_raw(as_manager, "patch", f"/api/v1/tasks/{task['id']}", payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == "body", payload
    assert as_manager.get(f"/api/v1/tasks/{task['id']}").get_json() == task


# --- custom tasks -------------------------------------------------------------------------------


def test_adding_a_task_by_hand(as_member, store, member):
    response = as_member.post(
        f"/api/v1/stores/{store.id}/tasks",
        json={
            "title": "Photograph the new lipsticks",
            "due_on": days(5),
            "phase": "growth",
            "critical": True,
            "assignee_id": member.id,
            "description": "White background, three angles.",
        },
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert task["title"] == "Photograph the new lipsticks"
    assert task["due_on"] == days(5)
    assert task["phase"] == "growth"
    assert task["critical"] is True
    assert task["assignee_id"] == member.id
    assert task["status"] == "open"
    assert task["key"]
    listed = one_task(as_member, store.id, task["key"])
    assert listed["id"] == task["id"]
    assert complete(as_member, task["id"])["status"] == "done"


def test_a_task_added_by_hand_survives_a_plan_change(as_manager, store):
    response = as_manager.post(
        f"/api/v1/stores/{store.id}/tasks", json={"title": "Call the forwarder", "due_on": days(1)}
    )
    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert added["phase"] == "routine"
    assert added["critical"] is False
    response = as_manager.patch(f"/api/v1/stores/{store.id}", json={"market": "UK"})
    assert response.status_code == 200, response.get_json()
    assert one_task(as_manager, store.id, added["key"])["status"] == "open"


BAD_CUSTOM_TASK: dict[str, list[Any]] = {
    "title": [None, "", "   ", 12, "x" * 301],
    # Left out or null, it is the store's today (issue 14's quick add).
    "due_on": ["next week", "2026-02-30", "2300-01-01", 20261201],
    # {}, [], 0 and false once passed for "routine" (the fuzzer found it): only null or "" do.
    "phase": ["someday", 3, {}, [], 0, False],
    "critical": ["yes", 1, None],
    "assignee_id": [999_999, "abc", True, [2], "outsider"],
    "description": [5, ["a"], "x" * 5001],
    "colour": ["red"],
}


@pytest.mark.parametrize("field", BAD_CUSTOM_TASK)
def test_adding_a_task_with_a_bad_field_answers_400_and_adds_nothing(
    as_manager, store, outsider_id, field
):
    before = task_count()
    for value in BAD_CUSTOM_TASK[field]:
        value = outsider_id if value == "outsider" else value
        body = {"title": "Call the forwarder", "due_on": days(2), field: value}
        response = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json=body)
        assert response.status_code == 400, (value, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["field"] == field, (value, error)
        assert error["code"] == "invalid"
    assert task_count() == before


def test_adding_a_task_from_a_body_that_is_not_an_object_answers_400(as_manager, store):
    before = task_count()
    for payload in NOT_AN_OBJECT:
        response = send_raw(as_manager, "post", f"/api/v1/stores/{store.id}/tasks", payload)
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == "body", payload
    assert task_count() == before


def test_a_phase_that_is_not_text_answers_400_not_500(as_manager, store):
    before = task_count()
    for phase in (["growth"], {"growth": 1}):
        body = {"title": "Call the forwarder", "due_on": days(2), "phase": phase}
        response = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json=body)
        assert_error(response, 400, "invalid", "phase")
    assert task_count() == before


def test_a_fractional_person_id_is_refused_not_rounded(as_manager, store, member):
    # Half past the member's id must not quietly pick the member.
    fractional = member.id + 0.5
    body = {"title": "Call the forwarder", "due_on": days(2), "assignee_id": fractional}
    response = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json=body)
    assert_error(response, 400, "invalid", "assignee_id")
    task = one_task(as_manager, store.id, "accounts.bind_official")
    response = as_manager.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": fractional})
    assert_error(response, 400, "invalid", "assignee_id")
    assert as_manager.get(f"/api/v1/tasks/{task['id']}").get_json()["assignee_id"] is None


# --- input the database cannot hold -------------------------------------------------------------

# Beyond PostgreSQL's integer (2**31 - 1) and beyond SQLite's (2**63 - 1).
TOO_BIG = (2**31, 2**63)


def test_a_count_too_big_to_store_never_answers_500(as_manager, store):
    # Refusing it (400 naming the field) or keeping it are both fine; crashing is not.
    for field, value in [(f, v) for f in ("followers", "follower_target") for v in TOO_BIG]:
        created = as_manager.post("/api/v1/stores", json=store_body(**{field: value}))
        assert created.status_code in (201, 400), (value, created.get_data(as_text=True)[:300])
        if created.status_code == 400:
            assert created.get_json()["error"]["field"] == field
        changed = as_manager.patch(f"/api/v1/stores/{store.id}", json={field: value})
        assert changed.status_code in (200, 400), (value, changed.get_data(as_text=True)[:300])
        if changed.status_code == 400:
            assert changed.get_json()["error"]["field"] == field
        shown = as_manager.get(f"/api/v1/stores/{store.id}").get_json()
        assert shown[field] == (value if changed.status_code == 200 else shown[field])


def test_a_person_id_too_big_to_store_answers_400_not_500(as_manager, store):
    task = one_task(as_manager, store.id, "accounts.bind_official")
    before = task_count()
    for value in (*TOO_BIG, 10**30, float("inf")):
        body = {"title": "Call the forwarder", "due_on": days(2), "assignee_id": value}
        added = as_manager.post(f"/api/v1/stores/{store.id}/tasks", json=body)
        assert added.status_code == 400, (value, added.get_data(as_text=True)[:300])
        assert added.get_json()["error"]["field"] == "assignee_id"
        changed = as_manager.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_id": value})
        assert changed.status_code == 400, (value, changed.get_data(as_text=True)[:300])
        assert changed.get_json()["error"]["field"] == "assignee_id"
    assert task_count() == before


def test_an_id_in_the_address_beyond_any_row_answers_404_not_500(as_manager, store):
    for huge in (3_000_000_000, 99_999_999_999_999_999_999):
        for endpoint in _store_endpoints(huge, huge):
            response = _call(as_manager, endpoint)
            assert response.status_code == 404, (endpoint, response.get_data(as_text=True)[:300])


def _nul_requests(store_id: int, task_id: int) -> list[tuple[str, str, str, dict[str, Any]]]:
    nul = "before\x00after"
    due = {"title": "Call the forwarder", "due_on": days(2)}
    return [
        ("name", "post", "/api/v1/stores", store_body(name=nul)),
        ("name", "patch", f"/api/v1/stores/{store_id}", {"name": nul}),
        ("title", "post", f"/api/v1/stores/{store_id}/tasks", {**due, "title": nul}),
        ("description", "post", f"/api/v1/stores/{store_id}/tasks", {**due, "description": nul}),
        ("note", "patch", f"/api/v1/tasks/{task_id}", {"note": nul}),
        (
            "evidence_url",
            "patch",
            f"/api/v1/tasks/{task_id}",
            {"evidence_url": "https://e.com/" + nul},
        ),
    ]


def test_text_with_a_nul_character_never_answers_500(as_manager, store):
    # Refusing it (400) or keeping it as sent are both fine; failing inside the database is not.
    task = one_task(as_manager, store.id, "accounts.bind_official")
    for field, method, path, body in _nul_requests(store.id, task["id"]):
        response = getattr(as_manager, method)(path, json=body)
        assert response.status_code < 500, (field, method, path)
        if response.status_code == 400:
            assert response.get_json()["error"]["field"] == field


# --- activity -----------------------------------------------------------------------------------


def test_activity_lists_who_completed_and_reopened_a_task(
    as_manager, as_member, store, manager, member
):
    task = one_task(as_member, store.id, "accounts.bind_official")
    complete(as_member, task["id"])
    assert as_manager.post(f"/api/v1/tasks/{task['id']}/reopen").status_code == 200

    entries = as_manager.get(f"/api/v1/tasks/{task['id']}/activity").get_json()
    assert [(entry["kind"], entry["by"]) for entry in entries[:2]] == [
        ("reopened", manager.email),
        ("completed", member.email),
    ]
    for entry in entries:
        assert entry["task_id"] == task["id"]
        assert entry["message"] and entry["at"]

    store_entries = as_member.get(f"/api/v1/stores/{store.id}/activity").get_json()
    about_task = [entry for entry in store_entries if entry["task_id"] == task["id"]]
    assert [entry["kind"] for entry in about_task][:2] == ["reopened", "completed"]
    assert "store_created" in [entry["kind"] for entry in store_entries]
    ids = [entry["id"] for entry in store_entries]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("field", ["entity", "followers", "model", "market", "opened_on"])
def test_null_for_a_field_that_always_has_a_value_is_refused(
    app, make_user, make_store, api_as, field
):
    manager = make_user()
    store = make_store(actor=manager, entity="HK", followers=120)
    api = api_as(manager)
    answer = api.patch(f"/api/v1/stores/{store.id}", json={field: None})
    assert answer.status_code == 400
    assert answer.json["error"]["field"] == field
    again = api.get(f"/api/v1/stores/{store.id}").json
    assert again["entity"] == "HK" and again["followers"] == 120


def test_null_inspection_end_means_not_known_again(app, make_user, make_store, api_as):
    manager = make_user()
    store = make_store(actor=manager, inspection_ends_on="2026-12-20")
    answer = api_as(manager).patch(f"/api/v1/stores/{store.id}", json={"inspection_ends_on": None})
    assert answer.status_code == 200 and answer.json["inspection_ends_on"] is None
