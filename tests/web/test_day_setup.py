"""Setting a store up: the review says what the store will get, where the person is looking;
the plan's counters follow the ticks; adding a task lands on an open form (issue 14, 6 and 8)."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.stores.models import Store
from tracker.tasks.models import Task

US_POP = {
    "name": "Sunny Beauty US",
    "market": "US",
    "entity": "CN",
    "store_type": "",
    "opened_on": "2026-11-02",
    "categories": ["beauty"],
    "model": "pop",
}
UK_FM = {
    "name": "Sunny Beauty UK",
    "market": "UK",
    "entity": "CN",
    "store_type": "",
    "opened_on": "2026-12-15",
    "categories": ["beauty"],
    "model": "full_managed",
}


def _review_counts(page: str) -> tuple[int, dict[str, int]]:
    review = page.split('id="review"', 1)[1]
    total = int(re.search(r'data-total="(\d+)"', review).group(1))
    found = re.findall(r'data-phase="(\w+)" data-count="(\d+)"', review)
    phases = {key: int(n) for key, n in found}
    return total, phases


@pytest.mark.parametrize("form", [US_POP, UK_FM], ids=["us-pop", "uk-full-managed"])
def test_the_review_counts_exactly_the_tasks_the_created_store_gets(client, make_user, login, form):
    login(make_user())
    review = client.post("/stores/new", data=form | {"action": "review"})
    assert review.status_code == 200, review.text[:500]
    total, phases = _review_counts(review.text)
    assert re.search(rf">{total} tasks\b", review.text)

    created = client.post("/stores/new", data=form | {"action": "create"})
    assert created.status_code == 302, created.text[:2000]
    store = db.session.scalars(select(Store)).one()
    tasks = db.session.scalars(select(Task).where(Task.store_id == store.id)).all()
    assert len(tasks) == total
    assert dict(Counter(task.phase for task in tasks)) == phases


@pytest.mark.parametrize("form", [US_POP, UK_FM], ids=["us-pop", "uk-full-managed"])
def test_the_reviews_first_tasks_are_the_ones_the_created_store_gets(
    client, make_user, login, form
):
    """A peak's task key is the same for every peak: the review named each first task after
    the last peak of that key in view (issue found on review: "Check the shop performance
    score for Christmas 2028" due 2026-11-02, when the store gets Christmas 2026's)."""
    login(make_user())
    review = client.post("/stores/new", data=form | {"action": "review"}).text
    listed = review.split('id="review"', 1)[1].split('class="phase-counts"', 1)[1]
    listed = listed.split("<ul>", 1)[1].split("</ul>", 1)[0]
    lines = [
        html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in listed.split("<li>")[1:]
    ]
    assert lines
    assert client.post("/stores/new", data=form | {"action": "create"}).status_code == 302
    store = db.session.scalars(select(Store)).one()
    plan = html.unescape(client.get(f"/stores/{store.id}").text)
    for line in lines:
        _, title = line.split(" — ", 1)
        title = title.replace(" Locked", "").replace(" locked", "").strip()
        assert title in plan, (line, store.name)


def test_the_review_says_which_peak_work_is_left_out_because_it_falls_before_opening(
    client, make_user, login
):
    """The plan leaves out peak work due before the store opens and warns of it (``tracker
    plan preview`` says so); the review said "No warnings" (found on review)."""
    login(make_user())
    review = client.post("/stores/new", data=US_POP | {"action": "review"}).text
    review = html.unescape(review.split('id="review"', 1)[1])
    assert 'data-code="peak_deadline_before_opening"' in review
    assert "Peak work before opening" in review
    assert "fell before the store opened on" in review  # it opened on 2026-11-02
    assert "No warnings" not in review
    # The tasks left out are named by title, not by key.
    said = review.split('data-code="peak_deadline_before_opening"', 1)[1].split("</li>", 1)[0]
    assert "stockup." not in said and "Forecast" in said, said


def test_every_warning_the_review_shows_is_named_in_words(client, make_user, login):
    """Review mend: a slow freight's warning showed its code, ``inbound_request_expires``,
    as its badge: it had no label."""
    login(make_user())
    form = US_POP | {"lead_time_days": "90"}
    review = html.unescape(client.post("/stores/new", data=form | {"action": "review"}).text)
    review = review.split('id="review"', 1)[1]
    badges = re.findall(r'data-code="(\w+)" title="\w+">([^<]+)</span>', review)
    assert "inbound_request_expires" in {code for code, _ in badges}, badges
    assert all(code != words.strip() for code, words in badges), badges


def test_the_review_is_where_the_person_is_looking(client, make_user, login):
    login(make_user())
    page = client.post("/stores/new", data=US_POP | {"action": "review"}).text
    # The page opens at the review (a fragment the browser scrolls to) and focuses it.
    assert re.search(r'<article id="review"[^>]*tabindex="-1"[^>]*autofocus', page)
    assert re.search(r'<button[^>]*value="review"[^>]*formaction="[^"]*#review"', page)


def test_ticking_on_the_plan_updates_its_counters_in_the_same_answer(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    page = client.get(f"/stores/{store.id}").text
    total = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.status.in_(("open", "done")))
    ).all()
    assert f">0/{len(total)}<" in page
    task = next(t for t in total if not t.gate and t.recurrence is None and t.status == "open")
    answer = client.post(
        f"/tasks/{task.id}/complete", headers={"HX-Request": "true", "HX-Current-URL": "x"}
    )
    body = answer.text
    # The row, and the counters swapped out of band: the store's and the phase's.
    assert f'id="task-{task.id}"' in body
    counter = re.search(r'<strong id="done-count"[^>]*hx-swap-oob="true"[^>]*>([^<]*)<', body)
    assert counter and counter.group(1) == f"1/{len(total)}"
    assert re.search(rf'id="phase-{task.phase}-count"[^>]*hx-swap-oob="true"', body)

    undone = client.post(f"/tasks/{task.id}/reopen", headers={"HX-Request": "true"}).text
    counter = re.search(r'<strong id="done-count"[^>]*hx-swap-oob="true"[^>]*>([^<]*)<', undone)
    assert counter and counter.group(1) == f"0/{len(total)}"


def test_add_a_task_leads_to_an_open_form(client, make_user, make_store, login):
    manager = make_user()
    store = make_store(actor=manager)
    login(manager)
    plan = html.unescape(client.get(f"/stores/{store.id}").text)
    link = re.search(r'<a href="([^"]+)">Add a task</a>', plan).group(1)
    page = client.get(link)
    assert page.status_code == 200
    form = page.text.split("<main", 1)[1]
    assert "<details" not in form.split("</form>", 1)[0]
    assert re.search(r'<input[^>]*name="title"[^>]*autofocus', form)

    refused = client.post(
        f"/stores/{store.id}/tasks", data={"title": "Film the unboxing", "due_on": "soon"}
    )
    assert refused.status_code == 400
    assert 'value="Film the unboxing"' in refused.text and "Due on" in refused.text

    added = client.post(
        f"/stores/{store.id}/tasks", data={"title": "Film the unboxing", "due_on": "2026-12-20"}
    )
    assert added.status_code == 302
    assert db.session.scalars(select(Task).where(Task.title == "Film the unboxing")).one()


def _zone_field(page: str) -> str:
    found = re.search(r'<input name="timezone"[^>]*>', page)
    assert found, "no time zone field"
    return found.group(0)


def test_time_zone_fields_are_a_searchable_list_of_canonical_zones(client, make_user, login):
    first_run = client.get("/setup").text
    field = _zone_field(first_run)
    assert 'list="zone-names"' in field and "data-guess-zone" in field
    assert '<option value="Asia/Shanghai">' in first_run
    assert '<option value="US/Pacific">' not in first_run  # a link, not a canonical name
    assert "/static/zone.js" in first_run

    manager = make_user()
    login(manager)
    for path in ("/stores/new", "/account/reminders"):  # People invites: the invitee picks
        page = client.get(path).text
        assert 'list="zone-names"' in _zone_field(page), path
        assert '<option value="America/Los_Angeles">' in page, path
    # A saved zone is kept, not guessed over; the browser's is offered with a button.
    settings = client.get("/account/reminders").text
    assert "data-guess-zone" not in _zone_field(settings) and "data-use-zone" in settings


def test_a_zone_not_on_the_list_is_refused_by_the_server(client, make_user, login):
    login(make_user())
    answer = client.post(
        "/account/reminders",
        data={"timezone": "Mars/Olympus", "remind_days_before": "1", "remind_at": "09:00"},
    )
    assert answer.status_code == 400
    assert "Mars/Olympus" in answer.text and "Time zone" in answer.text


def test_the_store_page_keeps_saying_what_the_plan_left_out(client, make_user, login):
    """The review warned that peak work falling before the opening was left out, but once the
    store was created its page showed only the eligibility warnings: a seller looking for
    the Christmas stock-up order there found nothing, and no word why (left open in earlier
    notes, "plan warnings after creation")."""
    login(make_user())
    form = US_POP | {"lead_time_days": "90"}
    review = html.unescape(client.post("/stores/new", data=form | {"action": "review"}).text)
    review = review.split('id="review"', 1)[1]
    about_review = review.split("About the plan", 1)[1].split("<h3>", 1)[0]
    warned = set(re.findall(r'data-code="(\w+)"', about_review))
    assert {"peak_deadline_before_opening", "inbound_request_expires"} <= warned
    assert client.post("/stores/new", data=form | {"action": "create"}).status_code == 302
    store = db.session.scalars(select(Store)).one()

    page = html.unescape(client.get(f"/stores/{store.id}").text)

    about = page.split('id="about-the-plan"', 1)[1].split("</details>", 1)[0]
    assert set(re.findall(r'data-code="(\w+)"', about)) == warned
    said = about.split('data-code="peak_deadline_before_opening"', 1)[1].split("</li>", 1)[0]
    assert "fell before the store opened on" in said
    assert "stockup." not in said and "Forecast" in said, said


def test_a_store_whose_plan_left_nothing_out_says_nothing_about_it(client, make_user, login):
    login(make_user())
    form = US_POP | {"opened_on": "2026-01-05"}
    assert client.post("/stores/new", data=form | {"action": "create"}).status_code == 302
    store = db.session.scalars(select(Store)).one()
    assert 'id="about-the-plan"' not in client.get(f"/stores/{store.id}").text


@pytest.mark.parametrize(
    ("opened_on", "said"),
    [
        ("2026-11-02", "fell before the store opened on 2026-11-02"),
        (None, "fall before the store opens on"),
    ],
    ids=["opened", "opening"],
)
def test_the_left_out_work_is_told_in_the_tense_of_the_opening(
    client, make_user, login, opened_on, said
):
    """A store open for a month read that its work "falls before the store opens on
    2026-11-01" (found trying it)."""
    from datetime import timedelta

    from tracker.clock import local_today

    opened_on = opened_on or (local_today("America/New_York") + timedelta(days=5)).isoformat()
    login(make_user())
    form = US_POP | {"opened_on": opened_on, "lead_time_days": "90"}
    assert client.post("/stores/new", data=form | {"action": "create"}).status_code == 302
    store = db.session.scalars(select(Store)).one()
    page = html.unescape(client.get(f"/stores/{store.id}").text)
    about = page.split('id="about-the-plan"', 1)[1].split("</details>", 1)[0]
    assert said in about
