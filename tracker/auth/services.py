"""Use cases about people: create them, check logins (slowing down guessing), issue tokens."""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.auth.models import ROLES, ApiToken, LoginThrottle, User, hash_token, normalise_email
from tracker.clock import utcnow
from tracker.errors import FieldError, InputError
from tracker.extensions import db
from tracker.i18n.locales import SUPPORTED_LOCALES
from tracker.playbook.phrases import phrase
from tracker.playbook.zones import zone_exists

PASSWORD_MIN = 8
PASSWORD_MAX = 200
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


def create_user(
    *, email: Any, password: Any, role: Any = "member", name: Any = "", timezone: Any = "UTC"
) -> User:
    """Create a person with a hashed password; every bad field is reported."""
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
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        errors.append(
            FieldError(
                "password",
                phrase("use %(min)s to %(max)s characters", min=PASSWORD_MIN, max=PASSWORD_MAX),
            )
        )
    if role not in ROLES:
        errors.append(
            FieldError("role", phrase("expected manager or member, got %(got)s", got=repr(role)))
        )
    if not isinstance(name, str) or len(name.strip()) > 120:
        errors.append(FieldError("name", phrase("expected at most 120 characters")))
    if not isinstance(timezone, str) or not zone_exists(timezone):
        errors.append(
            FieldError("timezone", phrase("unknown IANA time zone %(got)s", got=repr(timezone)))
        )
    if errors:
        raise InputError(errors)
    user = User(email=address, role=role, name=name.strip(), timezone=timezone)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
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


def check_login(email: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a login; after a few failures for an address, make each next try wait longer."""
    now = now or utcnow()
    address = normalise_email(email or "")[:254]
    throttle = db.session.get(LoginThrottle, address)
    if throttle is not None:
        wait = _wait_after(throttle.failures) - (now - throttle.last_failed_at).total_seconds()
        if wait > 0:
            return LoginResult(None, int(wait) + 1)
    user = User.by_email(address) if address else None
    if user is None or not user.active:
        # Spend the same time as a real check, so the answer does not tell who has an account.
        check_password_hash(_dummy_hash(), password or "")
    elif user.check_password(password or ""):
        if throttle is not None:
            db.session.delete(throttle)
        return LoginResult(user)
    if throttle is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(email=address, failures=0, last_failed_at=now))
        except IntegrityError:
            pass  # a failed login for the same address at the same moment made the row
        throttle = db.session.get(LoginThrottle, address)
        if throttle is None:  # made and gone again at once: nothing to count against
            return LoginResult(None)
    throttle.failures += 1
    throttle.last_failed_at = now
    db.session.flush()
    return LoginResult(None, _wait_after(throttle.failures))


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
