"""Errors services raise for bad input or a refused action, and the one JSON shape they take."""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, ValidationError

from tracker.playbook.fields import FieldError, field_errors
from tracker.playbook.phrases import Phrase, phrase

__all__ = [
    "FieldError",
    "InputError",
    "NotAllowed",
    "NotFound",
    "RuleError",
    "error_response",
    "input_error_response",
    "load_input",
    "number_or_text",
    "read_json",
    "text_problem",
    "whole_number_or_text",
]


class InputError(ValueError):
    """Input that cannot be used, with what is wrong field by field."""

    def __init__(self, errors: list[FieldError], code: str = "invalid") -> None:
        self.errors = errors
        self.code = code  # stable for clients: "invalid", or a more precise refusal
        super().__init__("; ".join(str(error) for error in errors))

    @classmethod
    def one(cls, field: str, message: str, code: str = "invalid") -> InputError:
        return cls([FieldError(field, message)], code)

    def for_field(self, name: str) -> str | None:
        """Return the message for one field, for a form to show beside it."""
        return "; ".join(self.messages_for(name)) or None

    def messages_for(self, name: str) -> list[str]:
        """Return each message about one field (a page says each in its language)."""
        return [error.message for error in self.errors if error.field == name]


def load_input(schema: Schema, raw: Any) -> Any:
    """Check input from outside with its schema; raise InputError naming every bad field."""
    try:
        return schema.load(raw)
    except ValidationError as error:
        raise InputError(field_errors(error.messages)) from None


# Numbers are written with the digits 0-9 only: Python's int() and float() also take
# "1_000", "٣" (Arabic-Indic three) or "nan", which nobody means in a form (docs/security.md).
_WHOLE = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def whole_number_or_text(raw: str) -> int | str:
    """Read typed text as a whole number when it is one (ASCII digits); else keep the text.

    The text then reaches the check, which names the field and what was typed.
    """
    text = raw.strip()
    return int(text) if _WHOLE.fullmatch(text) else text


def number_or_text(raw: str) -> float | str:
    """Read typed text as a number when it is one (ASCII digits, a point); else keep the text."""
    text = raw.strip()
    return float(text) if _DECIMAL.fullmatch(text) else text


# --- JSON from outside ---------------------------------------------------------------------

# No input the product takes nests deeper than a few levels; a deeper one is refused before
# anything walks it (Python's own parser gives up near 1,000 levels with a RecursionError).
MAX_JSON_DEPTH = 32


def text_problem(text: str) -> Phrase | None:
    """Say what makes ``text`` unstorable: a NUL (PostgreSQL refuses it) or a lone surrogate
    (``"\\ud800"`` in JSON: half of a UTF-16 pair, no character at all); None when fine."""
    if "\x00" in text:
        return phrase("contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return phrase("contains a lone surrogate (like \\ud800), which is not a character")
    return None


def read_json(data: bytes | str) -> Any:
    """Parse JSON from outside; raise InputError naming the field for text no database can
    keep, and refusing JSON that is not JSON or nests deeper than ``MAX_JSON_DEPTH``."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise InputError.one("body", _too_deep()) from None
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8/16/32
        raise InputError.one("body", phrase("is not valid JSON")) from None
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """Refuse parsed JSON nested too deep or holding unstorable text, naming the top field."""
    pending: deque[tuple[Any, str | None, int]] = deque([(value, None, 0)])
    while pending:
        item, field, depth = pending.popleft()
        if depth >= MAX_JSON_DEPTH:  # the top value is level 1
            raise InputError.one(field or "body", _too_deep())
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                raise InputError.one(field or "body", problem)
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = key if field is None else field
                problem = text_problem(key)
                if problem is not None:
                    raise InputError.one(field or "body", problem)
                pending.append((inner, name, depth + 1))
        elif isinstance(item, list):
            pending.extend((inner, field or "body", depth + 1) for inner in item)


def _too_deep() -> Phrase:
    return phrase("is nested more than %(most)s levels deep", most=MAX_JSON_DEPTH)


class RuleError(Exception):
    """A domain rule refused the action (HTTP 409); ``code`` is stable for clients."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        self.code, self.message, self.field = code, message, field
        super().__init__(message)


class NotFound(LookupError):
    """The thing asked for does not exist."""


class NotAllowed(PermissionError):
    """The person may not see or change this."""


# --- the API's one error shape: {"error": {"code", "message", "field"?}} ---------------


def error_response(
    status: int, code: str, message: str, field: str | None = None, **extra: Any
) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    body.update(extra)
    return jsonify({"error": body}), status


def input_error_response(error: InputError) -> tuple[Response, int]:
    """Answer 400 naming the first bad field, with every problem listed."""
    first = error.errors[0]
    return error_response(
        400,
        error.code,
        "; ".join(str(e) for e in error.errors),
        first.field,
        errors=[{"field": e.field, "message": e.message} for e in error.errors],
    )
