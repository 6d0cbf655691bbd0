"""Calendar feeds: what a calendar client receives, and who may make, regenerate and revoke them.

Every feed is read by two parsers that share no code: the ``icalendar`` library
the feed is written with, and allenporter's ``ical`` (a separate implementation,
built on pydantic).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import select

from tracker.calendar import services as calendar_services
from tracker.calendar.models import CalendarFeed
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.lives.hot_videos import log_hot_video
from tracker.playbook.peaks import peaks_between
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.services import add_custom_task, complete_task, remove_member

# Fourteen hours ahead of UTC: for most of the day its date is not UTC's.
FAR_ZONE = "Pacific/Kiritimati"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FEED_URL = re.compile(r'id="feed-url">https?://[^/]+/calendar/(cal_[A-Za-z0-9_-]+)\.ics<')


# --- helpers --------------------------------------------------------------------------------


def feed_path(secret: str, query: str = "") -> str:
    return f"/calendar/{secret}.ics{query}"


def parse_both(body: bytes) -> tuple[icalendar.Calendar, Any]:
    """Parse a feed with both parsers; fail if either refuses it or they disagree on events."""
    first = icalendar.Calendar.from_ical(body)
    # icalendar collects what it could not read instead of raising.
    assert first.errors == [], first.errors
    for component in first.walk():
        assert component.errors == [], (component.name, component.errors)
    second = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    assert sorted(e["UID"] for e in first.walk("VEVENT")) == sorted(e.uid for e in second.events)
    return first, second


def fetch(client: Any, secret: str, query: str = "") -> tuple[icalendar.Calendar, Any]:
    """Fetch a feed as a calendar client would (no login) and parse it both ways."""
    response = client.get(feed_path(secret, query))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return parse_both(response.data)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def task_uids(calendar: icalendar.Calendar) -> set[str]:
    return {uid for uid in events(calendar) if uid.startswith("task-")}


def uid_of(task: Task) -> str:
    return f"task-{task.id}@127.0.0.1"  # the host of TRACKER_BASE_URL


def custom(store: Store, catalog: Any, actor: Any, title: str, **extra: Any) -> Task:
    raw = {"title": title, "due_on": local_today(store.zone).isoformat(), "phase": "routine"}
    return add_custom_task(store, raw | extra, catalog, actor)


def open_store(make_store: Any, manager: Any, **overrides: Any) -> Store:
    """A POP store two months old, so its plan has daily and weekly occurrences in view."""
    today = local_today("America/Los_Angeles")
    return make_store(
        actor=manager,
        opened_on=(today - timedelta(days=60)).isoformat(),
        inspection_ends_on=(today - timedelta(days=40)).isoformat(),
        **overrides,
    )


def issue_in_page(client: Any, path: str) -> str:
    """Press the page's button that makes a feed address; return the secret shown once."""
    response = client.post(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    found = _FEED_URL.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


# --- what the client receives ---------------------------------------------------------------


def test_a_store_feed_is_a_calendar_both_parsers_accept(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager, name="阳光美妆 Sunny, US; “quoted”")
    tricky = custom(
        store,
        catalog,
        manager,
        "Reply to buyers, returns; refunds, and a very long title " + "x" * 120,
        description="First line\nSecond line, with a comma; and a semicolon \\ backslash",
    )
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    first, second = fetch(client, secret)
    assert first["VERSION"] == "2.0" and first["METHOD"] == "PUBLISH"
    assert "tracker" in str(first["PRODID"])
    assert first["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert str(first["X-PUBLISHED-TTL"]) == "PT1H"
    assert str(first["X-WR-CALNAME"]) == "阳光美妆 Sunny, US; “quoted”: tasks"
    assert len(second.events) > 10
    # Text survives escaping and line folding the same way in both parsers.
    event = events(first)[uid_of(tricky)]
    theirs = next(e for e in second.events if e.uid == uid_of(tricky))
    expected_summary = f"{tricky.title} · 阳光美妆 Sunny, US; “quoted”"
    assert str(event["SUMMARY"]) == theirs.summary == expected_summary
    assert "Second line, with a comma; and a semicolon \\ backslash" in theirs.description
    assert f"http://127.0.0.1:5000/tasks/{tricky.id}" in theirs.description
    assert str(event["URL"]) == f"http://127.0.0.1:5000/tasks/{tricky.id}"
    for event in first.walk("VEVENT"):
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= set(event)
        assert event["DTSTAMP"].dt.tzinfo is not None


def test_due_dates_are_all_day_on_the_date_in_the_store_zone(
    client, make_user, make_store, catalog
):
    manager = make_user()
    store = open_store(make_store, manager, name="Far East Shop", timezone=FAR_ZONE)
    today = local_today(FAR_ZONE)
    day = today + timedelta(days=5)
    task = custom(store, catalog, manager, "Photograph the new range", due_on=day.isoformat())
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    first, second = fetch(client, secret)
    event = events(first)[uid_of(task)]
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event["DTSTART"].dt == day and type(event["DTSTART"].dt) is date
    assert event["DTEND"].dt == day + timedelta(days=1)
    theirs = next(e for e in second.events if e.uid == uid_of(task))
    assert theirs.dtstart == day and type(theirs.dtstart) is date
    assert theirs.dtend == day + timedelta(days=1)
    assert event["LAST-MODIFIED"].dt == task.updated_at.replace(microsecond=0)
    # Every task of the store is an all-day event too (none is due at an hour here).
    for uid in task_uids(first):
        assert type(events(first)[uid]["DTSTART"].dt) is date


def test_an_urgent_take_over_is_a_timed_event_in_utc(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager, name="Far East Shop", timezone=FAR_ZONE)
    # 11:00 UTC is already the next day at 01:00 in the store's zone.
    now = datetime.now(UTC).replace(hour=11, minute=0, second=0, microsecond=0)
    _, tasks = log_hot_video(
        store, {"url": "https://www.tiktok.com/@shop/video/1"}, catalog, manager, now=now
    )
    take_over = tasks[0]
    assert take_over.due_at is not None
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    first, second = fetch(client, secret)
    event = events(first)[uid_of(take_over)]
    assert event["DTEND"].dt == take_over.due_at
    assert event["DTEND"].dt.utcoffset() == timedelta(0)
    assert event["DTSTART"].dt < event["DTEND"].dt
    assert event["DTEND"].to_ical().endswith(b"Z")
    theirs = next(e for e in second.events if e.uid == uid_of(take_over))
    assert theirs.dtend == take_over.due_at


def test_uids_are_stable_across_fetches_and_unique(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager)
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    first = list(events(fetch(client, secret)[0]))
    task = custom(store, catalog, manager, "Another errand")
    db.session.commit()
    second = list(events(fetch(client, secret)[0]))
    assert len(first) == len(set(first))
    assert set(second) == set(first) | {uid_of(task)}


def test_peaks_and_warm_up_starts_are_all_day_events(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager, name="Peaks Shop")
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    today = utcnow().date()
    coming = peaks_between(
        catalog.peaks, "US", today, today + timedelta(days=366), store_type=store.store_type
    )
    assert coming
    found = events(fetch(client, secret)[0])
    for peak in coming:
        event = found[f"peak-US-{peak.key}-{peak.date.isoformat()}@127.0.0.1"]
        assert event["DTSTART"].dt == peak.date and type(event["DTSTART"].dt) is date
        assert event["DTEND"].dt == peak.date + timedelta(days=1)
        assert peak.name in str(event["SUMMARY"]) and "Peaks Shop" in str(event["DESCRIPTION"])
        warmup = found[f"warmup-US-{peak.warmup_starts_on.isoformat()}@127.0.0.1"]
        assert warmup["DTSTART"].dt == peak.warmup_starts_on
        assert peak.name in str(warmup["SUMMARY"])


def test_daily_work_is_left_out_and_weekly_work_is_in(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager)
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()
    rows = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.status == "open")
    ).all()
    daily = {uid_of(t) for t in rows if t.recurrence and t.recurrence["every"] == "day"}
    weekly = {uid_of(t) for t in rows if t.recurrence and t.recurrence["every"] == "week"}
    assert daily and weekly

    uids = task_uids(fetch(client, secret)[0])
    assert not uids & daily
    assert weekly <= uids
    others = {uid_of(t) for t in rows if not t.recurrence}
    assert others <= uids


def test_locked_and_done_tasks(client, make_user, make_store, catalog):
    manager = make_user()
    store = open_store(make_store, manager)
    errand = custom(store, catalog, manager, "Tick me off")
    ads = db.session.scalar(select(Task).where(Task.store_id == store.id, Task.key == "ads.launch"))
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    found = events(fetch(client, secret)[0])
    assert "Locked: " in str(found[uid_of(ads)]["DESCRIPTION"])
    complete_task(errand.id, manager)
    db.session.commit()
    assert uid_of(errand) not in events(fetch(client, secret)[0])


def test_a_person_feed_shows_what_my_tasks_shows(client, make_user, make_store, catalog):
    manager = make_user()
    mia, noor = make_user("member"), make_user("member")
    store = make_store(actor=manager, members=(mia, noor), name="Shared Shop")
    other = make_store(actor=manager, name="Nobody's Shop")
    mine = custom(store, catalog, manager, "Mia's errand", assignee_id=mia.id)
    theirs = custom(store, catalog, manager, "Noor's errand", assignee_id=noor.id)
    nobodys = custom(store, catalog, manager, "Anyone's errand")
    managers = custom(other, catalog, manager, "Manager's errand", assignee_id=manager.id)
    elsewhere = custom(other, catalog, manager, "Unassigned elsewhere")
    _, mia_secret = calendar_services.issue_person_feed(mia)
    _, manager_secret = calendar_services.issue_person_feed(manager)
    db.session.commit()

    # A member: their own and the unassigned work of their stores, unless told otherwise.
    uids = task_uids(fetch(client, mia_secret)[0])
    assert {uid_of(mine), uid_of(nobodys)} <= uids
    assert not uids & {uid_of(theirs), uid_of(managers), uid_of(elsewhere)}
    assert task_uids(fetch(client, mia_secret, "?unassigned=0")[0]) == {uid_of(mine)}
    # A manager: their own by default; every store's unassigned work when asked.
    assert task_uids(fetch(client, manager_secret)[0]) == {uid_of(managers)}
    with_unassigned = task_uids(fetch(client, manager_secret, "?unassigned=1")[0])
    assert {uid_of(managers), uid_of(nobodys), uid_of(elsewhere)} <= with_unassigned
    assert uid_of(mine) not in with_unassigned
    name = str(fetch(client, mia_secret)[0]["X-WR-CALNAME"])
    assert mia.display_name in name


def test_a_member_feed_drops_a_store_they_were_taken_off(client, make_user, make_store, catalog):
    manager = make_user()
    mia = make_user("member")
    kept = make_store(actor=manager, members=(mia,), name="Kept Shop")
    left = make_store(actor=manager, members=(mia,), name="Left Shop", market="SG")
    stay = custom(kept, catalog, manager, "Still mine", assignee_id=mia.id)
    gone = custom(left, catalog, manager, "Was mine", assignee_id=mia.id)
    _, secret = calendar_services.issue_person_feed(mia)
    db.session.commit()
    before = fetch(client, secret)[0]
    assert {uid_of(stay), uid_of(gone)} <= task_uids(before)
    assert any(uid.startswith("peak-SG-") for uid in events(before))

    remove_member(left, mia, actor=manager)
    db.session.commit()
    after = fetch(client, secret)[0]
    assert uid_of(stay) in task_uids(after)
    assert not any(
        "Left Shop" in str(e.get("SUMMARY", "")) + str(e.get("DESCRIPTION", ""))
        for e in after.walk("VEVENT")
    )
    assert not any(uid.startswith("peak-SG-") for uid in events(after))


# --- the secret address ---------------------------------------------------------------------


def test_revoked_and_unknown_addresses_get_the_same_plain_404(client, make_user, make_store):
    manager = make_user()
    store = make_store(actor=manager)
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()
    assert client.get(feed_path(secret)).status_code == 200

    calendar_services.revoke_store_feed(store, manager)
    db.session.commit()
    revoked = client.get(feed_path(secret))
    unknown = client.get(feed_path("cal_" + "A" * 43))
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.data == unknown.data and revoked.content_type == unknown.content_type
    assert revoked.content_type.startswith("text/plain")
    for odd in ("x", "cal_" + "x" * 500, "cal_%00", "cal_%2e%2e", "%E2%98%83"):
        assert client.get(feed_path(odd)).status_code == 404, odd


def test_regenerating_stops_the_old_address_and_starts_a_new_one(client, make_user):
    mia = make_user("member")
    _, old = calendar_services.issue_person_feed(mia)
    db.session.commit()
    assert client.get(feed_path(old)).status_code == 200
    _, new = calendar_services.issue_person_feed(mia)
    db.session.commit()
    assert new != old
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_a_deactivated_person_feed_is_gone(client, make_user):
    mia = make_user("member")
    _, secret = calendar_services.issue_person_feed(mia)
    db.session.commit()
    assert client.get(feed_path(secret)).status_code == 200
    mia.active = False
    db.session.commit()
    assert client.get(feed_path(secret)).status_code == 404


def test_only_a_hash_of_the_secret_is_kept_and_the_last_use_is_noted(client, make_user):
    mia = make_user("member")
    feed, secret = calendar_services.issue_person_feed(mia)
    db.session.commit()
    assert feed.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {feed.token_hash, feed.prefix} and secret.startswith(feed.prefix)
    assert feed.last_used_at is None

    before = utcnow()
    client.get(feed_path(secret))
    db.session.expire_all()
    used = db.session.get(CalendarFeed, feed.id).last_used_at
    assert used is not None and used >= before.replace(microsecond=0) - timedelta(seconds=1)
    # A client polling again within the minute costs no write; later it is noted again.
    found = calendar_services.feed_for_secret(secret, now=used + timedelta(seconds=30))
    assert found is not None and found.last_used_at == used
    later = used + timedelta(minutes=5)
    assert calendar_services.feed_for_secret(secret, now=later).last_used_at == later
    db.session.rollback()


def test_a_feed_costs_the_same_queries_for_one_small_store_and_many_big_ones(
    app, make_user, make_store, catalog, count_queries
):
    manager = make_user()
    small_member, big_member = make_user("member"), make_user("member")
    small = make_store(actor=manager, members=(small_member,), name="Small")
    custom(small, catalog, manager, "The one errand", assignee_id=small_member.id)
    bigs = [
        open_store(make_store, manager, members=(big_member,), name=f"Big {n}", market=market)
        for n, market in enumerate(("US", "SG", "TH"))
    ]
    for store in bigs:
        for n in range(40):
            custom(store, catalog, manager, f"Errand {n}", assignee_id=big_member.id)
    secrets = {
        "small store": calendar_services.issue_store_feed(small, manager)[1],
        "big store": calendar_services.issue_store_feed(bigs[0], manager)[1],
        "small person": calendar_services.issue_person_feed(small_member)[1],
        "big person": calendar_services.issue_person_feed(big_member)[1],
    }
    db.session.commit()
    counts = {}
    for label, secret in secrets.items():
        client = app.test_client()
        assert client.get(feed_path(secret)).status_code == 200  # notes the first use
        db.session.remove()
        with count_queries() as counter:
            response = client.get(feed_path(secret))
        assert response.status_code == 200
        counts[label] = counter.count
    assert counts["small store"] == counts["big store"], counts
    assert counts["small person"] == counts["big person"], counts
    assert max(counts.values()) <= 5, counts


# --- the pages that manage feeds ------------------------------------------------------------


def test_a_person_makes_regenerates_and_revokes_their_feed_on_the_account_page(
    client, make_user, login
):
    mia = make_user("member")
    login(mia)
    page = client.get("/account").get_data(as_text=True)
    assert "Make my calendar address" in page

    secret = issue_in_page(client, "/account/calendar")
    assert client.get(feed_path(secret)).status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert secret not in page and secret[:8] in page and "Regenerate" in page

    newer = issue_in_page(client, "/account/calendar")
    assert client.get(feed_path(secret)).status_code == 404
    assert client.get(feed_path(newer)).status_code == 200

    revoked = client.post("/account/calendar/revoke")
    assert revoked.status_code == 302
    assert client.get(feed_path(newer)).status_code == 404
    assert "Make my calendar address" in client.get("/account").get_data(as_text=True)


def test_managers_manage_a_store_feed_and_members_may_not(client, make_user, make_store, login):
    manager = make_user()
    mia = make_user("member")
    store = make_store(actor=manager, members=(mia,))

    def switch_to(user: Any) -> None:
        client.post("/logout")
        login(user)

    login(mia)
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "Managers can make a calendar feed" in page
    assert f"/stores/{store.id}/calendar" not in page
    assert client.post(f"/stores/{store.id}/calendar").status_code == 403
    assert calendar_services.live_feed(store=store) is None

    switch_to(manager)
    secret = issue_in_page(client, f"/stores/{store.id}/calendar")
    assert client.get(feed_path(secret)).status_code == 200
    switch_to(mia)
    assert client.post(f"/stores/{store.id}/calendar/revoke").status_code == 403
    assert client.get(feed_path(secret)).status_code == 200
    assert "managers hand out its address" in client.get(f"/stores/{store.id}").get_data(
        as_text=True
    )

    switch_to(manager)
    assert client.post(f"/stores/{store.id}/calendar/revoke").status_code == 302
    assert client.get(feed_path(secret)).status_code == 404


@pytest.mark.parametrize("path", ["/stores/{}/calendar", "/stores/{}/calendar/revoke"])
def test_a_store_feed_form_for_no_such_store_is_404(client, make_user, login, path):
    login(make_user())
    for bad in (987654, 2**40):
        assert client.post(path.format(bad)).status_code == 404


def test_the_feed_forms_need_a_csrf_token(csrf_app, make_user, make_store):
    manager = make_user()
    store = make_store(actor=manager)
    client = csrf_app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(login_page).group(1)
    form = {"email": manager.email, "password": "correct horse battery", "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    for path in ("/account/calendar", f"/stores/{store.id}/calendar"):
        assert client.post(path).status_code == 400
    assert calendar_services.live_feed(user=manager) is None
    assert calendar_services.live_feed(store=store) is None
    # Logging in starts a new session, with a token of its own.
    token = _CSRF.search(client.get("/account").get_data(as_text=True)).group(1)
    assert client.post("/account/calendar", data={"csrf_token": token}).status_code == 200
    assert calendar_services.live_feed(user=manager) is not None


def test_a_feed_speaks_its_owners_language(client, make_user, make_store, catalog):
    reader = make_user(name="Mei")
    reader.locale = "zh_CN"
    english = make_user(name="Ann")
    store = open_store(make_store, english, name="Sunny Beauty US")
    db.session.commit()
    _, mine = calendar_services.issue_person_feed(reader)
    _, theirs = calendar_services.issue_store_feed(store, english)
    db.session.commit()

    chinese, other_parser = fetch(client, mine, "?unassigned=1")
    summaries = [str(e["SUMMARY"]) for e in chinese.walk("VEVENT")]
    assert "绑定 TikTok 官方账号 · Sunny Beauty US" in summaries
    assert any(s.startswith("大促：") for s in summaries)
    assert str(chinese["X-WR-CALNAME"]) == "Mei：任务"
    described = next(e.description for e in other_parser.events if e.uid.startswith("task-"))
    assert "店铺：Sunny Beauty US（美国）" in described
    # A store's feed speaks the language of the manager who made it: English here.
    plain, _ = fetch(client, theirs)
    assert "Bind the official TikTok account · Sunny Beauty US" in [
        str(e["SUMMARY"]) for e in plain.walk("VEVENT")
    ]


def test_uids_and_links_come_from_the_base_url_not_the_requests_host(
    client, make_user, make_store, catalog
):
    manager = make_user()
    store = open_store(make_store, manager)
    _, secret = calendar_services.issue_store_feed(store, manager)
    db.session.commit()

    seen = []
    for host in ("tracker.internal:8080", "203.0.113.7"):
        response = client.get(feed_path(secret), headers={"Host": host})
        calendar, _ = parse_both(response.data)
        seen.append(events(calendar))
    assert set(seen[0]) == set(seen[1])
    assert all(uid.endswith("@127.0.0.1") for uid in seen[0])
    urls = {str(event["URL"]) for event in seen[1].values() if "URL" in event}
    assert urls and all(url.startswith("http://127.0.0.1:5000/tasks/") for url in urls)
