"""Team accounts from the command line: password, deactivation, role, invitations, the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from flask_migrate import stamp
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.auth.models import AccountEvent, User
from tracker.extensions import db

NEW = "a brand new passphrase"


@pytest.fixture
def cli(app, runner) -> Any:
    """Run ``tracker`` commands against the test database (its schema is the current one)."""
    with app.app_context():
        stamp()

    def run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(args=list(args), input=input)

    return run


def _logs_in(client: Any, email: str, password: str) -> bool:
    answer = client.post("/login", data={"email": email, "password": password})
    client.post("/logout") if answer.status_code == 302 else None
    return answer.status_code == 302


def _one_line_error(result: Any) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_set_password_reads_stdin_and_the_old_one_stops_working(cli, make_user, client):
    person = make_user("member")
    result = cli("user", "set-password", "--email", person.email, input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert _logs_in(client, person.email, NEW)
    assert not _logs_in(client, person.email, PASSWORD)


@pytest.mark.parametrize("weak", ["password", "1234567", ""])
def test_set_password_refuses_a_weak_one_in_one_line(cli, make_user, client, weak):
    person = make_user("member")
    _one_line_error(cli("user", "set-password", "--email", person.email, input=weak + "\n"))
    assert _logs_in(client, person.email, PASSWORD)


def test_deactivate_and_reactivate(cli, make_user, client):
    make_user("manager")
    person = make_user("member")
    assert cli("user", "deactivate", "--email", person.email).exit_code == 0
    assert not _logs_in(client, person.email, PASSWORD)
    assert cli("user", "reactivate", "--email", person.email).exit_code == 0
    assert _logs_in(client, person.email, PASSWORD)


def test_the_last_active_manager_cannot_be_deactivated_or_demoted(cli, make_user):
    boss = make_user("manager")
    for args in (("deactivate",), ("set-role", "--role", "member")):
        result = cli("user", *args[:1], "--email", boss.email, *args[1:])
        _one_line_error(result)
        assert "last_manager" in result.output
    db.session.expire_all()
    assert db.session.get(User, boss.id).active and db.session.get(User, boss.id).is_manager


def test_set_role(cli, make_user):
    make_user("manager")
    person = make_user("member")
    assert cli("user", "set-role", "--email", person.email, "--role", "manager").exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, person.id).role == "manager"


def test_an_unknown_address_is_one_line_exit_2(cli):
    for command in ("deactivate", "reactivate", "set-password"):
        _one_line_error(cli("user", command, "--email", "nobody@example.com", input="x\n"))


def test_an_invitation_link_makes_the_account_once(cli, make_user, app):
    make_user("manager")
    result = cli("user", "invite", "--email", "New.Person@example.com", "--role", "member")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith(app.config["TRACKER_BASE_URL"] + "/invite/")
    path = link.removeprefix(app.config["TRACKER_BASE_URL"])
    browser = app.test_client()
    assert browser.get(path).status_code == 200
    weak = browser.post(path, data={"password": "password", "name": "New"})
    assert weak.status_code == 400
    joined = browser.post(path, data={"password": NEW, "name": "New Person"})
    assert joined.status_code == 302 and joined.headers["Location"].endswith("/login")
    assert _logs_in(browser, "new.person@example.com", NEW)
    person = User.by_email("new.person@example.com")
    assert person is not None and person.role == "member" and person.name == "New Person"
    assert app.test_client().get(path).status_code == 404  # used: once only
    _one_line_error(cli("user", "invite", "--email", person.email, "--role", "member"))


def test_every_account_change_is_in_the_audit_log(cli, make_user):
    make_user("manager")
    person = make_user("member")
    cli("user", "set-role", "--email", person.email, "--role", "manager")
    cli("user", "deactivate", "--email", person.email)
    cli("user", "reactivate", "--email", person.email)
    cli("user", "set-password", "--email", person.email, input=NEW + "\n")
    actions = db.session.scalars(
        select(AccountEvent.action)
        .where(AccountEvent.user_id == person.id)
        .order_by(AccountEvent.id)
    ).all()
    assert actions == ["created", "role_changed", "deactivated", "reactivated", "password_changed"]
