"""The inputs about a store's TikTok accounts: binding one, and the day one was unbound."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

from tracker.accounts.models import ACCOUNT_KINDS
from tracker.playbook.fields import SPACE, Choice, Input, OptionalDay, shown
from tracker.playbook.phrases import Phrase, phrase
from tracker.playbook.profile import PLANNABLE_YEARS, known_territories

# A handle as TikTok writes it: 2 to 24 letters, digits, "." or "_".
HANDLE_PATTERN = r"^[A-Za-z0-9._]{2,24}$"


class Handle(fields.String):
    """A TikTok handle; spaces around it and leading "@"s are dropped before the check."""

    def __init__(self, **kwargs: Any) -> None:
        core = HANDLE_PATTERN.removeprefix("^").removesuffix("$")
        super().__init__(metadata={"pattern": rf"^{SPACE}*@*{core}{SPACE}*$"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        handle = value.strip().lstrip("@") if isinstance(value, str) else None
        if handle is None or not re.fullmatch(HANDLE_PATTERN, handle):
            raise ValidationError(
                phrase(
                    "expected a TikTok handle of 2 to 24 letters, digits, '.' or '_', got %(got)s",
                    got=shown(value),
                )
            )
        return handle


def _not_a_kind(got: str, known: str) -> Phrase:
    return phrase("expected official or channel, got %(got)s", got=got)


def _not_a_country(got: str, known: str) -> Phrase:
    return phrase("expected a country code like CN or US, got %(got)s", got=got)


def _upper(text: str) -> str:
    return text.strip().upper()


class AccountNew(Input):
    """A TikTok account to bind under the market's 1 + 4 rule."""

    not_a_field = phrase("is not an account field")

    handle = Handle(required=True)
    kind = Choice(ACCOUNT_KINDS, refuse=_not_a_kind, required=True)
    entity = Choice(
        sorted(known_territories()),
        refuse=_not_a_country,
        normalise=_upper,
        metadata={"description": "the business licence's country; the store's when left out"},
    )
    region = Choice(
        sorted(known_territories()),
        refuse=_not_a_country,
        normalise=_upper,
        allow_none=True,
        metadata={
            "description": "the account's registered region; an official account's must be "
            "the shop's (the platform refuses another)"
        },
    )
    bound_on = OptionalDay(
        PLANNABLE_YEARS,
        metadata={"description": "today in the store's zone when left out; not a day to come"},
    )


class AccountUnbind(Input):
    """When an account was unbound."""

    not_a_field = phrase("is not an account field")

    unbound_on = OptionalDay(
        PLANNABLE_YEARS,
        metadata={"description": "today when left out; not before it was bound, nor a day to come"},
    )
