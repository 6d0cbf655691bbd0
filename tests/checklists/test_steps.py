"""A checklist's steps in the stores: dated from the step before at once, named by their titles."""

from __future__ import annotations

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
