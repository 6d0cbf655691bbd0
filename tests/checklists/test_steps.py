"""A checklist's steps in the stores: dated from the step before at once, named by their titles."""

from __future__ import annotations

import re

import pytest

from tests.checklists.test_api import live_prep, sop_tasks
from tests.web.test_api import complete, days


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def store(make_store, manager):
    """A US store opened ten days ago."""
    return make_store(actor=manager, opened_on=days(-10))


@pytest.fixture
def as_manager(api_as, manager):
    return api_as(manager)


def _activity(api, task_id: int) -> list[str]:
    response = api.get(f"/api/v1/tasks/{task_id}/activity")
    assert response.status_code == 200, response.get_json()
    return [entry["message"] for entry in response.get_json()]


def test_ticking_a_step_dates_the_step_after_it_at_once(as_manager, store):
    """The rehearsal is due two days after the script is done: from the moment it is ticked."""
    as_manager.post("/api/v1/checklists", json=live_prep())
    tasks = sop_tasks(as_manager, store.id)
    rehearse = tasks["sop.live_prep.rehearse"]
    assert rehearse["due_on"] == days(12)  # the script's own date (in 10 days) + 2
    complete(as_manager, tasks["sop.live_prep.script"]["id"])  # done today, 10 days early
    now = sop_tasks(as_manager, store.id)["sop.live_prep.rehearse"]
    assert (now["status"], now["due_on"]) == ("open", days(2))
    assert any(
        message.startswith(f"Due date moved from {days(12)} to {days(2)}")
        and "Write the live script" in message
        for message in _activity(as_manager, rehearse["id"])
    )


def _lock_lines(html: str) -> list[str]:
    return [part.split("</div>")[0] for part in html.split('<div class="lock">')[1:]]


def test_a_locked_step_names_the_step_it_waits_for_by_title_with_a_link(
    as_manager, store, login, manager
):
    as_manager.post("/api/v1/checklists", json=live_prep())
    tasks = sop_tasks(as_manager, store.id)
    client = login(manager)
    page = client.get(f"/tasks/{tasks['sop.live_prep.rehearse']['id']}").get_data(as_text=True)
    (lock,) = _lock_lines(page)
    link = f'<a href="/stores/{store.id}/steps/sop.live_prep.script">Write the live script</a>'
    assert f"waiting for: {link}" in lock
    assert "sop." not in re.sub(r"<[^>]+>", "", lock)  # the key is never what people read
    zh = client.get(
        f"/tasks/{tasks['sop.live_prep.rehearse']['id']}", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    (lock_zh,) = _lock_lines(zh)
    assert f"需先完成：{link}" in lock_zh
    # The link opens the step in this store.
    opened = client.get(f"/stores/{store.id}/steps/sop.live_prep.script")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/tasks/{tasks['sop.live_prep.script']['id']}")
    # The API says the title too, never the key, and keeps the keys in the gate.
    rehearse = as_manager.get(f"/api/v1/tasks/{tasks['sop.live_prep.rehearse']['id']}").json
    assert rehearse["locked_because"] == ["waiting for: Write the live script"]
    assert rehearse["gate"]["tasks"] == ["sop.live_prep.script"]


def test_a_default_assignee_gets_the_step_only_in_stores_they_work_on(
    as_manager, store, make_store, manager, make_user
):
    """A member named on an entry gets its task where they are on the store; elsewhere it
    stays unassigned (the managers are reminded), not given to someone who cannot see it."""
    host = make_user("member")
    theirs = make_store(actor=manager, members=(host,), name="Host's store", opened_on=days(-10))
    body = live_prep()
    body["entries"][1]["assignee_id"] = host.id
    assert as_manager.post("/api/v1/checklists", json=body).status_code == 201
    assert sop_tasks(as_manager, theirs.id)["sop.live_prep.script"]["assignee_id"] == host.id
    assert sop_tasks(as_manager, store.id)["sop.live_prep.script"]["assignee_id"] is None
