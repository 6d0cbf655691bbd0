"""Creating endpoints take an Idempotency-Key: a repeat gets the first answer, not a copy.

Before, a client whose create timed out or whose connection dropped after the commit could
only send it again, and created a duplicate store, task or comment.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.api.test_after_commit import connection_lost_after_commit  # noqa: F401 (fixture)
from tracker.auth.models import RepeatableRequest
from tracker.auth.repeats import prune_repeats
from tracker.clock import utcnow
from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task, TaskComment

STORE = {"name": "Repeat shop", "model": "pop", "market": "US", "entity": "CN",
         "categories": ["beauty"], "opened_on": "2026-01-05"}  # fmt: skip


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_repeated_store_create_answers_the_first_store_and_makes_no_second(make_user, api_as):
    api = api_as(make_user())
    key = {"Idempotency-Key": "5f1c7a9e-store-1"}
    first = api.post("/api/v1/stores", json=STORE, headers=key)
    again = api.post("/api/v1/stores", json=STORE, headers=key)

    assert first.status_code == 201, first.get_json()
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(Store) == 1
    # Without a key, or with another, it is a new request.
    assert api.post("/api/v1/stores", json=STORE).status_code == 201
    assert (
        api.post("/api/v1/stores", json=STORE, headers={"Idempotency-Key": "k2"}).status_code == 201
    )
    assert _count(Store) == 3


def test_the_same_key_with_another_body_is_refused_with_422(make_user, make_store, api_as):
    manager = make_user()
    store = make_store(actor=manager)
    api = api_as(manager)
    key = {"Idempotency-Key": "task-key"}
    path = f"/api/v1/stores/{store.id}/tasks"
    assert api.post(path, json={"title": "Call the forwarder"}, headers=key).status_code == 201
    other = api.post(path, json={"title": "Call the bank"}, headers=key)
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert other.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count(Task, Task.title == "Call the bank") == 0


def test_keys_are_each_persons_own(make_user, make_store, api_as):
    manager = make_user()
    store = make_store(actor=manager)
    task_id = db.session.scalar(select(Task.id).where(Task.store_id == store.id).limit(1))
    first, second = api_as(manager), api_as(make_user())
    key = {"Idempotency-Key": "comment-1"}
    path = f"/api/v1/tasks/{task_id}/comments"
    assert first.post(path, json={"body": "Sent the samples"}, headers=key).status_code == 201
    assert second.post(path, json={"body": "Sent the samples"}, headers=key).status_code == 201
    assert _count(TaskComment) == 2


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(make_user, api_as):
    api = api_as(make_user())
    key = {"Idempotency-Key": "fix-and-resend"}
    bad = api.post("/api/v1/stores", json={**STORE, "market": "XX"}, headers=key)
    assert bad.status_code == 400
    good = api.post("/api/v1/stores", json=STORE, headers=key)
    assert good.status_code == 201
    assert _count(Store) == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "clé-unicode"])
def test_an_unusable_key_is_refused_by_name(make_user, api_as, key):
    api = api_as(make_user())
    answer = api.post("/api/v1/stores", json=STORE, headers={"Idempotency-Key": key})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == "Idempotency-Key"
    assert _count(Store) == 0


def test_a_create_saved_before_the_connection_dropped_is_not_made_twice_by_the_retry(
    make_user,
    make_store,
    api_as,
    connection_lost_after_commit,  # noqa: F811
):
    manager = make_user()
    store = make_store(actor=manager)
    api = api_as(manager)
    key = {"Idempotency-Key": "lost-answer"}
    path = f"/api/v1/stores/{store.id}/tasks"
    body = {"title": "Book the studio", "due_on": "2026-12-20"}

    connection_lost_after_commit["armed"] = True
    first = api.post(path, json=body, headers=key)
    connection_lost_after_commit.update(armed=False, committed=False)
    assert first.status_code == 201  # saved, and answered as saved

    again = api.post(path, json=body, headers=key)
    # The answer could not be kept (the database was gone), but the key was saved with the
    # task: the retry is told so instead of creating a second task.
    assert again.status_code in (201, 409)
    if again.status_code == 409:
        assert again.get_json()["error"]["code"] == "idempotency_key_in_use"
    assert _count(Task, Task.title == "Book the studio") == 1


def test_keys_are_forgotten_after_the_retention_period(app, make_user, api_as):
    api = api_as(make_user())
    key = {"Idempotency-Key": "old-key"}
    assert api.post("/api/v1/stores", json=STORE, headers=key).status_code == 201
    hours = app.config["TRACKER_IDEMPOTENCY_HOURS"]
    db.session.execute(
        update(RepeatableRequest).values(created_at=utcnow() - timedelta(hours=hours + 1))
    )
    db.session.commit()
    # An old key is a new request again, and the tick's pruning deletes old keys.
    assert api.post("/api/v1/stores", json=STORE, headers=key).status_code == 201
    assert _count(Store) == 2
    db.session.execute(
        update(RepeatableRequest).values(created_at=utcnow() - timedelta(hours=hours + 1))
    )
    assert prune_repeats(retention_hours=hours) == 1
    db.session.commit()
    assert _count(RepeatableRequest) == 0


def test_the_description_names_the_header_on_every_creating_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    creating = [
        ("/api/v1/stores", "post"),
        ("/api/v1/stores/{store_id}/tasks", "post"),
        ("/api/v1/stores/{store_id}/accounts", "post"),
        ("/api/v1/stores/{store_id}/lives", "post"),
        ("/api/v1/stores/{store_id}/hot-videos", "post"),
        ("/api/v1/stores/{store_id}/product-lines", "post"),
        ("/api/v1/stores/{store_id}/imports", "post"),
        ("/api/v1/tasks/{task_id}/comments", "post"),
        ("/api/v1/checklists", "post"),
    ]
    for path, method in creating:
        operation = spec["paths"][path][method]
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], path
        assert "idempotency_key_reused" in operation["responses"]["422"]["x-error-codes"]
        assert "idempotency_key_in_use" in operation["responses"]["409"]["x-error-codes"]
