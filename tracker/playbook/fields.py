"""Marshmallow fields and validators that refuse bad input with a Phrase a page can translate.

Every input the product takes (a store's profile, a task, a live, an account, a product
line…) is one marshmallow schema built from these. The same schema checks the input in
the service, names each bad field in the form or the API's error, and describes the body
in the OpenAPI document: apispec reads the types and the ``Length``, ``Range`` and
``OneOf`` validators below as it reads marshmallow's own.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from tracker.playbook.phrases import Phrase, phrase
from tracker.playbook.seeds import describe_errors


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one input field, as a person should read it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def field_errors(messages: Any, *, whole: str = "body") -> list[FieldError]:
    """Turn marshmallow's error messages into one FieldError per field (``whole``: no field)."""
    if not isinstance(messages, Mapping):
        return [FieldError(whole, describe_errors(messages))]
    errors = []
    for name, inner in messages.items():
        if name == "_schema":
            errors.append(FieldError(whole, describe_errors(inner)))
            continue
        # Errors inside a list or a nested object come keyed by index or name: keep the text.
        if isinstance(inner, Mapping):
            inner = [message for value in inner.values() for message in _as_list(value)]
        errors.append(FieldError(str(name), describe_errors(inner)))
    return errors


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- validators --------------------------------------------------------------------------------


class Length(validate.Length):
    """A text's length, counted as sent; refused with a phrase."""

    def __call__(self, value: Any) -> Any:
        length = len(value)
        if self.max is not None and length > self.max:
            raise ValidationError(too_long(length, self.max))
        if self.min is not None and length < self.min:
            raise ValidationError(phrase("is required") if self.min == 1 else phrase("too short"))
        return value


class Range(validate.Range):
    """A number within bounds; refused with a phrase that says the bounds and what came."""

    def __call__(self, value: Any) -> Any:
        low, high = self.min, self.max
        below = low is not None and (value < low if self.min_inclusive else value <= low)
        above = high is not None and (value > high if self.max_inclusive else value >= high)
        if below or above:
            raise ValidationError(_range_phrase(low, high, value, self.max_inclusive))
        return value


def _range_phrase(low: Any, high: Any, value: Any, max_inclusive: bool = True) -> Phrase:
    got = shown(value)
    if high is None:
        return phrase("expected %(min)s or more, got %(got)s", min=low, got=got)
    if not max_inclusive:
        return phrase(
            "expected %(min)s or more and under %(max)s, got %(got)s", min=low, max=high, got=got
        )
    return phrase("expected %(min)s to %(max)s, got %(got)s", min=low, max=high, got=got)


Refusal = Callable[[str, str], Phrase]


def _not_one_of(got: str, known: str) -> Phrase:
    return phrase("expected one of %(known)s, got %(got)s", known=known, got=got)


class OneOf(validate.OneOf):
    """A value from a list; refused saying what came and what is known.

    ``refuse(got, known)`` words the refusal for the field ("unknown phase …").
    """

    def __init__(self, choices: Iterable[Any], *, refuse: Refusal = _not_one_of) -> None:
        super().__init__(list(choices))
        self.refuse = refuse

    def __call__(self, value: Any) -> Any:
        if value not in self.choices:
            known = ", ".join(str(choice) for choice in self.choices)
            raise ValidationError(self.refuse(shown(value), known))
        return value


def too_long(length: int, limit: int) -> Phrase:
    """Say that a text is longer than allowed, and by how much."""
    return phrase("is %(length)s characters long; at most %(limit)s", length=length, limit=limit)


def shown(value: Any) -> str:
    """Quote what came, as a person typed it (a repr, cut short)."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"


_ASCII_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def numeral_refusal(value: Any) -> Phrase | None:
    """Say why text that looks like a number is not taken as one, or None.

    Numbers are written with the digits 0-9 and at most a point: "1_000", "1,000", "1 000",
    "٣" (Arabic-Indic) or "１２" (full-width), which Python's int() and float() read, are
    refused so that nobody's figure is read differently from how they meant it.
    """
    if (
        isinstance(value, str)
        and any(ch.isdigit() or ch.isnumeric() for ch in value)
        and not _ASCII_NUMBER.fullmatch(value.strip())
    ):
        return phrase(
            "write numbers with the digits 0-9 only, no separators or other digits; got %(got)s",
            got=shown(value),
        )
    return None


# --- fields -------------------------------------------------------------------------------------


class Text(fields.String):
    """Text, trimmed; at most ``most`` characters as sent. ``required`` text may not be blank.

    A missing or null optional text reads as empty (``blank`` gives what a blank one becomes).
    """

    def __init__(
        self,
        most: int,
        *,
        required: bool = False,
        blank: Any = "",
        allow_blank: bool = True,
        pattern: str | None = None,
        **kwargs: Any,
    ) -> None:
        validators = [Length(min=1 if required else None, max=most)]
        metadata = dict(kwargs.pop("metadata", {}))
        if required or not allow_blank:
            metadata.setdefault("pattern", pattern or r"\S")
        elif pattern:
            metadata.setdefault("pattern", pattern)
        super().__init__(
            required=required,
            allow_none=not required,
            validate=validators,
            metadata=metadata,
            **kwargs,
        )
        self.most, self.blank, self.allow_blank = most, blank, allow_blank

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(phrase("expected text, got %(got)s", got=shown(value)))
        if len(value) > self.most:  # counted as sent, spaces included: the limit a client checks
            raise ValidationError(too_long(len(value), self.most))
        text = value.strip()
        if (self.required or not self.allow_blank) and not text:
            raise ValidationError(phrase("is required"))
        return text if text else self.blank

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        if value is None and not self.required:
            return self.blank
        return super().deserialize(value, attr, data, **kw)


class Whole(fields.Integer):
    """A whole number between ``low`` and ``high`` (not a bool, not a float)."""

    def __init__(self, low: int, high: int | None = None, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=Range(low, high), **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            hint = numeral_refusal(value)
            if hint is not None:
                raise ValidationError(hint)
            if self.high is None:
                raise ValidationError(
                    phrase(
                        "expected a whole number, %(min)s or more, got %(got)s",
                        min=self.low,
                        got=shown(value),
                    )
                )
            raise ValidationError(
                phrase(
                    "expected a whole number from %(min)s to %(max)s, got %(got)s",
                    min=self.low,
                    max=self.high,
                    got=shown(value),
                )
            )
        return value


class WholeText(fields.Integer):
    """A whole number from ``low`` to ``high`` as a query string gives it (digits), or a number."""

    def __init__(self, low: int, high: int | None = None, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", {}))
        super().__init__(validate=Range(low, high), metadata=metadata, **kwargs)
        self.low, self.high = low, high

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and _DIGITS.match(value) and len(value.strip()) <= 12:
            return int(value.strip())
        if (hint := numeral_refusal(value)) is not None:
            raise ValidationError(hint)
        raise ValidationError(
            phrase(
                "expected a whole number, %(min)s or more, got %(got)s",
                min=self.low,
                got=shown(value),
            )
        )


class Number(fields.Float):
    """A finite number from ``low``, below or up to ``high`` (not a bool)."""

    def __init__(
        self, low: float, high: float, *, high_inclusive: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(validate=Range(low, high, max_inclusive=high_inclusive), **kwargs)
        self.low, self.high, self.high_inclusive = low, high, high_inclusive

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            hint = numeral_refusal(value)
            if hint is not None:
                raise ValidationError(hint)
            raise ValidationError(_range_phrase(self.low, self.high, value, self.high_inclusive))
        return float(value)


class Flag(fields.Boolean):
    """True or false, as JSON says them (not 1, "yes" or "on")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise ValidationError(phrase("expected true or false, got %(got)s", got=shown(value)))
        return value


class Choice(fields.String):
    """One of ``choices``; ``normalise`` tidies what came first (case, spaces)."""

    def __init__(
        self,
        choices: Iterable[str],
        *,
        refuse: Refusal = _not_one_of,
        normalise: Callable[[str], str] = str.strip,
        **kwargs: Any,
    ) -> None:
        super().__init__(validate=OneOf(choices, refuse=refuse), **kwargs)
        self.normalise, self.refuse = normalise, refuse

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            choices = self.validators[0].choices  # type: ignore[attr-defined]
            raise ValidationError(self.refuse(shown(value), ", ".join(map(str, choices))))
        return self.normalise(value)


class Day(fields.Date):
    """A YYYY-MM-DD date in ``years``; with ``optional``, blank or null means left out (None)."""

    def __init__(self, years: range, *, optional: bool = False, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", {}))
        text = f"YYYY-MM-DD, in {years.start}–{years[-1]}"
        metadata["description"] = (
            f"{text}; {metadata['description']}" if "description" in metadata else text
        )
        if optional:
            # Forms send an empty string for a date left out.
            metadata.setdefault("anyOf", [{"format": "date"}, {"type": "string", "maxLength": 0}])
        super().__init__(allow_none=optional, metadata=metadata, **kwargs)
        self.years, self.optional = years, optional

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        if self.optional and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        return super().deserialize(value, attr, data, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(
                phrase("expected a date as YYYY-MM-DD, got %(got)s", got=shown(value))
            )
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                phrase("expected a date as YYYY-MM-DD, got %(got)s", got=shown(value))
            ) from None
        if day.year not in self.years:
            raise ValidationError(
                phrase(
                    "%(day)s is outside %(first)s–%(last)s",
                    day=day,
                    first=str(self.years.start),
                    last=str(self.years[-1]),
                )
            )
        return day


class OptionalDay(Day):
    """A YYYY-MM-DD date in ``years``, or blank or null for "left out" (None).

    Described as text that is a date or empty (the OpenAPI document maps this class so).
    """

    def __init__(self, years: range, **kwargs: Any) -> None:
        super().__init__(years, optional=True, **kwargs)


class Instant(fields.DateTime):
    """A date and time in ISO 8601; one without an offset is read in ``zone_of(data)``.

    Returned in UTC. ``zone_of`` is given the whole input (so a schema can use its context).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        example = "2026-11-23T20:00:00+08:00"
        try:
            if not isinstance(value, str):
                raise ValueError
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except (ValueError, OverflowError):
            raise ValidationError(
                phrase(
                    "expected a date and time like %(example)s, got %(got)s",
                    example=example,
                    got=shown(value),
                )
            ) from None
        return moment


# What Python's str.strip() takes off, which is a little more than a regex's \s.
SPACE = r"[\s\x1c-\x1f\x85]"
# The scheme is read whatever its case, as urlsplit does: no space or control character,
# a host after the "//".
LINK_PATTERN = (
    rf"^{SPACE}*[hH][tT][tT][pP][sS]?://[^/?#\s\x00-\x1f\x7f\x85][^\s\x00-\x1f\x7f\x85]*{SPACE}*$"
)


class Link(fields.String):
    """An http(s) link of at most ``most`` characters as sent.

    With ``optional``, null or blank text means no link (None).
    """

    def __init__(self, most: int, *, optional: bool = False, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", {}))
        if optional:
            metadata.setdefault(
                "anyOf",
                [{"pattern": LINK_PATTERN, "maxLength": most}, {"pattern": rf"^{SPACE}*$"}],
            )
        else:
            metadata.setdefault("pattern", LINK_PATTERN)
        super().__init__(
            allow_none=optional,
            validate=None if optional else Length(max=most),
            metadata=metadata,
            **kwargs,
        )
        self.most, self.optional = most, optional

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        if self.optional and (value is None or (isinstance(value, str) and not value.strip())):
            return None
        return super().deserialize(value, attr, data, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(phrase("expected a link as text"))
        url = value.strip()
        # urlsplit quietly drops tabs, newlines and leading control characters: refuse them.
        if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url):
            raise ValidationError(phrase("expected a link without spaces or control characters"))
        try:
            parts = urlsplit(url)
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(
                phrase("expected a link starting with https://, got %(got)s", got=shown(url))
            )
        if len(value) > self.most:  # counted as sent
            raise ValidationError(too_long(len(value), self.most))
        return url


_DIGITS = re.compile(rf"^{SPACE}*[0-9]+{SPACE}*$")


class PersonId(fields.Raw):
    """A person's id: a whole number, or its digits as a form sends them; null or blank: nobody."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_none=True,
            metadata={
                "description": (
                    "a person's id (a whole number, or its digits); null or empty: nobody"
                ),
                "anyOf": [
                    {"type": "integer", "minimum": 1},
                    {"type": "string", "pattern": _DIGITS.pattern},
                    {"type": "string", "maxLength": 0},
                    {"type": "null"},
                ],
            },
            **kwargs,
        )

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kw: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return super().deserialize(value, attr, data, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        if isinstance(value, str) and _DIGITS.match(value) and int(value.strip()) >= 1:
            return int(value.strip())
        raise ValidationError(
            phrase("expected a person's id (a whole number), got %(got)s", got=shown(value))
        )


# --- schemas ------------------------------------------------------------------------------------


class Input(Schema):
    """The base of every input schema: a field it does not know is refused, by name."""

    # Said of a field the schema does not know; each schema names what it reads.
    not_a_field: Phrase = phrase("is not a field here")

    class Meta:
        unknown = RAISE

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        messages = error.messages
        if isinstance(messages, dict):
            for name, problems in messages.items():
                if isinstance(problems, list):
                    messages[name] = [self._said(problem) for problem in problems]
        raise error

    def _said(self, problem: Any) -> Any:
        """Marshmallow's own English messages, said as phrases a page can translate."""
        if problem == "Unknown field.":
            return self.not_a_field
        if problem in ("Missing data for required field.", "Field may not be null."):
            return phrase("is required")
        if problem == "Invalid input type.":
            return phrase("expected an object of fields")
        return problem

    @pre_load
    def _an_object(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            raise ValidationError(phrase("expected an object of fields"), "_schema")
        return data


_Built = TypeVar("_Built", bound=Schema)


def extended(
    base: type[_Built], declared: Mapping[str, fields.Field], *, name: str
) -> type[_Built]:
    """A schema class named ``name``: ``base`` with the ``declared`` fields added."""
    return cast(type[_Built], base.from_dict(dict(declared), name=name))


def per_catalog(build: Callable[[Any], type[_Built]]) -> Callable[[Any], _Built]:
    """Build a schema class once per catalog (its choices come from the seeds); give instances.

    The catalog is loaded once per process, so this builds each schema once.
    """
    built: dict[int, tuple[Any, type[_Built]]] = {}

    @functools.wraps(build)
    def schema(catalog: Any) -> _Built:
        found = built.get(id(catalog))
        if found is None or found[0] is not catalog:
            found = built[id(catalog)] = (catalog, build(catalog))
        return found[1]()

    return schema
