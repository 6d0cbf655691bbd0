"""What a password must be (ASVS level 1): long enough, and not one that breaches made common.

No composition rules (a digit, a capital): they make passwords harder to remember, not to guess.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from flask import current_app

from tracker.playbook.phrases import phrase

PASSWORD_MIN = 8
PASSWORD_MAX = 200  # ASVS asks for at least 64; a passphrase of a few sentences fits
COMMON_LIST = Path("passwords") / "common-passwords.txt.gz"


@functools.cache
def _common(path: Path) -> frozenset[str]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (seeds/passwords), read once."""
    return _common(Path(current_app.config["TRACKER_SEEDS_DIR"]) / COMMON_LIST)


def password_problem(password: object, email: str = "") -> str | None:
    """Say what is wrong with a new password, or None when it may be used."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return phrase("use %(min)s to %(max)s characters", min=PASSWORD_MIN, max=PASSWORD_MAX)
    if len(set(password)) == 1 or password.lower() in common_passwords():
        return phrase(
            "this is one of the most common passwords, which are guessed first; "
            "choose another (a few unrelated words work well)"
        )
    if email and password.strip().lower() == email.strip().lower():
        return phrase("do not use your e-mail address as your password")
    return None
