"""Use cases about people: create them, check logins (slowing down guessing), issue tokens."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.models import (
    ROLES,
    AccountEvent,
    AccountLink,
    ApiToken,
    LoginThrottle,
    User,
    hash_token,
    normalise_email,
)
from tracker.auth.passwords import password_problem
from tracker.clock import utcnow
from tracker.errors import FieldError, InputError, NotFound, RuleError
from tracker.extensions import db
from tracker.i18n.locales import SUPPORTED_LOCALES
from tracker.playbook.phrases import phrase, phrase_plural
from tracker.playbook.zones import unknown_zone, zone_exists

TOKEN_PREFIX = "tkr_"
# After this many failed logins in a row, each further try must wait longer.
FREE_FAILURES = 3
MAX_WAIT_SECONDS = 300
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def has_users() -> bool:
    """Tell whether anyone has been created yet (the first-run page is for when not)."""
    return (db.session.scalar(select(func.count()).select_from(User)) or 0) > 0


def parse_email(raw: Any, field: str = "email") -> str:
    if not isinstance(raw, str) or not _EMAIL.match(raw.strip()) or len(raw.strip()) > 254:
        raise InputError.one(
            field,
            phrase("expected an e-mail address like ana@example.com, got %(got)s", got=repr(raw)),
        )
    return normalise_email(raw)


# A person's zone until they or their first store give them one.
PLACEHOLDER_ZONE = "UTC"


def create_user(
    *,
    email: Any,
    password: Any,
    role: Any = "member",
    name: Any = "",
    timezone: Any = None,
    actor: User | None = None,
    address: str | None = None,
) -> User:
    """Create a person with a hashed password; every bad field is reported.

    Without a ``timezone`` (None or blank) the person gets their stores' zone: UTC stands in
    until ``stores.services.settle_zone`` gives them the zone of the first store they join
    (see ``welcome_person`` for someone joining a company that has stores already).
    """
    settled = not (timezone is None or (isinstance(timezone, str) and not timezone.strip()))
    if not settled:
        timezone = PLACEHOLDER_ZONE
    elif isinstance(timezone, str):
        timezone = timezone.strip()
    errors: list[FieldError] = []
    try:
        address = parse_email(email)
        if User.by_email(address) is not None:
            errors.append(
                FieldError("email", phrase("%(address)s already has an account", address=address))
            )
    except InputError as error:
        errors += error.errors
        address = ""
    problem = password_problem(password, address)
    if problem:
        errors.append(FieldError("password", problem))
    if role not in ROLES:
        errors.append(
            FieldError("role", phrase("expected manager or member, got %(got)s", got=repr(role)))
        )
    if not isinstance(name, str) or len(name.strip()) > 120:
        errors.append(FieldError("name", phrase("expected at most 120 characters")))
    if not isinstance(timezone, str) or not zone_exists(timezone):
        errors.append(FieldError("timezone", unknown_zone(timezone)))
    if errors:
        raise InputError(errors)
    user = User(
        email=address,
        role=role,
        name=name.strip(),
        timezone=timezone,
        timezone_settled=settled,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_account_event(user, "created", actor=actor, address=address, detail={"role": role})
    return user


def choose_locale(user: User | None, raw: Any) -> str | None:
    """Set the language ``user`` reads the product in (empty: follow the browser); flush only.

    Without a person, only check the choice (a logged-out page keeps it in a cookie).
    """
    chosen = raw.strip() if isinstance(raw, str) else raw
    if chosen in (None, ""):
        chosen = None
    elif chosen not in SUPPORTED_LOCALES:
        raise InputError.one(
            "locale",
            phrase(
                "expected one of %(choices)s, or empty to follow the browser; got %(got)s",
                choices=", ".join(SUPPORTED_LOCALES),
                got=repr(raw),
            ),
        )
    if user is not None:
        user.locale = chosen
        db.session.flush()
    return chosen


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    wait_seconds: int = 0


@dataclass(frozen=True)
class Bucket:
    """A count of failed logins: consecutive with doubling waits, or leaking away steadily."""

    prefix: str
    free: int  # failures that cost nothing
    # None: consecutive failures, each past ``free`` doubling the wait (up to MAX_WAIT_SECONDS),
    # forgotten FORGET_AFTER after the last one. A number: a leaky bucket that forgets one
    # failure per this many seconds and refuses while ``free`` are remembered.
    leak_seconds: float | None = None


# An address from one client: the owner's own typos, and a guesser's main limit.
PAIR = Bucket("pair", FREE_FAILURES)
# An address from any client: slower, so that a stranger elsewhere cannot lock the owner out
# (one failure a minute is forgotten: a guess every few minutes never fills it).
ACCOUNT = Bucket("email", 20, leak_seconds=60)
# One client, whatever the address: guessing across many accounts.
CLIENT = Bucket("client", 20, leak_seconds=30)
FORGET_AFTER = timedelta(hours=1)
PRUNE_AFTER = timedelta(days=1)


def _buckets(address: str, client: str) -> dict[str, Bucket]:
    keys = {f"pair:{address} {client}": PAIR, f"email:{address}": ACCOUNT}
    if client:
        keys[f"client:{client}"] = CLIENT
    return keys


def _bucket_wait(bucket: Bucket, level: float, elapsed: float) -> tuple[float, float]:
    """(the level now, seconds to wait before one more try) for a bucket's stored level."""
    if bucket.leak_seconds is None:
        if elapsed > FORGET_AFTER.total_seconds():
            return 0.0, 0.0
        return level, max(0.0, _wait_after(int(level)) - elapsed)
    now_level = max(0.0, level - elapsed / bucket.leak_seconds)
    over = now_level + 1 - bucket.free
    return now_level, max(0.0, over * bucket.leak_seconds)


def _upsert(key: str, level: float, now: datetime) -> Any:
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(LoginThrottle).values(key=key, level=level, updated_at=now)
    return statement.on_conflict_do_update(
        index_elements=["key"], set_={"level": level, "updated_at": now}
    )


def reserve_login(email: str, client: str = "", *, now: datetime | None = None) -> int:
    """Count a login try before its password is checked; return the seconds to wait, or 0.

    Every bucket the try falls in (the address from this client, the address, the client)
    is locked, checked and counted in one transaction, so simultaneous tries are counted
    one by one and none gets past the limit. The caller commits before checking the
    password (``finish_login``), which refunds the count when the password is right.
    """
    address = normalise_email(email or "")[:254]
    return _reserve(_buckets(address, (client or "")[:100]), now or utcnow())


def _reserve(buckets: dict[str, Bucket], now: datetime) -> int:
    """Lock, check and count one try in every bucket at once; the seconds to wait, or 0."""
    keys = sorted(buckets)
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    # Make the rows (SQLite: this takes the write lock), then lock them in key order.
    db.session.execute(
        insert(LoginThrottle)
        .values([{"key": key, "level": 0.0, "updated_at": now} for key in keys])
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = {
        row.key: row
        for row in db.session.execute(
            select(LoginThrottle.key, LoginThrottle.level, LoginThrottle.updated_at)
            .where(LoginThrottle.key.in_(keys))
            .order_by(LoginThrottle.key)
            .with_for_update()
        )
    }
    levels: dict[str, float] = {}
    wait = 0.0
    for key in keys:
        row = rows.get(key)
        level, elapsed = (row.level, (now - row.updated_at).total_seconds()) if row else (0, 0)
        levels[key], bucket_wait = _bucket_wait(buckets[key], level, max(0.0, elapsed))
        wait = max(wait, bucket_wait)
    if wait > 0:
        return int(wait) + 1
    for key in keys:
        db.session.execute(_upsert(key, levels[key] + 1, now))
    return 0


def finish_login(
    email: str, password: str, client: str = "", *, now: datetime | None = None
) -> LoginResult:
    """Check the password of a try ``reserve_login`` let through; refund it when right."""
    now = now or utcnow()
    address = normalise_email(email or "")[:254]
    user = User.by_email(address) if address else None
    if user is None or not user.active:
        # Spend the same time as a real check, so the answer does not tell who has an account.
        check_password_hash(_dummy_hash(), password or "")
    elif user.check_password(password or ""):
        buckets = _buckets(address, (client or "")[:100])
        pair, *others = buckets  # the pair comes first
        # Lock the rows in key order first, as ``_reserve`` does: a delete then an update
        # took them in another order, and on PostgreSQL a person logging in while another
        # try from the same address was being counted deadlocked with it (a 500).
        db.session.execute(
            select(LoginThrottle.key)
            .where(LoginThrottle.key.in_(sorted(buckets)))
            .order_by(LoginThrottle.key)
            .with_for_update()
        )
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.in_(others), LoginThrottle.level >= 1)
            .values(level=LoginThrottle.level - 1)
        )
        return LoginResult(user)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < now - PRUNE_AFTER))
    level = db.session.scalar(
        select(LoginThrottle.level).where(
            LoginThrottle.key == next(iter(_buckets(address, (client or "")[:100])))
        )
    )
    return LoginResult(None, _wait_after(int(level or 0)))


def check_login(
    email: str, password: str, client: str = "", *, now: datetime | None = None
) -> LoginResult:
    """Check a login in one go (reserve, then check); the login page commits in between."""
    wait = reserve_login(email, client, now=now)
    if wait:
        return LoginResult(None, wait)
    return finish_login(email, password, client, now=now)


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("no such account")


def _wait_after(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_WAIT_SECONDS, 2 ** (failures - FREE_FAILURES + 1))


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token; the secret is returned once and only its hash is kept."""
    if not isinstance(name, str) or len(name.strip()) > 80:
        raise InputError.one("name", phrase("expected at most 80 characters"))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        token_hash=hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_token(secret: str, *, now: datetime | None = None) -> User | None:
    """Return the active owner of a live token, noting when it was last used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    # Write the last use at most once a minute, not on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token.user


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()


# --- account changes: each ends the person's sessions and is recorded -----------------------


def record_account_event(
    user: User,
    action: str,
    *,
    actor: User | None = None,
    address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AccountEvent:
    """Record a change to an account: who did what to whom, when and from where."""
    event = AccountEvent(
        user_id=user.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        detail=detail or {},
        address=(address or "")[:64] or None,
    )
    db.session.add(event)
    db.session.flush()
    return event


def end_sessions(user: User) -> None:
    """End every session of the person: cookies carry the version they were issued with."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def set_password(
    user: User,
    password: Any,
    *,
    actor: User | None = None,
    address: str | None = None,
) -> None:
    """Give the person a new password (checked against the rules) and end their sessions."""
    problem = password_problem(password, user.email)
    if problem:
        raise InputError.one("password", problem)
    user.set_password(password)
    end_sessions(user)
    record_account_event(user, "password_changed", actor=actor, address=address)


def change_password(user: User, current: Any, new: Any, *, address: str | None = None) -> None:
    """Change one's own password: the current one first, then the new one's rules."""
    if not isinstance(current, str) or not user.check_password(current):
        raise InputError.one("current_password", phrase("that is not your current password"))
    set_password(user, new, actor=user, address=address)


def _refuse_losing_the_last_manager(user: User) -> None:
    if not (user.is_manager and user.active):
        return
    others = db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == "manager", User.active, User.id != user.id)
    )
    if not others:
        raise RuleError(
            "last_manager",
            phrase("%(person)s is the last active manager", person=user.display_name),
        )


def deactivate_user(user: User, *, actor: User | None = None, address: str | None = None) -> None:
    """Stop a person: their sessions end, their API tokens and feeds stop working; history stays."""
    if not user.active:
        return
    _refuse_losing_the_last_manager(user)
    user.active = False
    end_sessions(user)
    record_account_event(user, "deactivated", actor=actor, address=address)


def reactivate_user(user: User, *, actor: User | None = None, address: str | None = None) -> None:
    """Let a deactivated person log in again (with a fresh session)."""
    if user.active:
        return
    user.active = True
    end_sessions(user)
    record_account_event(user, "reactivated", actor=actor, address=address)


def set_role(
    user: User, role: Any, *, actor: User | None = None, address: str | None = None
) -> None:
    """Make a person a manager or a member; their sessions end so the new role applies at once."""
    if role not in ROLES:
        raise InputError.one(
            "role", phrase("expected manager or member, got %(got)s", got=repr(role))
        )
    if user.role == role:
        return
    if role != "manager":
        _refuse_losing_the_last_manager(user)
    before, user.role = user.role, role
    end_sessions(user)
    record_account_event(
        user, "role_changed", actor=actor, address=address, detail={"from": before, "to": role}
    )


# --- one-time links: invitations and password resets --------------------------------------

INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
LINK_PATHS = {"invite": "/invite/", "reset": "/reset/"}


def link_url(base_url: str, kind: str, secret: str) -> str:
    """The absolute address a person opens to use a link."""
    return f"{base_url.rstrip('/')}{LINK_PATHS[kind]}{secret}"


def _new_link(kind: str, email: str, lifetime: timedelta, **values: Any) -> tuple[Any, str]:
    secret = secrets.token_urlsafe(32)
    link = AccountLink(
        kind=kind,
        email=email,
        token_hash=hash_token(secret),
        expires_at=utcnow() + lifetime,
        **values,
    )
    db.session.add(link)
    db.session.flush()
    return link, secret


def invite_person(
    email: Any, role: Any, *, actor: User | None = None, address: str | None = None
) -> tuple[AccountLink, str]:
    """Invite someone by e-mail: a one-time link, valid 7 days, where they set their password."""
    errors: list[FieldError] = []
    try:
        invited = parse_email(email)
        if User.by_email(invited) is not None:
            errors.append(
                FieldError("email", phrase("%(address)s already has an account", address=invited))
            )
    except InputError as error:
        errors += error.errors
        invited = ""
    if role not in ROLES:
        errors.append(
            FieldError("role", phrase("expected manager or member, got %(got)s", got=repr(role)))
        )
    if errors:
        raise InputError(errors)
    return _new_link(
        "invite",
        invited,
        INVITE_LIFETIME,
        role=role,
        created_by_id=actor.id if actor is not None else None,
    )


def open_link(kind: str, secret: Any, *, now: datetime | None = None) -> AccountLink:
    """The unused, unexpired link of this kind with this secret; NotFound otherwise."""
    link = None
    if isinstance(secret, str) and 20 <= len(secret) <= 100:
        link = db.session.scalar(
            select(AccountLink).where(
                AccountLink.token_hash == hash_token(secret), AccountLink.kind == kind
            )
        )
    if link is None or link.used_at is not None or link.expires_at <= (now or utcnow()):
        raise NotFound(phrase("this link is unknown, used or expired; ask for a new one"))
    return link


def accept_invite(
    secret: Any,
    *,
    password: Any,
    name: Any = "",
    timezone: Any = None,
    address: str | None = None,
) -> User:
    """Join through an invitation: make the account with the invitee's own password."""
    link = open_link("invite", secret)
    creator = db.session.get(User, link.created_by_id) if link.created_by_id else None
    user = create_user(
        email=link.email, password=password, role=link.role, name=name, timezone=timezone
    )
    link.used_at = utcnow()
    record_account_event(user, "joined", actor=creator, address=address, detail={"role": user.role})
    return user


# Reset requests for one address (from anywhere): 3 at once, then one every 20 minutes, so
# nobody can fill a colleague's inbox; from one client (any addresses): 10, then one every
# 6 minutes. Counted whether or not the address has an account, so the limit tells nothing.
RESET_ADDRESS = Bucket("reset-email", 3, leak_seconds=20 * 60)
RESET_CLIENT = Bucket("reset-client", 10, leak_seconds=6 * 60)


def request_reset(
    email: Any, client: str = "", *, now: datetime | None = None
) -> tuple[AccountLink, str] | None:
    """Make a one-hour reset link for an active account; None (said the same way) otherwise.

    Too many requests for the address or from the client raise RuleError
    ``too_many_requests`` (with the wait), the same for an address with or without an account.
    """
    address = normalise_email(email) if isinstance(email, str) else ""
    buckets = {f"reset-email:{address[:254]}": RESET_ADDRESS}
    if client:
        buckets[f"reset-client:{client[:100]}"] = RESET_CLIENT
    wait = _reserve(buckets, now or utcnow())
    if wait:
        minutes = max(1, round(wait / 60))
        raise RuleError(
            "too_many_requests",
            phrase_plural(
                "Too many reset requests: try again in %(num)d minute.",
                "Too many reset requests: try again in %(num)d minutes.",
                minutes,
            ),
        )
    user = User.by_email(address) if address else None
    if user is None or not user.active:
        return None
    return _new_link("reset", user.email, RESET_LIFETIME, user_id=user.id)


def reset_password(secret: Any, password: Any, *, address: str | None = None) -> User:
    """Set a new password through a reset link; every session of the person ends."""
    link = open_link("reset", secret)
    user = db.session.get(User, link.user_id) if link.user_id else None
    if user is None or not user.active:
        raise NotFound(phrase("this link is unknown, used or expired; ask for a new one"))
    set_password(user, password, actor=user, address=address)
    link.used_at = utcnow()
    return user
