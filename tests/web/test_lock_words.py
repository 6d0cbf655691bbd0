"""A lock names the tasks it waits for by title, wherever it is said: the page's refusal,
the API's refusal, a task's and the readiness view's ``locked_because``.

Found by a new user's walk-through: ticking a locked task off said "This task is locked:
waiting for: positioning.store_style, …" on the page (plain and htmx) and in the API,
while the row itself says "waiting for: Define the store style…" (docs/using.md: "A lock
names the tasks it waits for by title").
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.tasks.models import Task

AWAITED = "positioning.store_style"


@pytest.fixture
def locked_ads(make_user, make_store, catalog):
    """The ads task of a store, locked: it waits for the positioning work (and followers)."""
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01", follower_target=1000)
    ads = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.key == "ads.launch")
    ).one()
    assert AWAITED in ads.gate["tasks"]
    return manager, ads, catalog.entry(AWAITED).title


def _says_title_not_key(text: str, title: str) -> None:
    assert AWAITED not in text, text
    assert title in text, text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
def test_ticking_a_locked_task_on_the_page_names_what_it_waits_for_by_title(
    client, login, locked_ads, htmx
):
    manager, ads, title = locked_ads
    login(manager)
    headers = {"HX-Request": "true"} if htmx else {}
    answer = client.post(f"/tasks/{ads.id}/complete", headers=headers, follow_redirects=True)
    page = html.unescape(answer.get_data(as_text=True))
    said = page.split("This task is locked:", 1)
    assert len(said) == 2, page[:3000]
    _says_title_not_key(said[1].split("<", 1)[0], title)


def test_the_api_names_what_a_lock_waits_for_by_title(api_as, locked_ads):
    manager, ads, title = locked_ads
    api = api_as(manager)
    refused = api.post(f"/api/v1/tasks/{ads.id}/complete")
    assert refused.status_code == 409
    _says_title_not_key(refused.get_json()["error"]["message"], title)
    task = api.get(f"/api/v1/tasks/{ads.id}").get_json()
    _says_title_not_key(" ".join(task["locked_because"]), title)
