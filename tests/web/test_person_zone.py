"""A person's time zone defaults to their store's, not UTC.

Before, everyone created without a zone (the CLI, the people page, an invitation) was on UTC:
a member of a Jakarta store got "09:00" reminders at 16:00 local time.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask_migrate import stamp

from tracker.auth.models import User
from tracker.auth.services import create_user, invite_person
from tracker.extensions import db
from tracker.reminders.services import update_preferences
from tracker.stores.services import add_member

NEW = "a long enough passphrase"


@pytest.fixture
def cli(app, runner) -> Any:
    with app.app_context():
        stamp()  # the test's schema came from the models: it is current

    def run(*args: str) -> Any:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result

    return run


def _person(email: str) -> User:
    db.session.expire_all()
    person = User.by_email(email)
    assert person is not None
    return person


def test_a_person_made_on_the_command_line_takes_their_first_stores_zone(
    cli, make_user, make_store
):
    manager = make_user()
    jakarta = make_store(actor=manager, name="Toko", market="ID", entity="ID")
    us = make_store(actor=manager, name="Shop US")
    cli("user", "create", "--email", "rina@example.com", "--password", NEW)
    cli("user", "add-to-store", "--email", "rina@example.com", "--store-id", str(jakarta.id))
    assert _person("rina@example.com").timezone == jakarta.zone == "Asia/Jakarta"
    # The first store they join decides; a second one does not move it.
    cli("user", "add-to-store", "--email", "rina@example.com", "--store-id", str(us.id))
    assert _person("rina@example.com").timezone == "Asia/Jakarta"


def test_a_zone_given_or_chosen_is_kept_whatever_store_they_join(app, make_user, make_store):
    manager = make_user()
    jakarta = make_store(actor=manager, name="Toko", market="ID", entity="ID")
    given = create_user(email="given@example.com", password=NEW, timezone="Europe/Berlin")
    later = create_user(email="later@example.com", password=NEW)
    update_preferences(later, {"timezone": "Asia/Shanghai"})
    for person in (given, later):
        add_member(jakarta, person, actor=manager)
    db.session.commit()
    assert _person("given@example.com").timezone == "Europe/Berlin"
    assert _person("later@example.com").timezone == "Asia/Shanghai"


def test_an_invited_person_gets_the_companys_zone_then_their_first_stores(
    app, make_user, make_store
):
    manager = make_user()
    make_store(actor=manager, name="Toko", market="ID", entity="ID")
    make_store(actor=manager, name="Shop US")
    _, secret = invite_person("mia@example.com", "member", actor=manager)
    db.session.commit()
    joined = app.test_client().post(f"/invite/{secret}", data={"password": NEW, "name": "Mia"})
    assert joined.status_code == 302, joined.get_data(as_text=True)
    # No store yet: the company's first store's zone stands in, not UTC.
    assert _person("mia@example.com").timezone == "Asia/Jakarta"
    us_store_person = _person("mia@example.com")
    add_member(make_store(actor=manager, name="Shop US 2"), us_store_person, actor=manager)
    db.session.commit()
    assert _person("mia@example.com").timezone == "America/Los_Angeles"


def test_a_manager_made_before_any_store_takes_the_first_stores_zone(app, make_store):
    first = create_user(email="boss@example.com", password=NEW, role="manager")
    db.session.commit()
    assert first.timezone == "UTC"  # nothing to go by yet
    make_store(actor=first, name="Toko", market="ID", entity="ID")
    assert _person("boss@example.com").timezone == "Asia/Jakarta"
    make_store(actor=first, name="Shop US")
    assert _person("boss@example.com").timezone == "Asia/Jakarta"
