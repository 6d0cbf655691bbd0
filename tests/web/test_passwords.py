"""Passwords (ASVS level 1): at least 8 characters, up to 200, not a common one, no odd rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.auth.models import User
from tracker.auth.services import create_user
from tracker.errors import InputError
from tracker.extensions import db


@pytest.mark.parametrize(
    "password", ["password", "12345678", " " * 8, "PASSWORD1", "qwertyuiop", "iloveyou", "short"]
)
def test_a_common_or_short_password_is_refused_naming_the_field(app, password):
    with pytest.raises(InputError) as refused:
        create_user(email="ana@example.com", password=password, role="member")
    assert refused.value.for_field("password")
    db.session.rollback()
    assert db.session.scalars(select(User)).all() == []


def test_the_address_itself_is_refused_as_a_password(app):
    with pytest.raises(InputError) as refused:
        create_user(email="ana.li@example.com", password="Ana.Li@example.com", role="member")
    assert "e-mail" in (refused.value.for_field("password") or "")


@pytest.mark.parametrize(
    "password",
    [
        "x" * 7 + "y",  # eight characters, no digit, no capital: no composition rules
        "tea kettle under the stairs",
        "长城长城长城长城",  # eight characters of any script
        "a" * 63 + "b",  # 64 characters and more are fine
        "z" * 199 + "!",
    ],
)
def test_long_enough_uncommon_passwords_are_accepted_as_typed(app, password):
    user = create_user(email="ana@example.com", password=password, role="member")
    db.session.commit()
    assert user.check_password(password)
