"""The OpenAPI description at /api/v1/openapi.json: valid, complete, public, built once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apispec_webframeworks.flask import FlaskPlugin
from openapi_spec_validator import validate
from sqlalchemy import inspect

from tracker import create_app
from tracker.api import openapi
from tracker.api.openapi import PREFIX, openapi_spec
from tracker.extensions import db


def _in_memory_app() -> Any:
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def _dispose(app: Any) -> None:
    """Close the app's database connections (Python 3.13 warns of any left open)."""
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def bare_app() -> Iterator[Any]:
    """An app on an in-memory database: the description needs no rows."""
    app = _in_memory_app()
    yield app
    _dispose(app)


@pytest.fixture(scope="module")
def spec(bare_app):
    """The description as a client downloads it, without a token."""
    response = bare_app.test_client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_description_is_a_valid_openapi_document(spec):
    validate(spec)  # raises with the place and the reason when it is not
    assert spec["openapi"].startswith("3.1")


def test_every_api_route_and_method_is_described(bare_app, spec):
    missing = []
    for rule in bare_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = FlaskPlugin.flaskpath2openapi(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path} ({rule.endpoint})")
    assert not missing, "add @documented(...) to: " + ", ".join(missing)


def test_the_description_lists_nothing_the_app_does_not_serve(bare_app, spec):
    served = {
        (FlaskPlugin.flaskpath2openapi(rule.rule), method.lower())
        for rule in bare_app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert described <= served


def test_the_contracts_endpoints_are_described_with_their_bodies(spec):
    paths = spec["paths"]
    created = paths[f"{PREFIX}/stores"]["post"]
    assert created["requestBody"]["required"] is True
    assert "201" in created["responses"]
    body = spec["components"]["schemas"]["StoreNew"]
    assert {"name", "model", "market", "opened_on"} <= set(body["required"])
    assert body["properties"]["model"]["enum"] == ["pop", "full_managed"]
    assert "US" in body["properties"]["market"]["enum"]
    assert body["properties"]["store_type"]["enum"] == ["local", "cross_border", None]
    assert body["properties"]["opened_on"]["format"] == "date"
    assert body["additionalProperties"] is False
    account = spec["components"]["schemas"]["AccountNew"]
    assert account["properties"]["kind"]["enum"] == ["official", "channel"]
    refused = paths[f"{PREFIX}/stores/{{store_id}}/accounts"]["post"]["responses"]["409"]
    assert refused["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    codes = {"inspection_single_account", "channel_limit", "official_exists", "entity_mismatch"}
    assert codes <= set(refused["x-error-codes"])
    assert all(f"`{code}`" in refused["description"] for code in codes)
    locked = paths[f"{PREFIX}/tasks/{{task_id}}/complete"]["post"]["responses"]["409"]
    assert "task_locked" in locked["description"]


def test_ids_in_addresses_are_positive_integers(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" or parameter["name"] == "Idempotency-Key":
                    continue
                assert parameter["in"] == "path", (method, path)
                assert parameter["schema"] == {"type": "integer", "minimum": 1}, (method, path)


def test_the_readiness_filters_are_described_with_their_choices(spec):
    parameters = {p["name"]: p for p in spec["paths"][f"{PREFIX}/readiness"]["get"]["parameters"]}
    assert set(parameters) == {"market", "model", "status", "sort", "order"}
    assert all(p["in"] == "query" and not p["required"] for p in parameters.values())
    # No empty member: client generators cannot name one (left out means "all").
    assert parameters["status"]["schema"]["enum"] == ["ready", "at_risk", "not_ready"]
    assert "US" in parameters["market"]["schema"]["enum"]


def test_an_empty_readiness_filter_is_refused_by_the_api_but_means_all_on_the_page(
    make_user, api_as, client, login
):
    manager = make_user()
    answer = api_as(manager).get(f"{PREFIX}/readiness?status=")
    assert answer.status_code == 400 and answer.json["error"]["field"] == "status"
    login(manager)
    assert client.get("/readiness?status=&market=").status_code == 200


def test_every_operation_but_the_description_needs_a_bearer_token(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert spec["security"] == [{"bearerAuth": []}]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path == f"{PREFIX}/openapi.json":
                assert operation["security"] == []
                continue
            assert "security" not in operation, (method, path)
            assert operation["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
            assert "400" in operation["responses"], (method, path)


def test_errors_are_described_in_the_contracts_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message"}
    assert {"field", "errors"} <= set(body["properties"])


def test_the_description_needs_no_token_and_the_rest_still_does(client):
    for headers in ({}, {"Authorization": "Bearer tkr_not-a-real-token"}):
        assert client.get(f"{PREFIX}/openapi.json", headers=headers).status_code == 200
        refused = client.get(f"{PREFIX}/stores", headers=headers)
        assert refused.status_code == 401
        assert refused.get_json()["error"]["code"] == "unauthorized"


def test_the_description_is_built_once_per_app(monkeypatch):
    builds = []
    real_build = openapi.build_spec

    def counting_build(app):
        builds.append(app)
        return real_build(app)

    monkeypatch.setattr(openapi, "build_spec", counting_build)
    app = _in_memory_app()
    client = app.test_client()
    first = client.get(f"{PREFIX}/openapi.json").get_json()
    second = client.get(f"{PREFIX}/openapi.json").get_json()
    assert first == second
    assert openapi_spec(app) is openapi_spec(app)
    assert builds == [app]
    other = _in_memory_app()
    other.test_client().get(f"{PREFIX}/openapi.json")
    assert builds == [app, other]
    _dispose(app)
    _dispose(other)


def test_the_description_reads_no_database(bare_app):
    # Served before any table exists: it is made from the code and the seeds alone.
    with bare_app.app_context():
        assert inspect(db.engine).get_table_names() == []
    assert bare_app.test_client().get(f"{PREFIX}/openapi.json").status_code == 200
