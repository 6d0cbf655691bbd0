"""People and access commands: ``tracker user create|add-to-store``, ``tracker token create``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tracker.auth.models import User
from tracker.auth.services import create_token, create_user
from tracker.cli.playbook import BadArgument
from tracker.columns import get_by_id
from tracker.errors import InputError
from tracker.extensions import db
from tracker.schema import ensure_schema
from tracker.stores.models import Store
from tracker.stores.services import add_member

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
    "--timezone", default="UTC", show_default=True, help="Their IANA time zone, for reminders."
)
def create_user_command(email: str, password: str, role: str, name: str, timezone: str) -> None:
    """Create a person who can log in."""
    ensure_schema()
    try:
        user = create_user(email=email, password=password, role=role, name=name, timezone=timezone)
    except InputError as error:
        db.session.rollback()
        raise _fail(error) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@user_group.command("add-to-store")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option("--store-id", required=True, type=int, help="The store's id.")
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
