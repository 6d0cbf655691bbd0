"""Errors services raise for bad input or a refused action, and the one JSON shape they take."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, ValidationError

from tracker.playbook.fields import FieldError, field_errors

__all__ = [
    "FieldError",
    "InputError",
    "NotAllowed",
    "NotFound",
    "RuleError",
    "error_response",
    "input_error_response",
    "load_input",
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


_WHOLE = re.compile(r"-?[0-9]+")


def whole_number_or_text(raw: str) -> int | str:
    """Read typed text as a whole number when it is one (ASCII digits); else keep the text.

    The text then reaches the check, which names the field and what was typed.
    """
    text = raw.strip()
    return int(text) if _WHOLE.fullmatch(text) else text


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
