"""Every JSON body field of every operation refuses a lone surrogate and deep nesting by name.

The operations and their fields come from the live OpenAPI description, so a new endpoint
or field is covered without editing this file. Schemathesis (test_fuzz.py) draws valid
UTF-8 only and keeps to the described types, so it never sends these; this walks them all.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.checklists.test_api import live_prep
from tracker.accounts.services import register_account
from tracker.api.openapi import openapi_spec
from tracker.extensions import db
from tracker.plans.stock_up import change_product_line

SURROGATE = '"x\\ud800y"'  # as a client writes it: the JSON escape of half a UTF-16 pair
DEEP = "[" * 40 + "]" * 40


def _json_operations(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, top-level body fields) of every operation with a JSON body."""
    with app.app_context():
        spec = openapi_spec(app)
    schemas = spec["components"]["schemas"]
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            while "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            found.append((method, path, sorted(schema.get("properties", {}))))
    return found


@pytest.fixture
def world(app, make_user, make_store, api_as, catalog) -> dict[str, Any]:
    """A manager's API client and a real row for every id a path can name."""
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-09-01")
    account = register_account(
        store, {"handle": "sunny.us", "kind": "official", "entity": "CN"}, catalog, manager
    )
    line, _ = change_product_line(
        store, {"name": "Lipstick", "current_stock": 900, "daily_sales": 12.5}, catalog, manager
    )
    db.session.commit()
    api = api_as(manager)
    checklist = api.post("/api/v1/checklists", json=live_prep()).get_json()
    task = api.get(f"/api/v1/stores/{store.id}/tasks").get_json()[0]
    ids = {
        "store_id": store.id,
        "task_id": task["id"],
        "account_id": account.id,
        "line_id": line.id,
        "checklist_id": checklist["id"],
    }
    return {"api": api, "ids": ids}


def test_every_json_field_of_every_operation_names_a_lone_surrogate_and_deep_nesting(app, world):
    operations = _json_operations(app)
    assert len(operations) >= 12  # the walk reaches them all, not none
    problems, sent = [], 0
    for method, template, fields in operations:
        path = template.format(**world["ids"])
        for name in fields:
            for value, words in ((SURROGATE, "lone surrogate"), (DEEP, "nested more than")):
                answer = getattr(world["api"], method)(
                    path, data=f'{{"{name}": {value}}}', content_type="application/json"
                )
                sent += 1
                error = (answer.get_json() or {}).get("error", {})
                if (answer.status_code, error.get("field")) != (
                    400,
                    name,
                ) or words not in error.get("message", ""):
                    problems.append(
                        f"{method.upper()} {template} {name}: {answer.status_code} {error}"
                    )
    assert problems == []
    assert sent >= 100
