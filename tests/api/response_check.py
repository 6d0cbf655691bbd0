"""Check every API response a test sees against the app's own OpenAPI description.

Installed on each test app by ``tests/conftest.py``: a response whose status the
description does not list for its operation, or whose body does not match the
schema given for that status, fails the test that caused it. So the response
schemas cannot drift from what ``tracker/api/serialize.py`` really returns.
"""

from __future__ import annotations

from typing import Any

from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask, Response, request
from jsonschema import Draft202012Validator

from tracker.api.openapi import PREFIX, openapi_spec


def install_response_check(app: Flask) -> None:
    """Make ``app`` check each of its API responses against its description."""

    @app.after_request
    def check_api_response(response: Response) -> Response:
        if request.path.startswith(PREFIX + "/") and request.method not in ("HEAD", "OPTIONS"):
            check_response(app, request.url_rule.rule if request.url_rule else None, response)
        return response


# Each description built, with its validators, by what it is made from: the seeds and the
# address it names (the routes are the same in every app). Built once per test process, not
# once per test app (0.3 s each).
_DESCRIPTIONS: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}


def _description(app: Flask) -> tuple[dict[str, Any], dict[str, Any]]:
    """The app's OpenAPI description and the validators made from it so far."""
    key = (str(app.config["TRACKER_SEEDS_DIR"]), str(app.config["TRACKER_BASE_URL"]))
    if key not in _DESCRIPTIONS:
        _DESCRIPTIONS[key] = (openapi_spec(app), {})
    return _DESCRIPTIONS[key]


def check_response(app: Flask, rule: str | None, response: Response) -> None:
    """Raise AssertionError when ``response`` is not what the description promises."""
    spec = _description(app)[0]
    body = response.get_json(silent=True)
    where = f"{request.method} {request.path} answered {response.status_code}"
    if rule is None:  # no route matched (404, 405): still the API's error shape
        assert response.status_code >= 400, where
        _validate(app, spec, "#/components/schemas/Error", body, where)
        return
    path = _openapi_path(rule)
    operation = spec["paths"].get(path, {}).get(request.method.lower())
    assert operation is not None, f"{request.method} {path} is not in the OpenAPI description"
    described = operation["responses"].get(str(response.status_code))
    assert described is not None, f"{where}, a status the description does not list"
    if "$ref" in described:
        described = _resolve(spec, described["$ref"])
    schema = described.get("content", {}).get("application/json", {}).get("schema")
    assert schema is not None, f"{where} with no schema described"
    pointer = _pointer(spec, path, request.method.lower(), str(response.status_code))
    _validate(app, spec, pointer, body, where)
    codes = described.get("x-error-codes")
    if codes is not None:
        assert body["error"]["code"] in codes, f"{where} with code {body['error']['code']!r}"


def _validate(app: Flask, spec: dict[str, Any], pointer: str, body: Any, where: str) -> None:
    validators = _description(app)[1]
    validator = validators.get(pointer)
    if validator is None:
        # The whole description is the root, so its own "#/components/..." references resolve.
        validator = validators[pointer] = Draft202012Validator(
            {**spec, "$ref": pointer}, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{where}, a body that does not match its schema:\n" + "\n".join(
        f"  at {list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10]
    )


def _openapi_path(rule: str) -> str:
    return FlaskPlugin.flaskpath2openapi(rule)


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _pointer(spec: dict[str, Any], path: str, method: str, status: str) -> str:
    """The JSON pointer to the schema of one response, through a shared response if need be."""
    described = spec["paths"][path][method]["responses"][status]
    if "$ref" in described:
        base = described["$ref"]
    else:
        escaped = path.replace("~", "~0").replace("/", "~1")
        base = f"#/paths/{escaped}/{method}/responses/{status}"
    return f"{base}/content/application~1json/schema"
