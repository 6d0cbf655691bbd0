"""People and access commands: ``tracker user create|add-to-store|set-password|deactivate|
reactivate|set-role|invite``, ``tracker token create``."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.auth.models import User
from tracker.auth.services import (
    create_token,
    create_user,
    deactivate_user,
    invite_person,
    link_url,
    reactivate_user,
    set_password,
    set_role,
)
from tracker.cli.playbook import WHOLE, BadArgument
from tracker.columns import get_by_id
from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.schema import ensure_schema
from tracker.stores.models import Store
from tracker.stores.services import add_member, welcome_person

user_group = AppGroup("user", help="Create people and give them stores.")
token_group = AppGroup("token", help="Issue API tokens.")


def _fail(error: InputError) -> BadArgument:
    return BadArgument(
        "; ".join(f"--{e.field.replace('_', '-')}: {e.message}" for e in error.errors)
    )


def _user(email: str) -> User:
    user = User.by_email(email)
    if user is None:
        raise BadArgument(f"--email: nobody has the address {email!r}")
    return user


@user_group.command("create")
@click.option("--email", required=True, help="Their e-mail address, used to log in.")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option(
    "--role",
    type=click.Choice(["manager", "member"]),
    default="member",
    show_default=True,
    help="A manager sees every store; a member only their own.",
)
@click.option("--name", default="", help="Their name as colleagues know it.")
@click.option(
    "--timezone",
    default=None,
    help="Their IANA time zone, for reminders (default: the zone of the first store they join).",
)
def create_user_command(
    email: str, password: str, role: str, name: str, timezone: str | None
) -> None:
    """Create a person who can log in."""
    ensure_schema()
    try:
        user = create_user(email=email, password=password, role=role, name=name, timezone=timezone)
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    welcome_person(user)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@user_group.command("add-to-store")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option("--store-id", required=True, type=WHOLE, help="The store's id.")
def add_to_store_command(email: str, store_id: int) -> None:
    """Let a member see and work on a store."""
    ensure_schema()
    user = _user(email)
    store = get_by_id(Store, store_id)
    if store is None:
        raise BadArgument(f"--store-id: there is no store {store_id}")
    added = add_member(store, user, actor=None)
    db.session.commit()
    if added:
        click.echo(f"{user.email} now works on store {store.id} ({store.name}).")
    else:
        click.echo(f"{user.email} already works on store {store.id} ({store.name}).")


_ROLE = click.option(
    "--role",
    required=True,
    type=click.Choice(["manager", "member"]),
    help="A manager sees every store; a member only their own.",
)


def _read_password() -> str:
    """The new password: typed twice at a prompt, or the first line of standard input."""
    if sys.stdin.isatty():
        return str(click.prompt("New password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@user_group.command("set-password")
@click.option("--email", required=True, help="Whose password to set.")
def set_password_command(email: str) -> None:
    """Set a person's password (from a prompt, or stdin); every session of theirs ends."""
    ensure_schema()
    user = _user(email)
    try:
        set_password(user, _read_password())
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"New password set for {user.email}; their sessions have ended.")


def _change(email: str, change: Callable[[User], object], done: str) -> None:
    ensure_schema()
    user = _user(email)
    try:
        change(user)
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    except RuleError as error:
        db.session.rollback()
        raise BadArgument(f"--email: {error.message} ({error.code})") from None
    db.session.commit()
    click.echo(done.format(email=user.email, role=user.role))


@user_group.command("deactivate")
@click.option("--email", required=True, help="Who leaves.")
def deactivate_command(email: str) -> None:
    """Stop a person: sessions, API tokens and calendar feeds stop at once; history stays."""
    _change(email, deactivate_user, "{email} is deactivated.")


@user_group.command("reactivate")
@click.option("--email", required=True, help="Who comes back.")
def reactivate_command(email: str) -> None:
    """Let a deactivated person log in again."""
    _change(email, reactivate_user, "{email} is active again.")


@user_group.command("set-role")
@click.option("--email", required=True, help="Whose role to change.")
@_ROLE
def set_role_command(email: str, role: str) -> None:
    """Make a person a manager or a member; their sessions end so it applies at once."""
    _change(email, lambda user: set_role(user, role), "{email} is now a {role}.")


@user_group.command("invite")
@click.option("--email", required=True, help="The address to invite.")
@_ROLE
def invite_command(email: str, role: str) -> None:
    """Invite someone: prints a one-time link, valid 7 days, where they set their password."""
    ensure_schema()
    try:
        link, secret = invite_person(email, role)
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    db.session.commit()
    until = f"{link.expires_at:%Y-%m-%d %H:%M}"
    click.echo(f"Invitation for {link.email} as {link.role}, valid until {until} UTC:")
    click.echo(link_url(current_app.config["TRACKER_BASE_URL"], "invite", secret))


@token_group.command("create")
@click.option("--email", required=True, help="Whose token it is.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def create_token_command(email: str, name: str) -> None:
    """Issue an API token; it is printed once, alone on the last line."""
    ensure_schema()
    user = _user(email)
    try:
        _, secret = create_token(user, name)
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"Token for {user.email} (shown once; keep it safe):")
    click.echo(secret)
