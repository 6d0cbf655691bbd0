"""The OpenAPI 3.1 description of the JSON API, generated from the views and their schemas.

Each API view says what it takes and answers with ``@documented(...)``; the
description is built from the app's URL map (paths, methods, path parameters),
those notes and the marshmallow schemas in ``schemas.py`` (through apispec),
once per app. A view without ``@documented`` is missing from the description,
which a test refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from apispec_webframeworks.flask import FlaskPlugin
from flask import Flask
from marshmallow import Schema

from tracker.api.repeat import HEADER, IN_USE, REPLAYED, REUSED
from tracker.api.schemas import ErrorOut, request_schemas
from tracker.playbook.fields import OptionalDay
from tracker.playbook.loader import load_catalog

PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"
_EXTENSION = "tracker.openapi"
_CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """What one API view takes and answers, for the description."""

    response: Schema | type[Schema] | dict[str, Any] | None
    status: int
    body: str | None
    body_required: bool
    refusals: tuple[str, ...]
    manager_only: bool
    public: bool
    tag: str
    query: str | None = None
    paged: bool = False
    body_media: str = "application/json"


def documented(
    *,
    response: Schema | type[Schema] | dict[str, Any] | None,
    tag: str,
    status: int = 200,
    body: str | None = None,
    body_required: bool = True,
    refusals: Sequence[str] = (),
    manager_only: bool = False,
    public: bool = False,
    query: str | None = None,
    paged: bool = False,
    body_media: str = "application/json",
) -> Callable[[View], View]:
    """Describe an API view: its success body, request body and the 409 codes it may answer.

    ``response`` is a response schema (an instance with ``many=True`` for a list),
    ``body`` the name of a request schema from ``request_schemas``, ``query`` one whose
    fields are the query string's parameters; ``paged`` lists take ``PageQuery`` and say the
    next page in a ``Link`` header; ``body_media`` is the body's media type
    (``multipart/form-data`` for a file upload). The 400, 401,
    403 and 404 answers are added from what the view is: every view may refuse
    bad input, any but a public one a missing token, one under an id a store or
    task the caller may not see or that does not exist; ``manager_only`` adds 403.
    """
    operation = Operation(
        response,
        status,
        body,
        body_required,
        tuple(refusals),
        manager_only,
        public,
        tag,
        "PageQuery" if paged else query,
        paged,
        body_media,
    )

    def mark(view: View) -> View:
        view.openapi = operation  # type: ignore[attr-defined]
        return view

    return mark


def openapi_spec(app: Flask) -> dict[str, Any]:
    """Return the app's OpenAPI description, built on first use and kept for the app's life."""
    spec = app.extensions.get(_EXTENSION)
    if spec is None:
        spec = app.extensions[_EXTENSION] = build_spec(app)
    return spec


# Every operation's tag, in the order the description lists them.
TAGS = {
    "stores": "Stores, their profile and the plan made from it.",
    "tasks": "The tasks of the plans: tick off, reopen, assign, note.",
    "accounts": "The store's TikTok accounts under the market's 1 + 4 rule.",
    "lives": "Live streams, the cadence and hot-video take-overs.",
    "stock-up": "Product lines and the stock-up deadlines worked from them.",
    "readiness": "How ready each store is for onboarding and its coming peaks.",
    "checklists": "The team's own checklists, planned in every matching store.",
    "imports": "The seller's own Seller Center exports: orders, LIVE sessions, followers.",
    "inbox": "The caller's own in-app reminders: read them, mark them read, dismiss them.",
    "description": "This description of the API.",
}

_ERRORS = {
    400: "Bad input: the field at fault and every problem found (`errors`).",
    401: "No token, or a token that is unknown or revoked.",
    403: "The caller may not see or change this.",
    404: "No such store, task, account, product line, checklist or reminder of yours.",
    413: "The request body is larger than the limit (TRACKER_MAX_BODY_BYTES); nothing was read.",
}
_ERROR_RESPONSES = {
    400: "BadInput",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    413: "TooLarge",
}
# The code each error status answers with.
_ERROR_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
}


def _schema_name(schema: Any) -> str:
    """Name components after their class: ``StoreOut`` is ``Store``, ``TaskNew`` stays."""
    resolved = resolve_schema_cls(schema)
    schema_class = resolved[0] if isinstance(resolved, list) else resolved
    return schema_class.__name__.removesuffix("Out")


def build_spec(app: Flask) -> dict[str, Any]:
    """Describe every documented view under /api/v1 of ``app``."""
    catalog = load_catalog(app.config["TRACKER_SEEDS_DIR"])
    bodies = request_schemas(catalog)
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="tracker API",
        version=version("tracker"),
        openapi_version="3.1.0",
        plugins=[FlaskPlugin(), marshmallow],
        servers=[{"url": app.config["TRACKER_BASE_URL"], "description": "this installation"}],
        tags=[{"name": name, "description": text} for name, text in TAGS.items()],
        info={
            "license": {
                "name": "Proprietary: the seller's own installation",
                "identifier": "LicenseRef-Proprietary",
            },
            "contact": {"name": "The team that runs this installation"},
            "description": (
                "Stores, their task plans, accounts, lives and stock-up, for TikTok Shop "
                "sellers. JSON in and out; text may not hold NUL characters. Markets, "
                f"categories, phases and peaks are those of playbook {catalog.version}."
            ),
        },
        security=[{SECURITY_SCHEME: []}],
    )
    # A date that may be left out as an empty string is text: a date, or nothing.
    marshmallow.map_to_openapi_type(OptionalDay, "string", None)
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "description": "a token from the account page or `tracker token create`",
        },
    )
    spec.components.schema("Error", schema=ErrorOut)
    for status, description in _ERRORS.items():
        said = f"{description} `error.code` is `{_ERROR_CODES[status]}`."
        spec.components.response(
            _ERROR_RESPONSES[status],
            {
                "description": said,
                "content": _json({"$ref": "#/components/schemas/Error"}),
                "x-error-codes": [_ERROR_CODES[status]],
            },
        )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods or ()))):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        operation: Operation | None = getattr(view, "openapi", None)
        if operation is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        described = {
            method.lower(): _operation(rule.rule, rule.endpoint, view, operation, bodies)
            for method in methods
        }
        spec.path(view=view, app=app, operations=described)
    return spec.to_dict()


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(
    path: str,
    endpoint: str,
    view: Callable[..., Any],
    operation: Operation,
    bodies: dict[str, Any],
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        _path_parameter(match) for match in _CONVERTER.finditer(path)
    ]
    responses: dict[str | int, Any] = {}
    if operation.response is not None:
        responses[operation.status] = {
            "description": "OK" if operation.status == 200 else "Created",
            "content": _json(operation.response),
        }
        if operation.paged:
            responses[operation.status]["headers"] = {
                "Link": {
                    "description": 'the next page, `<URL>; rel="next"`, when there is one',
                    "schema": {"type": "string"},
                }
            }
    statuses = [400]
    if not operation.public:
        statuses.append(401)
    if parameters or operation.manager_only:
        statuses.append(403)
    if parameters:
        statuses.append(404)
    if operation.body is not None:
        statuses.append(413)
    for status in statuses:
        responses[status] = {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status]}"}
    repeatable = bool(getattr(view, "repeatable", False))
    conflicts = list(operation.refusals) + ([IN_USE] if repeatable else [])
    if conflicts:
        responses[409] = {
            "description": "A rule refused it"
            + (", or a request with the same Idempotency-Key is under way" if repeatable else "")
            + "; `error.code` is one of: "
            + ", ".join(f"`{code}`" for code in conflicts)
            + ".",
            "content": _json({"$ref": "#/components/schemas/Error"}),
            # The codes again, for programs: tests and clients check an answer's code against them.
            "x-error-codes": conflicts,
        }
    if repeatable:
        parameters.append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": (
                    "Any unique string (a UUID) naming this request: a repeat with the same "
                    "key (a retry after a lost answer) gets the first answer, marked "
                    f"`{REPLAYED}: true`, instead of creating a second copy. Kept for "
                    "TRACKER_IDEMPOTENCY_HOURS (24 by default) per person."
                ),
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
        responses[422] = {
            "description": "The Idempotency-Key was already used for a different request; "
            f"`error.code` is `{REUSED}`.",
            "content": _json({"$ref": "#/components/schemas/Error"}),
            "x-error-codes": [REUSED],
        }
    described: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api."),
        "summary": (view.__doc__ or "").strip().splitlines()[0],
        "tags": [operation.tag],
        "responses": responses,
    }
    if operation.query is not None:
        parameters.append({"in": "query", "schema": bodies[operation.query].schema})
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        body = bodies[operation.body]
        described["requestBody"] = {
            "description": body.description,
            "required": operation.body_required,
            "content": {operation.body_media: {"schema": body.schema}},
        }
    if operation.public:
        described["security"] = []
    return described


def _path_parameter(match: re.Match[str]) -> dict[str, Any]:
    if match["converter"] == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 1}
    else:
        schema = {"type": "string"}
    return {"name": match["name"], "in": "path", "required": True, "schema": schema}
