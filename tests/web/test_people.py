"""People: creating them, giving them stores and tokens, and slowing down password guessing.

The ``tracker user`` and ``tracker token`` commands are run as an operator
runs them: the installed console script, in its own process, on a SQLite file
of the test's own. The processes are started once for the module and side by
side where they do not depend on each other, to keep the suite fast.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from tracker import create_app
from tracker.auth.models import ApiToken, User
from tracker.auth.services import check_login, create_token, create_user
from tracker.clock import utcnow
from tracker.errors import InputError
from tracker.extensions import db
from tracker.plans.stores import create_store
from tracker.playbook.loader import load_catalog
from tracker.stores.services import add_member, parse_store_input

TRACKER = Path(sys.executable).with_name("tracker")
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TIMEOUT_SECONDS = 60
PASSWORD = "correct horse battery"


# --- creating people (services) ------------------------------------------------------------------


def test_a_new_person_can_log_in_with_their_password(app):
    create_user(email="Ana@Example.com", password=PASSWORD, role="member", name="Ana")
    db.session.commit()
    result = check_login("ana@example.com", PASSWORD)
    assert result.user is not None
    assert result.user.email == "ana@example.com"
    assert result.user.role == "member"
    assert check_login("ana@example.com", "wrong password").user is None


def test_an_address_can_have_only_one_account_whatever_its_case(app, make_user):
    make_user(email="ana@example.com")
    with pytest.raises(InputError) as refused:
        create_user(email="  ANA@example.com ", password=PASSWORD, role="manager")
    assert refused.value.for_field("email")
    db.session.rollback()
    assert len(db.session.scalars(select(User)).all()) == 1


def test_creating_a_person_reports_every_bad_field(app):
    with pytest.raises(InputError) as refused:
        create_user(email="not-an-address", password="short", role="boss", timezone="Mars/Base")
    fields = {error.field for error in refused.value.errors}
    assert fields == {"email", "password", "role", "timezone"}
    db.session.rollback()
    assert db.session.scalars(select(User)).all() == []


def test_a_deactivated_person_cannot_log_in(app, make_user):
    user = make_user("member")
    user.active = False
    db.session.commit()
    assert check_login(user.email, PASSWORD).user is None


# --- login throttling ----------------------------------------------------------------------------


def fail_logins(email: str, times: int, *, now=None) -> list[int]:
    waits = []
    for _ in range(times):
        waits.append(check_login(email, "not the password", now=now).wait_seconds)
        db.session.commit()
    return waits


def test_after_several_failures_even_the_right_password_waits(app, make_user):
    user = make_user("member")
    start = utcnow()
    waits = fail_logins(user.email, 4, now=start)
    assert waits[:2] == [0, 0], "a typo or two costs nothing"
    assert 0 < waits[2] < waits[3], "each further failure waits longer"

    refused = check_login(user.email, PASSWORD, now=start + timedelta(seconds=1))
    db.session.commit()
    assert refused.user is None
    assert refused.wait_seconds > 0

    later = start + timedelta(seconds=refused.wait_seconds + 1)
    allowed = check_login(user.email, PASSWORD, now=later)
    db.session.commit()
    assert allowed.user is not None and allowed.user.id == user.id

    # A success clears the slate: the next typo is free again.
    assert fail_logins(user.email, 1, now=later) == [0]


def test_each_further_failure_waits_longer_up_to_five_minutes(app, make_user):
    user = make_user("member")
    clock, waits = utcnow(), []
    for _ in range(13):
        # Each guess comes just after the previous wait is over, so each one counts.
        wait = check_login(user.email, "not the password", now=clock).wait_seconds
        db.session.commit()
        waits.append(wait)
        clock += timedelta(seconds=wait + 1)
    assert waits == sorted(waits)
    assert waits[2] > 0
    assert max(waits) == waits[-1] == 300


def test_guessing_while_throttled_does_not_get_through(app, make_user):
    user = make_user("member")
    start = utcnow()
    fail_logins(user.email, 3, now=start)
    for second in range(2):
        result = check_login(user.email, PASSWORD, now=start + timedelta(seconds=second))
        assert result.user is None and result.wait_seconds > 0


def test_failures_for_one_address_do_not_slow_down_another(app, make_user):
    victim, colleague = make_user("member"), make_user("member")
    start = utcnow()
    fail_logins(victim.email, 5, now=start)
    assert check_login(colleague.email, PASSWORD, now=start).user is not None


def test_guessing_at_an_unknown_address_is_slowed_down_the_same_way(app):
    waits = fail_logins("nobody@example.com", 4, now=utcnow())
    assert waits[2] > 0 and waits[3] > waits[2]


def test_login_page_refuses_the_right_password_while_throttled(client, make_user):
    user = make_user("member")
    for _ in range(3):
        response = client.post("/login", data={"email": user.email, "password": "wrong guess"})
        assert response.status_code in (401, 429)

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    match = re.search(r"Try again in (\d+) seconds", page)
    assert match, page
    seconds = int(match[1])
    assert 0 < seconds <= 300
    # Still not logged in: the account page sends the visitor back to the login form.
    account = client.get("/account")
    assert account.status_code == 302
    assert "/login" in account.headers["Location"]

    # Once the wait is over the right password works again.
    later = utcnow() + timedelta(seconds=seconds + 1)
    assert check_login(user.email, PASSWORD, now=later).user is not None


def test_a_wrong_password_on_the_login_page_says_so_without_saying_which_part(client, make_user):
    user = make_user("member")
    response = client.post("/login", data={"email": user.email, "password": "wrong guess"})
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


# --- the command line (separate processes, SQLite) ----------------------------------------------


@dataclass
class Ran:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def _env(database_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "TRACKER_"))
        and name not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=database_url,
        TRACKER_SCHEDULER="off",
        SECRET_KEY="people-tests-secret-key-0123456789abcdef",
    )
    return env


def run_side_by_side(cwd: Path, database_url: str, *commands: tuple[str, ...]) -> list[Ran]:
    """Run ``tracker`` commands at the same time and wait for all of them."""
    processes = [
        (
            args,
            subprocess.Popen(
                [str(TRACKER), *args],
                cwd=cwd,
                env=_env(database_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    results = []
    for args, process in processes:
        stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
        results.append(Ran(args, process.returncode, stdout, stderr))
    return results


def app_on(database_url: str) -> Any:
    return create_app(
        {"TESTING": True, "SECRET_KEY": "people-tests", "SQLALCHEMY_DATABASE_URI": database_url}
    )


@dataclass
class CommandLineWorld:
    """What the module's commands did, and the database they did it to."""

    database_url: str
    results: dict[str, Ran]
    store_id: int
    member_email: str
    member_secret: str
    visible_before: list[Any]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommandLineWorld]:
    """Create a manager with the CLI, a member and a store beside it, then run the rest."""
    folder = tmp_path_factory.mktemp("people-cli")
    url = f"sqlite:///{folder / 'tracker.sqlite3'}"
    (boss,) = run_side_by_side(
        folder,
        url,
        ("user", "create", "--email", "Boss@Example.com", "--password", PASSWORD,
         "--role", "manager", "--name", "The Boss"),
    )  # fmt: skip
    assert boss.returncode == 0, boss.stderr

    # A member and a store made through the services, as the pages would; not yet linked.
    app = app_on(url)
    with app.app_context():
        catalog = load_catalog(SEEDS)
        member = create_user(email="mia@example.com", password=PASSWORD, role="member")
        store_input = parse_store_input(
            {"name": "Mia's Store", "model": "pop", "market": "US", "opened_on": "2026-11-02"},
            catalog,
        )
        store, _ = create_store(store_input, catalog, actor=None)
        _, member_secret = create_token(member, "test")
        db.session.commit()
        store_id = store.id
        client = app.test_client()
        headers = {"Authorization": f"Bearer {member_secret}"}
        visible_before = client.get("/api/v1/stores", headers=headers).get_json()
        db.session.remove()
        db.engine.dispose()

    ran = run_side_by_side(
        folder,
        url,
        ("user", "create", "--email", "boss@example.com", "--password", PASSWORD),
        ("user", "create", "--email", "x@example.com", "--password", PASSWORD, "--role", "boss"),
        ("user", "create", "--email", "y@example.com", "--password", "short"),
        ("token", "create", "--email", "boss@example.com", "--name", "ci"),
        ("user", "add-to-store", "--email", "mia@example.com", "--store-id", str(store_id)),
        ("user", "add-to-store", "--email", "mia@example.com", "--store-id", "999999"),
    )
    names = [
        "duplicate",
        "bad_role",
        "short_password",
        "token",
        "add_to_store",
        "add_to_unknown_store",
    ]
    yield CommandLineWorld(
        database_url=url,
        results={"boss": boss, **dict(zip(names, ran, strict=True))},
        store_id=store_id,
        member_email="mia@example.com",
        member_secret=member_secret,
        visible_before=visible_before,
    )


def assert_one_line_error(ran: Ran, *names: str) -> str:
    assert "Traceback" not in ran.stderr, ran.stderr
    assert ran.returncode == 2, (ran.args, ran.stderr)
    message = ran.stderr.rstrip("\n")
    assert "\n" not in message, message
    assert message.startswith("Error: "), message
    for name in names:
        assert name in message, message
    return message


def test_user_create_makes_a_manager_who_can_log_in(world):
    boss = world.results["boss"]
    assert boss.returncode == 0, boss.stderr
    assert "boss@example.com" in boss.stdout
    app = app_on(world.database_url)
    with app.app_context():
        result = check_login("boss@example.com", PASSWORD)
        assert result.user is not None
        assert result.user.role == "manager"
        assert result.user.name == "The Boss"
        db.session.rollback()
        db.engine.dispose()


def test_user_create_refuses_an_address_that_already_has_an_account(world):
    assert_one_line_error(world.results["duplicate"], "--email", "boss@example.com")


def test_user_create_refuses_an_unknown_role(world):
    assert_one_line_error(world.results["bad_role"], "--role", "boss")


def test_user_create_refuses_a_short_password(world):
    message = assert_one_line_error(world.results["short_password"], "--password")
    assert "8" in message


def test_refused_commands_create_nobody(world):
    engine = create_engine(world.database_url)
    with engine.connect() as connection:
        emails = set(connection.scalars(text("select email from users")))
    engine.dispose()
    assert emails == {"boss@example.com", "mia@example.com"}


def test_token_create_prints_the_token_alone_on_its_last_line(world):
    ran = world.results["token"]
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
    secret = ran.stdout.rstrip("\n").splitlines()[-1]
    assert secret == secret.strip() and " " not in secret
    assert len(secret) >= 32


def test_a_token_from_the_command_line_opens_the_api(world):
    secret = world.results["token"].stdout.rstrip("\n").splitlines()[-1]
    app = app_on(world.database_url)
    with app.app_context():
        client = app.test_client()
        response = client.get("/api/v1/stores", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.get_json()
        # The manager sees every store.
        assert [store["id"] for store in response.get_json()] == [world.store_id]
        wrong = client.get("/api/v1/stores", headers={"Authorization": f"Bearer {secret}x"})
        assert wrong.status_code == 401
        db.session.remove()
        db.engine.dispose()


def test_only_a_hash_of_the_token_is_stored(world):
    secret = world.results["token"].stdout.rstrip("\n").splitlines()[-1]
    engine = create_engine(world.database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select * from api_tokens")).all()
    engine.dispose()
    assert len(rows) == 2  # the CLI's token and the member's
    for row in rows:
        for value in row:
            assert not (isinstance(value, str) and secret in value), row
    # Not even most of it: only a short prefix may be kept to tell tokens apart.
    stored = " ".join(str(value) for row in rows for value in row)
    assert secret[: len(secret) // 2] not in stored


def test_add_to_store_lets_the_member_see_the_store(world):
    assert world.visible_before == [], "a member sees no store before being added"
    ran = world.results["add_to_store"]
    assert ran.returncode == 0, ran.stderr
    assert "mia@example.com" in ran.stdout
    app = app_on(world.database_url)
    with app.app_context():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {world.member_secret}"}
        stores = client.get("/api/v1/stores", headers=headers).get_json()
        assert [store["id"] for store in stores] == [world.store_id]
        tasks = client.get(f"/api/v1/stores/{world.store_id}/tasks", headers=headers)
        assert tasks.status_code == 200 and tasks.get_json()
        db.session.remove()
        db.engine.dispose()


def test_add_to_store_refuses_a_store_that_does_not_exist(world):
    assert_one_line_error(world.results["add_to_unknown_store"], "--store-id", "999999")


# --- membership through the services ------------------------------------------------------------


def test_a_member_added_to_a_store_sees_it_and_only_it(app, make_user, make_store, api_as):
    member = make_user("member")
    mine = make_store(opened_on="2026-11-02")
    make_store(name="Another Store", opened_on="2026-11-02")
    api = api_as(member)
    assert api.get("/api/v1/stores").get_json() == []
    assert add_member(mine, member, actor=None) is True
    assert add_member(mine, member, actor=None) is False  # adding twice is harmless
    db.session.commit()
    assert [store["id"] for store in api.get("/api/v1/stores").get_json()] == [mine.id]


def test_a_token_is_shown_once_and_kept_only_as_a_hash(app, make_user):
    user = make_user("member")
    token, secret = create_token(user, "laptop")
    db.session.commit()
    stored = db.session.get(ApiToken, token.id)
    assert secret not in (stored.token_hash, stored.prefix, stored.name)
    assert secret.startswith(stored.prefix)
