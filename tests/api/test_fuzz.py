"""Schemathesis fuzzes every operation of the OpenAPI description against the real app.

The app runs on a real database (SQLite and PostgreSQL) seeded through the
services with a manager, a member, stores and their plans, accounts, lives and
product lines; requests go through WSGI, no network, once with the manager's
token and once with the member's. Path ids are steered onto real rows part of
the time, so the fuzzer reaches the handlers' work as well as the 404s. Every
answer must be below 500, carry a status the description lists for it, match
its schema, and every 4xx must be the contract's error shape. The cases run are
counted in the terminal summary ("API fuzzing").
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask, request
from hypothesis import strategies as st
from sqlalchemy import select

from tests import summary
from tests.conftest import empty_postgres
from tracker import create_app
from tracker.accounts.services import register_account
from tracker.api.openapi import PREFIX
from tracker.auth.services import create_token, create_user
from tracker.clock import local_today
from tracker.extensions import db
from tracker.lives.services import log_live
from tracker.plans.stock_up import change_product_line
from tracker.plans.stores import create_store
from tracker.playbook.catalog import Catalog
from tracker.playbook.loader import load_catalog
from tracker.playbook.profile import PLANNABLE_YEARS
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.stores.services import add_member, parse_store_input
from tracker.tasks.models import Task
from tracker.tasks.services import add_custom_task, complete_task

# Fuzzing cases per operation (positive and negative), after the coverage phase's
# boundary cases. Sized to keep the four runs (two databases, two callers) near two
# minutes on two slow cores.
# TRACKER_FUZZ_EXAMPLES sets it for a longer hunt (e.g. 500).
MAX_EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "20"))
# Creating or changing a store generates its plan (~45 ms); the coverage phase would
# try each of its ~600 time zones and ~250 country codes, so these two get fuzzing only.
STORE_OPERATIONS = ["create_store", "update_store"]
STORE_EXAMPLES = 3 * MAX_EXAMPLES
SEED = 20261123
INBOX_ONLY = DispatchSettings(lease_seconds=30, max_attempts=3, backoff_seconds=0)

# Dates around the plannable years, most of them inside: hypothesis' own dates span
# years 1–9999, which would send nearly every store and task to the 400 for the year.
schemathesis.openapi.format(
    "date",
    st.dates(date(PLANNABLE_YEARS.start - 20, 1, 1), date(PLANNABLE_YEARS.stop + 20, 12, 31)).map(
        date.isoformat
    ),
)
# Instants from before 2000 (refused) to just after now (the future is refused too).
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        datetime(1995, 1, 1), datetime.now() + timedelta(days=2), timezones=st.just(UTC)
    ).map(datetime.isoformat),
)


def _describing_app() -> Flask:
    """An app that only serves the description (it needs no database) and refuses all else."""
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )

    @app.before_request
    def only_the_description() -> None:
        assert request.path == f"{PREFIX}/openapi.json", f"sent to the wrong app: {request.path}"

    return app


schema = schemathesis.openapi.from_wsgi(
    f"{PREFIX}/openapi.json",
    _describing_app(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                # The caller's real token is sent with each case; the ignored_auth check
                # still tries every operation without one and with a wrong one.
                "with-security-parameters": False,
            },
            "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}},
            "operations": [
                {
                    "include-operation-id": STORE_OPERATIONS,
                    "phases": {"coverage": {"enabled": False}},
                    "generation": {"max-examples": STORE_EXAMPLES},
                }
            ],
            "checks": {
                # A schema-valid body may still break a rule no schema can say (an inspection
                # end before the opening, a freight mode the market lacks): that is a 400.
                "positive_data_acceptance": {"enabled": False},
            },
        }
    ),
)


@dataclass
class Tally:
    """The cases of one run and how the app answered them."""

    label: str
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)

    def summary(self) -> str:
        answered = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{self.label}: {self.statuses.total()} cases over "
            f"{len(self.operations)} operations ({answered})"
        )


@dataclass
class Seeded:
    """What the fuzzed database holds: the callers' tokens and the ids worth hitting."""

    tokens: dict[str, str]
    ids: dict[str, list[int]]
    # Per store, the ids of its own accounts and product lines.
    owned: dict[int, dict[str, list[int]]]


@dataclass
class Target:
    """The app under test on its seeded database, with a tally per caller."""

    app: Flask
    seeded: Seeded
    tallies: dict[str, Tally]

    def steer(self, case: schemathesis.Case) -> None:
        """Send three ids in four to real rows (an account or line of that store); the rest
        stay as drawn, mostly missing."""
        parameters = case.path_parameters or {}
        for name in sorted(parameters, key=lambda n: n != "store_id"):  # the store first
            value = parameters[name]
            real = self.seeded.ids.get(name, [])
            if name != "store_id":
                real = self.seeded.owned.get(parameters.get("store_id"), {}).get(name, real)
            # Only ids the description calls valid: an invalid one stays for its 404.
            if real and isinstance(value, int) and not isinstance(value, bool) and value >= 1:
                pick = zlib.crc32(f"{name}:{value}".encode()) % (len(real) * 4 // 3 + 1)
                if pick < len(real):
                    parameters[name] = real[pick]


def _seed(catalog: Catalog) -> Seeded:
    """Fill the database through the services, as people would have."""
    manager = create_user(email="ana@example.com", password="a long secret", role="manager")
    member = create_user(email="ben@example.com", password="a long secret", role="member")
    today = local_today("America/Los_Angeles")
    profiles = [
        {"name": "Sunny Beauty US", "model": "pop", "market": "US", "categories": ["beauty"],
         "opened_on": (today - timedelta(days=10)).isoformat()},
        {"name": "Jade Home TH", "model": "pop", "market": "TH", "entity": "TH",
         "categories": ["home", "jewelry"], "opened_on": (today - timedelta(days=90)).isoformat()},
        {"name": "Harbour Managed SG", "model": "full_managed", "market": "SG",
         "categories": ["electronics_3c"], "opened_on": (today - timedelta(days=40)).isoformat()},
    ]  # fmt: skip
    stores = []
    for raw in profiles:
        store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager)
        stores.append(store)
    add_member(stores[0], member, actor=manager)
    us, th, _sg = stores
    accounts = [
        register_account(store, raw, catalog, manager)
        for store, raw in (
            (us, {"handle": "sunny.us", "kind": "official", "entity": "CN"}),
            (th, {"handle": "jade_home", "kind": "official"}),
            (th, {"handle": "jade.deals", "kind": "channel", "entity": "CN"}),
        )
    ]
    lines = [
        change_product_line(
            store, {"name": "Lipstick", "current_stock": 900, "daily_sales": 12.5}, catalog, manager
        )[0]
        for store in (us, th)
    ]
    started = datetime.now(UTC) - timedelta(hours=3)
    log_live(us, {"started_at": started.isoformat(), "minutes": 75}, catalog, manager)
    custom = add_custom_task(us, {"title": "Call the forwarder", "due_on": today.isoformat()},
                             catalog, manager)  # fmt: skip
    complete_task(custom.id, manager)
    # Each caller's inbox holds a reminder or two about that task (the member's store's).
    for key in ("first", "second"):
        queue_now(
            [manager, member], "digest", key, "Your tasks", "Open it", store=us, tasks=[custom]
        )
    db.session.commit()
    dispatch_due(INBOX_ONLY)
    tasks = db.session.scalars(select(Task.id).order_by(Task.id)).all()
    reminders = db.session.scalars(select(Reminder.id).where(Reminder.channel_id.is_(None))).all()
    ids = {
        "store_id": [s.id for s in stores],
        "task_id": [*tasks[:: max(1, len(tasks) // 12)], custom.id],
        "account_id": [a.id for a in accounts],
        "line_id": [line.id for line in lines],
        # Both callers' reminders: the other's answers 404, as a missing one.
        "reminder_id": list(reminders),
    }
    owned = {
        store.id: {
            "account_id": [a.id for a in accounts if a.store_id == store.id],
            "line_id": [line.id for line in lines if line.store_id == store.id],
        }
        for store in stores
    }
    _, manager_token = create_token(manager, "fuzz")
    _, member_token = create_token(member, "fuzz")
    db.session.commit()
    return Seeded({"manager": manager_token, "member": member_token}, ids, owned)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def fuzz_target(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Target]:
    """The app on a seeded database of its own, shared by the module's cases on that database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_database")
        empty_postgres(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if request.param == "sqlite":
            db.create_all()
        seeded = _seed(load_catalog(app.config["TRACKER_SEEDS_DIR"]))
        db.session.remove()
    # No app context stays pushed: each request gets its own, as in production.
    backend = "SQLite" if request.param == "sqlite" else "PostgreSQL"
    target = Target(app, seeded, {role: Tally(f"{backend}, as {role}") for role in seeded.tokens})
    yield target
    for tally in target.tallies.values():
        summary.add_line(request.config, "API fuzzing (schemathesis)", tally.summary())
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module", params=["manager", "member"])
def caller(request: pytest.FixtureRequest) -> str:
    """Whose token the fuzzer sends: a manager sees every store, a member one."""
    return request.param


def error_shape(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """Every 4xx answer is the contract's ``{"error": {"code", "message", "field"?}}``."""
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    assert set(error) <= {"code", "message", "field", "errors"}, body
    assert isinstance(error.get("field", ""), str), body


@schema.parametrize()
def test_the_api_answers_every_fuzzed_request_as_described(
    case: schemathesis.Case, fuzz_target: Target, caller: str
) -> None:
    fuzz_target.steer(case)
    headers = {"Authorization": f"Bearer {fuzz_target.seeded.tokens[caller]}"}
    response = case.call(app=fuzz_target.app, headers=headers)
    tally = fuzz_target.tallies[caller]
    tally.statuses[response.status_code] += 1
    tally.operations.add(case.operation.label)
    case.validate_response(
        response,
        additional_checks=[error_shape],
        headers=headers,
        transport_kwargs={"app": fuzz_target.app, "headers": headers},
    )
