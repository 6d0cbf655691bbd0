"""The API's one error shape: ``{"error": {"code", "message", "field"?}}``."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from tracker.errors import InputError


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
        "invalid",
        "; ".join(str(e) for e in error.errors),
        first.field,
        errors=[{"field": e.field, "message": e.message} for e in error.errors],
    )
