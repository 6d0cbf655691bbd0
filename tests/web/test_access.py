"""Who may reach which store, walked over every route the app has.

The walkers read ``app.url_map`` instead of a hand-made list, so a route added
later is covered the day it is added: its URL parameters are filled from
``fills`` below (a parameter the walker does not know fails the test), every
method but HEAD and OPTIONS is sent, and each answer is checked.

The set-up: a manager, a member "M" on store A only, an outsider "O" on store B
only. Everything of store B carries the word "Bravo", so any page or JSON that
shows it to M is caught by looking for that word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import product
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.routing import Rule

from tests.conftest import PASSWORD
from tracker.accounts.models import Account
from tracker.accounts.services import register_account
from tracker.activity.models import Activity
from tracker.auth.models import ApiToken, User
from tracker.auth.services import create_token, invite_person, request_reset
from tracker.calendar.models import CalendarFeed
from tracker.calendar.services import (
    issue_person_feed,
    issue_store_feed,
    revoke_person_feed,
    revoke_store_feed,
)
from tracker.clock import local_today, utcnow
from tracker.extensions import db
from tracker.plans.checklists import save_checklist
from tracker.reminders.models import Channel, Reminder
from tracker.reminders.services import add_channel
from tracker.stockup.models import ProductLine
from tracker.stores.models import EligibilityOverride, Store, StoreMembership
from tracker.tasks import services as task_services
from tracker.tasks.models import Task

US_ZONE = "America/Los_Angeles"
SECRET = "Bravo"  # every name and text of store B contains it; nothing else does
KNOWN_PARAMS = frozenset(
    {
        "store_id",
        "task_id",
        "number",
        "token_id",
        "user_id",
        "filename",
        "channel_id",
        "reminder_id",
        "account_id",
        "line_id",
        "token",
        "checklist_id",
        "invite_secret",
        "reset_secret",
        "feed_id",
        "key",
    }
)
# Pages anyone may open without logging in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "main.index",
        "auth.login",
        "auth.setup",
        "static",
        "main.favicon",  # the app's icon, asked for by browsers on every page
        # The calendar feed is public too: its secret address is its only key.
        "calendar.feed",
        "ops.healthz",  # for load balancers and monitoring: no store or person data
        # The language switcher of the logged-out pages only sets a cookie.
        "i18n.choose_language",
        "api.openapi_description",  # the API's OpenAPI description
        # Invitations and resets: the one-time link is the key; asking for a reset says the
        # same whatever the address.
        "team.join",
        "team.ask_reset",
        "team.use_reset",
    }
)
# Routes only a manager may use, whatever the store. A new route is treated as one a
# member may use on their own store until it is added here.
MANAGER_ONLY = frozenset(
    {
        "stores.new_store",
        "stores.edit",
        "auth.people",
        "auth.set_person_store",
        "api.create_store",
        "reminders.outbox",
        "reminders.retry",
        "reminders.retry_dead",
        "calendar.issue_store",
        "calendar.revoke_store",
        "api.create_checklist",
        "api.replace_checklist",
        "api.delete_checklist",
        "checklists.new",
        "checklists.edit",
        "checklists.delete",
        # A manager uploads the store's Seller Center exports (issue 17).
        "imports.upload",
        "api.import_export",
        # A manager connects or disconnects the store's TikTok Shop (issue 17, Partner API).
        "partner.connect",
        "partner.callback",
        "partner.disconnect",
        "team.invite",
        "team.deactivate",
        "team.reactivate",
        "team.change_role",
        "team.audit_log",
        "team.keys",
        "team.revoke_any_token",
        "team.revoke_any_feed",
    }
)
REFUSED = (401, 403, 404)
_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def days(n: int) -> str:
    return (local_today(US_ZONE) + timedelta(days=n)).isoformat()


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    manager: User
    member: User  # "M": works on store A only
    outsider: User  # "O": works on store B only
    store_a: int
    store_b: int
    a_open: int  # an open, unlocked task of A
    a_done: int
    b_open: int  # an open, unlocked task of B, given to O, with a note and evidence
    b_done: int
    member_token: int  # one of M's own API tokens
    outsider_token: int  # one of O's API tokens
    manager_token: int
    member_channel: int  # one of M's own reminder channels
    outsider_channel: int  # one of O's
    outsider_reminder: int  # a dead reminder to O about store B
    member_reminder: int  # one in M's own inbox, about store A
    a_account: int  # the official account bound to A
    b_account: int  # the official account bound to B
    a_line: int  # a product line of A
    b_line: int  # a product line of B
    # Calendar feed secrets. A feed address is its own key (whoever has it reads the feed,
    # logged in or not), so B's side is addresses that no longer answer: store B's and O's
    # revoked ones, and one never issued. A's side is store A's live feed, which only a
    # manager can change (M's own feed would be regenerated by the walk's own posts).
    a_feed: str
    b_revoked_feeds: tuple[str, ...]
    # The company's checklist (every member reads it; it plans tasks in store A only).
    checklist: int = 0
    # Live one-time links (an invitation, M's password reset); B's side: unknown ones.
    a_invite: str = ""
    a_reset: str = ""

    def fills(self, side: str) -> dict[str, list[Any]]:
        """Values for each URL parameter: store B's things, or M's own (store A's)."""
        if side == "B":
            return {
                "store_id": [self.store_b],
                "task_id": [self.b_open, self.b_done],
                "token_id": [self.outsider_token],
                "user_id": [self.member.id, self.outsider.id],
                "filename": ["tracker.css"],
                "channel_id": [self.outsider_channel],
                "reminder_id": [self.outsider_reminder],
                "account_id": [self.b_account],
                "line_id": [self.b_line],
                "token": [*self.b_revoked_feeds, "cal_" + "B" * 43],
                "checklist_id": [self.checklist],
                "invite_secret": ["B" * 43],
                "reset_secret": ["B" * 43],
                "feed_id": [999_999],
                "key": ["accounts.bind_official"],
                "number": [0],
            }
        return {
            "store_id": [self.store_a],
            "task_id": [self.a_open, self.a_done],
            "token_id": [self.member_token],
            "user_id": [self.member.id],
            "filename": ["tracker.css"],
            "channel_id": [self.member_channel],
            "reminder_id": [self.member_reminder],
            "account_id": [self.a_account],
            "line_id": [self.a_line],
            "token": [self.a_feed],
            "checklist_id": [self.checklist],
            "invite_secret": [self.a_invite],
            "reset_secret": [self.a_reset],
            "feed_id": [999_999],
            "key": ["accounts.bind_official"],
            "number": [0],
        }

    def b_paths(self) -> tuple[str, ...]:
        return (
            f"/stores/{self.store_b}",
            f"/tasks/{self.b_open}",
            f"/tasks/{self.b_done}",
            f"/api/v1/stores/{self.store_b}",
            f"/api/v1/tasks/{self.b_open}",
            f"/api/v1/tasks/{self.b_done}",
        )


@pytest.fixture
def world(make_user, make_store, catalog) -> World:
    manager = make_user("manager", name="Manon Manager")
    member = make_user("member", name="Mia Member")
    outsider = make_user("member", name="Otto Outsider")
    store_a = make_store(
        actor=manager, members=(member,), name="Alpha Apparel", opened_on=days(-10)
    )
    store_b = make_store(
        actor=manager, members=(outsider,), name="Bravo Hidden Shop", opened_on=days(-10)
    )

    def custom(store: Store, title: str, **extra: Any) -> Task:
        raw = {"title": title, "due_on": days(2), "phase": "routine"} | extra
        return task_services.add_custom_task(store, raw, catalog, manager)

    a_open = custom(store_a, "Alpha open errand", assignee_id=member.id)
    a_done = custom(store_a, "Alpha finished errand")
    b_open = custom(store_b, "Bravo secret launch checklist", assignee_id=outsider.id)
    b_done = custom(store_b, "Bravo secret done task")
    task_services.change_task(
        b_open,
        {"note": "Bravo private note", "evidence_url": "https://example.com/bravo-evidence"},
        manager,
    )
    task_services.complete_task(a_done.id, manager)
    task_services.complete_task(b_done.id, manager)
    member_token, _ = create_token(member, "mia laptop")
    outsider_token, _ = create_token(outsider, "otto laptop")
    manager_token, _ = create_token(manager, "manon laptop")
    member_channel = add_channel(member, "webhook", "https://example.com/alpha-hook")
    outsider_channel = add_channel(outsider, "webhook", "https://example.com/bravo-hook")
    db.session.flush()
    outsider_reminder = Reminder(
        key="test:bravo",
        user=outsider,
        channel=outsider_channel,
        kind="due_soon",
        store_id=store_b.id,
        subject="Bravo reminder",
        text="Bravo",
        state="dead",
        next_attempt_at=utcnow(),
    )
    member_reminder = Reminder(
        key="test:alpha",
        user=member,
        channel=None,
        kind="gate_open",
        store_id=store_a.id,
        subject="Alpha reminder",
        text="Alpha",
        state="sent",
        next_attempt_at=utcnow(),
        sent_at=utcnow(),
    )
    db.session.add_all([outsider_reminder, member_reminder])
    a_account = register_account(
        store_a, {"handle": "alpha_official", "kind": "official"}, catalog, manager
    )
    b_account = register_account(
        store_b, {"handle": "bravo_official", "kind": "official"}, catalog, manager
    )
    a_line = ProductLine(
        store_id=store_a.id, name="Alpha line", current_stock=10, daily_sales=1.0, uplift_percent={}
    )
    b_line = ProductLine(
        store_id=store_b.id, name="Bravo line", current_stock=10, daily_sales=1.0, uplift_percent={}
    )
    db.session.add_all([a_line, b_line])
    _, a_feed = issue_store_feed(store_a, manager)
    _, b_store_feed = issue_store_feed(store_b, manager)
    revoke_store_feed(store_b, manager)
    _, outsider_feed = issue_person_feed(outsider)
    revoke_person_feed(outsider)
    issue_store_feed(store_b, manager)  # live ones whose secrets the walker never learns
    issue_person_feed(outsider)
    checklist, _, _ = save_checklist(
        {
            "key": "alpha_routine",
            "name": "Alpha routine",
            "applies_to": {"store_ids": [store_a.id]},
            "entries": [
                {"key": "check", "title": "Alpha check", "phase": "growth", "anchor": "opened_on"}
            ],
        },
        catalog,
        actor=manager,
    )
    _, a_invite = invite_person("newcomer@example.com", "member", actor=manager)
    bystander = make_user("member", name="Bea Bystander")  # whose reset link the walk holds
    _, a_reset = request_reset(bystander.email) or (None, "")
    db.session.commit()
    assert task_services.lock_reasons(a_open) == [] and task_services.lock_reasons(b_open) == []
    return World(
        manager=manager,
        member=member,
        outsider=outsider,
        store_a=store_a.id,
        store_b=store_b.id,
        a_open=a_open.id,
        a_done=a_done.id,
        b_open=b_open.id,
        b_done=b_done.id,
        member_token=member_token.id,
        outsider_token=outsider_token.id,
        manager_token=manager_token.id,
        member_channel=member_channel.id,
        outsider_channel=outsider_channel.id,
        outsider_reminder=outsider_reminder.id,
        member_reminder=member_reminder.id,
        a_account=a_account.id,
        b_account=b_account.id,
        a_line=a_line.id,
        b_line=b_line.id,
        a_feed=a_feed,
        b_revoked_feeds=(b_store_feed, outsider_feed),
        checklist=checklist.id if checklist else 0,
        a_invite=a_invite,
        a_reset=a_reset,
    )


# --- what must not change ------------------------------------------------------------------


def store_state(store_id: int) -> dict[str, Any]:
    """Everything about one store that a request could change."""
    db.session.rollback()  # forget what this session holds; read what was committed
    store = db.session.get(Store, store_id)
    assert store is not None
    tasks = db.session.scalars(select(Task).where(Task.store_id == store_id).order_by(Task.id))
    return {
        "profile": store.profile_json()
        | {
            "name": store.name,
            "zone": store.zone,
            "playbook_version": store.playbook_version,
            "plan_synced_on": store.plan_synced_on,
            "advisor_answers": store.advisor_answers,
        },
        "tasks": [
            (
                task.id,
                task.key,
                task.slot,
                task.title,
                task.due_on,
                task.status,
                task.assignee_id,
                task.note,
                task.evidence_url,
                task.completed_by_id,
                task.completed_at,
            )
            for task in tasks
        ],
        "members": sorted(
            db.session.scalars(
                select(StoreMembership.user_id).where(StoreMembership.store_id == store_id)
            )
        ),
        "overrides": sorted(
            (o.code, o.reason)
            for o in db.session.scalars(
                select(EligibilityOverride).where(EligibilityOverride.store_id == store_id)
            )
        ),
        "lines": [
            (x.id, x.name, x.current_stock, x.daily_sales)
            for x in db.session.scalars(
                select(ProductLine).where(ProductLine.store_id == store_id).order_by(ProductLine.id)
            )
        ],
        "accounts": [
            (a.id, a.handle, a.kind, a.unbound_on)
            for a in db.session.scalars(
                select(Account).where(Account.store_id == store_id).order_by(Account.id)
            )
        ],
        "activity": db.session.scalar(
            select(func.count()).select_from(Activity).where(Activity.store_id == store_id)
        ),
        "calendar_feeds": [
            (f.id, f.token_hash, f.revoked_at)
            for f in db.session.scalars(
                select(CalendarFeed)
                .where(CalendarFeed.store_id == store_id)
                .order_by(CalendarFeed.id)
            )
        ],
    }


def people_state(*, except_tokens_of: int | None = None) -> dict[str, Any]:
    """The people, their roles, and the API tokens (whose tokens may change is left out)."""
    db.session.rollback()
    users = db.session.scalars(select(User).order_by(User.id))
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.id))
    return {
        "users": [(u.id, u.email, u.role, u.active, u.password_hash) for u in users],
        "tokens": [
            (t.id, t.user_id, t.revoked_at) for t in tokens if t.user_id != except_tokens_of
        ],
        "stores": db.session.scalar(select(func.count()).select_from(Store)),
        "channels": [
            (c.id, c.user_id, c.active, c.target)
            for c in db.session.scalars(select(Channel).order_by(Channel.id))
            if c.user_id != except_tokens_of
        ],
        "reminders": [
            (r.id, r.state, r.attempts)
            for r in db.session.scalars(select(Reminder).order_by(Reminder.id))
        ],
        "calendar_feeds": [
            (f.id, f.user_id, f.token_hash, f.revoked_at)
            for f in db.session.scalars(
                select(CalendarFeed)
                .where(CalendarFeed.user_id.is_not(None))
                .order_by(CalendarFeed.id)
            )
            if f.user_id != except_tokens_of
        ],
    }


# --- the walker -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    rule: Rule
    method: str
    path: str

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith("/api/")

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.endpoint})"


def walked_methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def every_call(app: Any, fills: dict[str, list[Any]]) -> list[Call]:
    """One call per rule, method and combination of parameter values; fail on an unknown one."""
    calls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        unknown = set(rule.arguments) - KNOWN_PARAMS
        if unknown:
            pytest.fail(
                f"{rule.rule} ({rule.endpoint}) has URL parameters {sorted(unknown)} the access "
                "walker cannot fill: teach World.fills about them"
            )
        names = sorted(rule.arguments)
        for combination in product(*(fills[name] for name in names)):
            values = dict(zip(names, combination, strict=True))
            path = _PARAM.sub(lambda m, v=values: str(v[m.group(1)]), rule.rule)
            calls.extend(Call(rule, method, path) for method in walked_methods(rule))
    return calls


def page_forms(w: World, store_id: int) -> list[dict[str, Any]]:
    """Form bodies that would change something on any page that reads them, if allowed."""
    base = {
        # a store profile (the wizard, the edit page)
        "name": "Intruder Renamed",
        "model": "pop",
        "market": "US",
        "entity": "CN",
        "store_type": "",
        "categories": ["beauty"],
        "opened_on": days(-10),
        "followers": "987654",
        # a task by hand, its note, who does it
        "title": "Intruder task",
        "description": "planted",
        "due_on": days(3),
        "phase": "routine",
        "assignee_id": str(w.member.id),
        "note": "Intruder note",
        "evidence_url": "https://example.com/intruder",
        # people and memberships
        "store_id": str(store_id),
        "email": "intruder@example.com",
        "password": "intruder password",
        "role": "manager",
        "timezone": "UTC",
    }
    return [base | {"action": action} for action in ("apply", "create", "remove")]


def api_bodies(w: World) -> list[dict[str, Any]]:
    """JSON bodies, each one a change some API route accepts from someone allowed."""
    return [
        {"followers": 987654},
        {
            "assignee_id": w.member.id,
            "note": "Intruder note",
            "evidence_url": "https://example.com/intruder",
        },
        {"title": "Intruder task", "due_on": days(3), "phase": "routine"},
        {
            "name": "Intruder Store",
            "model": "pop",
            "market": "US",
            "entity": "CN",
            "categories": ["beauty"],
            "opened_on": days(-10),
        },
    ]


def send_all(
    call: Call,
    w: World,
    store_id: int,
    *,
    page: Any,
    api: Any,
    before_page: Callable[[], Any] = lambda: None,
) -> Iterator[tuple[str, Any]]:
    """Send the call once per body variant; yield a label and the response."""
    if call.is_api:
        bodies: list[dict[str, Any] | None] = [None] if call.method == "GET" else api_bodies(w)
        for body in bodies:
            kwargs = {} if body is None else {"json": body}
            response = getattr(api, call.method.lower())(call.path, **kwargs)
            yield f"{call} json={body}", response
            response.close()
        return
    if call.method == "GET":
        before_page()
        response = page.open(call.path, method="GET")
        yield str(call), response
        response.close()  # a static file stays open until closed
        return
    for form in page_forms(w, store_id):
        for headers in ({}, {"HX-Request": "true"}):
            before_page()
            response = page.open(call.path, method=call.method, data=form, headers=headers)
            yield f"{call} action={form['action']} htmx={bool(headers)}", response
            response.close()


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def error_shape_problem(response: Any) -> str | None:
    """Say what is wrong with an API error body, if anything."""
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return f"not the JSON error shape: {text_of(response)[:200]!r}"
    error = body["error"]
    if not (isinstance(error.get("code"), str) and error["code"]):
        return f"error.code missing: {body}"
    if not (isinstance(error.get("message"), str) and error["message"]):
        return f"error.message missing: {body}"
    return None


def location_path(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def problems_text(problems: list[str]) -> str:
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


# --- (a) a member and a store they are not on -----------------------------------------------


def test_every_route_refuses_a_member_the_store_they_are_not_on(app, client, world, login, api_as):
    w = world
    before_b = store_state(w.store_b)
    before_people = people_state(except_tokens_of=w.member.id)
    api = api_as(w.member)
    problems: list[str] = []
    calls = every_call(app, w.fills("B"))
    walked = {(c.rule.rule, c.endpoint, c.method) for c in calls}
    expected = {
        (r.rule, r.endpoint, m) for r in app.url_map.iter_rules() for m in walked_methods(r)
    }
    assert walked == expected  # every rule, every method

    for call in calls:
        # A checklist is the company's, not a store's: every member may read it.
        b_scoped = bool(set(call.rule.arguments) - {"filename", "checklist_id"})
        for label, response in send_all(
            call, w, w.store_b, page=client, api=api, before_page=lambda: login(w.member)
        ):
            status = response.status_code
            if status >= 500:
                problems.append(f"{label}: {status} server error")
                continue
            if SECRET in text_of(response):
                problems.append(f"{label}: {status} and the answer shows store B's data")
            if call.endpoint in MANAGER_ONLY:
                # Under store B's id, a 404 (as for a missing store) hides that B exists.
                if status not in ((403, 404) if b_scoped else (403,)):
                    problems.append(f"{label}: {status}, expected 403 (managers only)")
            elif b_scoped:
                redirected_away = (
                    not call.is_api
                    and status in (302, 303)
                    and not location_path(response).startswith(w.b_paths())
                )
                if status not in (403, 404) and not redirected_away:
                    problems.append(f"{label}: {status}, expected 403 or 404")
            if call.is_api and status in (403, 404) and (shape := error_shape_problem(response)):
                problems.append(f"{label}: {shape}")

    assert not problems, problems_text(problems)
    assert store_state(w.store_b) == before_b
    assert people_state(except_tokens_of=w.member.id) == before_people


def test_the_same_walk_on_the_members_own_store_is_not_refused(app, client, world, login, api_as):
    """The walker is not passing only because everything is refused."""
    w = world
    before_b = store_state(w.store_b)
    api = api_as(w.member)
    problems: list[str] = []
    for call in every_call(app, w.fills("A")):
        statuses = []
        for label, response in send_all(
            call, w, w.store_a, page=client, api=api, before_page=lambda: login(w.member)
        ):
            statuses.append(response.status_code)
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code} server error")
            if SECRET in text_of(response):
                problems.append(f"{label}: the answer shows store B's data")
        if call.endpoint in MANAGER_ONLY:
            if set(statuses) != {403}:
                problems.append(f"{call}: {statuses}, expected 403 each time (managers only)")
        elif all(status in REFUSED for status in statuses):
            problems.append(f"{call}: refused M on their own store with {statuses}")

    assert not problems, problems_text(problems)
    assert store_state(w.store_b) == before_b  # working on A leaves B alone too


def test_a_member_sees_and_works_on_their_own_store(client, world, login, api_as):
    w = world
    login(w.member)
    plan = client.get(f"/stores/{w.store_a}")
    assert plan.status_code == 200
    assert "Alpha Apparel" in text_of(plan) and "Alpha open errand" in text_of(plan)
    listing = text_of(client.get("/stores"))
    assert "Alpha Apparel" in listing and SECRET not in listing
    assert SECRET not in text_of(client.get("/my-tasks"))

    ticked = client.post(f"/tasks/{w.a_open}/complete")
    assert ticked.status_code == 302
    assert db.session.get(Task, w.a_open).status == "done"
    assert client.post(f"/tasks/{w.a_open}/reopen").status_code == 302
    assert db.session.get(Task, w.a_open).status == "open"

    api = api_as(w.member)
    assert [s["id"] for s in api.get("/api/v1/stores").get_json()] == [w.store_a]
    tasks = api.get(f"/api/v1/stores/{w.store_a}/tasks")
    assert tasks.status_code == 200
    assert SECRET not in text_of(tasks)
    done = api.post(f"/api/v1/tasks/{w.a_open}/complete")
    assert done.status_code == 200 and done.get_json()["status"] == "done"


def test_a_member_gets_403_from_every_manager_only_action(client, world, login, api_as):
    w = world
    before = {w.store_a: store_state(w.store_a), w.store_b: store_state(w.store_b)}
    before_people = people_state(except_tokens_of=w.member.id)
    login(w.member)
    profile = {
        "name": "Renamed",
        "market": "US",
        "entity": "CN",
        "model": "pop",
        "categories": ["beauty"],
        "opened_on": days(-10),
    }
    pages = [
        ("GET", "/stores/new", {}),
        ("POST", "/stores/new", profile | {"action": "create"}),
        ("GET", "/people", {}),
        ("POST", "/people/invite", {"email": "x@example.com", "role": "manager"}),
        ("POST", f"/people/{w.member.id}/stores", {"store_id": str(w.store_b)}),
        (
            "POST",
            f"/people/{w.member.id}/stores",
            {"store_id": str(w.store_a), "action": "remove"},
        ),
    ]
    pages += [
        ("GET", f"/stores/{w.store_a}/edit", {}),
        ("POST", f"/stores/{w.store_a}/edit", profile | {"action": "apply"}),
    ]
    for method, path, form in pages:
        response = client.open(path, method=method, data=form)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    # Store B is not theirs: it answers as a missing store would, so ids cannot be counted.
    for method, path, form in (
        ("GET", f"/stores/{w.store_b}/edit", {}),
        ("POST", f"/stores/{w.store_b}/edit", profile | {"action": "apply"}),
    ):
        response = client.open(path, method=method, data=form)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"

    api = api_as(w.member)
    created = api.post("/api/v1/stores", json=profile)
    assert created.status_code == 403 and error_shape_problem(created) is None
    for store_id, status in ((w.store_a, 403), (w.store_b, 404)):
        renamed = api.patch(f"/api/v1/stores/{store_id}", json={"name": "Renamed"})
        assert renamed.status_code == status and error_shape_problem(renamed) is None

    assert {s: store_state(s) for s in before} == before
    assert people_state(except_tokens_of=w.member.id) == before_people


# --- nobody logged in ------------------------------------------------------------------------


def test_without_logging_in_only_the_public_pages_answer(app, world):
    w = world
    before = {w.store_a: store_state(w.store_a), w.store_b: store_state(w.store_b)}
    before_people = people_state()
    fills = {name: w.fills("A")[name] + w.fills("B")[name] for name in KNOWN_PARAMS}
    # A live one-time link is its own key: whoever holds it may set that password or join,
    # which would change the people compared below. Only unknown links here.
    fills |= {name: w.fills("B")[name] for name in ("invite_secret", "reset_secret")}
    anonymous = app.test_client()
    bogus = ApiCaller(anonymous, {"Authorization": "Bearer tkr_not-a-real-token"})
    bare = ApiCaller(anonymous, {})
    problems: list[str] = []
    for call in every_call(app, fills):
        store_id = w.store_b if str(w.store_b) in call.path else w.store_a
        for api in (bare, bogus):
            for label, response in send_all(call, w, store_id, page=anonymous, api=api):
                status = response.status_code
                if status >= 500:
                    problems.append(f"{label}: {status} server error")
                elif SECRET in text_of(response):
                    problems.append(f"{label}: {status} and the answer shows store B's data")
                elif call.is_api and call.endpoint not in PUBLIC_ENDPOINTS:
                    if status != 401:
                        problems.append(f"{label}: {status}, expected 401")
                    elif shape := error_shape_problem(response):
                        problems.append(f"{label}: {shape}")
                elif call.endpoint not in PUBLIC_ENDPOINTS:
                    to_login = status == 302 and location_path(response) == "/login"
                    if not to_login and status not in (401, 403):
                        problems.append(f"{label}: {status}, expected a redirect to /login")
            if not call.is_api:
                break  # the bearer variants only matter to the API

    assert not problems, problems_text(problems)
    assert {s: store_state(s) for s in before} == before
    assert people_state() == before_people


class ApiCaller:
    """A client sending fixed headers (or none) with every request."""

    def __init__(self, client: Any, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(path: str, **kwargs: Any) -> Any:
            return getattr(self.client, method)(path, headers=self.headers, **kwargs)

        return call


# --- (b) CSRF on every form ------------------------------------------------------------------


def csrf_token_from(response: Any) -> str:
    found = _CSRF_INPUT.search(text_of(response))
    assert found, f"no csrf_token input in {response.request.path}"
    return found.group(1)


def test_every_page_post_without_a_csrf_token_is_refused(csrf_app, world):
    w = world
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login"))
    # Without the token even the right password does not log in.
    refused = client.post("/login", data={"email": w.manager.email, "password": PASSWORD})
    assert refused.status_code == 400
    logged_in = client.post(
        "/login", data={"email": w.manager.email, "password": PASSWORD, "csrf_token": token}
    )
    assert logged_in.status_code == 302, text_of(logged_in)

    before = {w.store_a: store_state(w.store_a), w.store_b: store_state(w.store_b)}
    before_people = people_state()
    # The manager may do anything, so a refusal here is the missing token and nothing else.
    fills = w.fills("A") | {"token_id": [w.manager_token]}
    posts = [
        c
        for c in every_call(csrf_app, fills)
        if not c.is_api and c.method not in ("GET", "HEAD", "OPTIONS")
    ]
    assert {c.endpoint for c in posts} >= {"auth.login", "auth.logout", "tasks.complete"}
    problems = []
    for call in posts:
        for label, response in send_all(call, w, w.store_a, page=client, api=None):
            if response.status_code != 400:
                problems.append(f"{label}: {response.status_code}, expected 400 (no CSRF token)")
    assert not problems, problems_text(problems)
    assert {s: store_state(s) for s in before} == before
    assert people_state() == before_people
    assert client.get("/my-tasks").status_code == 200  # the tokenless logout was refused too

    # With the token the same forms go through: the refusals above were about the token.
    token = csrf_token_from(client.get(f"/stores/{w.store_a}"))
    saved = client.post(
        f"/stores/{w.store_a}/followers", data={"followers": "1234", "csrf_token": token}
    )
    assert saved.status_code == 302
    ticked = client.post(
        f"/tasks/{w.a_open}/complete", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert ticked.status_code == 200
    db.session.rollback()
    assert db.session.get(Store, w.store_a).followers == 1234
    assert db.session.get(Task, w.a_open).status == "done"


def test_the_json_api_needs_a_bearer_token_not_a_csrf_token(csrf_app, world):
    w = world
    client = csrf_app.test_client()
    _, secret = create_token(w.member, "csrf check")
    db.session.commit()
    anonymous = client.post(f"/api/v1/tasks/{w.a_open}/complete")
    assert anonymous.status_code == 401 and error_shape_problem(anonymous) is None
    ticked = client.post(
        f"/api/v1/tasks/{w.a_open}/complete", headers={"Authorization": f"Bearer {secret}"}
    )
    assert ticked.status_code == 200, text_of(ticked)
    assert ticked.get_json()["status"] == "done"
    refused = client.post(
        f"/api/v1/tasks/{w.b_open}/complete", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status_code == 404 and error_shape_problem(refused) is None
