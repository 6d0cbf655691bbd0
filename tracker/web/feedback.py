"""Feedback on what a person sent: each refused field or rule said in their language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import flash
from flask_babel import gettext

from tracker.errors import InputError, RuleError
from tracker.extensions import db
from tracker.i18n.labels import field_label
from tracker.i18n.text import localize


def field_message(field: str, message: Any) -> str:
    """Say what is wrong with a field, in the page's language ("opened_on: …")."""
    return gettext("%(field)s: %(message)s", field=field_label(field), message=localize(message))


def flash_refusal(error: InputError | RuleError) -> None:
    """Undo the attempt and say, on the next page, what was refused: each bad field, or the rule."""
    db.session.rollback()
    if isinstance(error, InputError):
        for item in error.errors:
            flash(field_message(item.field, item.message), "error")
    else:
        flash(localize(error.message), "error")


@dataclass(frozen=True)
class Refusal:
    """What a page's form sent and why it was refused, to show beside that form."""

    section: str  # the id of the page section whose form was used
    messages: list[str]
    form: Mapping[str, str] = field(default_factory=dict)


def refusal(error: InputError | RuleError, section: str, form: Mapping[str, str]) -> Refusal:
    """Undo the attempt and say what was refused, for the form in ``section``."""
    db.session.rollback()
    if isinstance(error, InputError):
        messages = [field_message(item.field, item.message) for item in error.errors]
    else:
        messages = [localize(error.message)]
    return Refusal(section, messages, dict(form))


def safe_next(target: str | None) -> str | None:
    """Only follow a ``next`` that stays on this site."""
    if not target:
        return None
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
