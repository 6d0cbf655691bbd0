"""The three ways in: POST /api/v1/stores/{id}/imports, `tracker import`, the store page."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.imports.conftest import FILES, fixture_bytes, xlsx
from tracker import create_app
from tracker.extensions import db
from tracker.imports.models import ImportRun, OrderLine
from tracker.plans.stores import create_store
from tracker.stores.models import Store
from tracker.stores.services import parse_store_input


def _upload(api, store_id, kind, data, name="export.csv", **fields):
    return api.post(
        f"/api/v1/stores/{store_id}/imports",
        data={"kind": kind, "file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_api_import_answers_201_with_the_summary(shop, api_as):
    store, manager, *_ = shop
    answer = _upload(api_as(manager), store.id, "orders", fixture_bytes("orders_us.csv"))
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert {"kind", "rows", "used", "skipped", "changes"} <= body.keys()
    assert (body["kind"], body["rows"], body["used"]) == ("orders", 8, 8)
    assert body["changes"][0] == "Lipstick: Daily sales 10 → 0.23 from orders 2026-11-01…2026-11-30"
    assert body["window"] == {"from": "2026-11-01", "to": "2026-11-30", "days": 30}


def test_api_import_of_xlsx(shop, api_as):
    store, manager, *_ = shop
    data = xlsx([["Date", "Followers"], ["11/30/2026", 321]])
    answer = _upload(api_as(manager), store.id, "followers", data, name="followers.xlsx")
    assert answer.status_code == 201, answer.json
    assert answer.json["changes"] == ["Followers 0 → 321 as of 2026-11-30"]


def test_api_refuses_a_bad_file_with_400_naming_row_and_column(shop, api_as):
    store, manager, *_ = shop
    data = b"Order ID,Seller SKU,Quantity,Created Time\n1,LIP-RED,-3,11/02/2026 10:00:00 AM\n"
    answer = _upload(api_as(manager), store.id, "orders", data)
    assert answer.status_code == 400
    assert answer.json["error"]["field"] == "file"
    assert answer.json["error"]["message"] == (
        "file: row 2, column 'Quantity': -3 is out of range (0 to 1000000)"
    )
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_api_partial_import_lists_the_rows_left_out(shop, api_as):
    store, manager, *_ = shop
    data = (
        b"Order ID,Seller SKU,Quantity,Created Time\n"
        b"1,LIP-RED,x,11/02/2026 10:00:00 AM\n"
        b"2,LIP-RED,1,11/02/2026 11:00:00 AM\n"
    )
    answer = _upload(api_as(manager), store.id, "orders", data, accept_partial="true")
    assert answer.status_code == 201
    assert answer.json["skipped"] == [
        {"row": 2, "reason": "row 2, column 'Quantity': 'x' is not a whole number"}
    ]


def test_api_refuses_missing_file_and_unknown_kind_by_field(shop, api_as):
    store, manager, *_ = shop
    api = api_as(manager)
    answer = api.post(
        f"/api/v1/stores/{store.id}/imports",
        data={"kind": "orders"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400 and answer.json["error"]["field"] == "file"
    answer = _upload(api, store.id, "returns", b"x")
    assert answer.status_code == 400 and answer.json["error"]["field"] == "kind"


def test_api_import_is_for_managers_only(shop, api_as, make_user, make_store):
    store, *_ = shop
    member = make_user(role="member")
    other = make_store(name="Other", members=(member,))
    # Not on the store: answered as a missing store, as every store endpoint answers it.
    assert _upload(api_as(member), store.id, "followers", b"Date,Followers\n").status_code == 404
    data = b"Date,Followers\n2026-11-30,5\n"
    assert _upload(api_as(member), other.id, "followers", data).status_code == 403


def test_openapi_describes_the_multipart_upload(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/stores/{store_id}/imports"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": "the export file as downloaded from Seller Center",
    }
    assert schema["properties"]["kind"]["enum"] == ["orders", "lives", "followers"]
    assert set(schema["required"]) == {"kind", "file"}
    assert "201" in operation["responses"]


@pytest.fixture
def migrated(tmp_path, catalog):
    """An app on a SQLite file brought up by the migrations, with a US store; its CLI runner."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        raw = {"name": "CLI", "model": "pop", "market": "US", "opened_on": "2026-10-01"}
        store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=None)
        db.session.commit()
        store_id = store.id
    yield app, runner, store_id
    with app.app_context():
        db.engine.dispose()


def test_cli_import_prints_the_summary_as_json(migrated):
    app, runner, store_id = migrated
    path = str(FILES / "orders_us.csv")
    result = runner.invoke(args=["import", "orders", "--store-id", str(store_id), path])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["kind"], summary["rows"], summary["used"], summary["skipped"]) == (
        "orders",
        8,
        8,
        [],
    )
    assert "Orders to date: (none) → 5" in summary["changes"]
    with app.app_context():
        assert db.session.get(Store, store_id).orders_to_date == 5


def test_cli_refused_file_exits_2_with_one_line(migrated, tmp_path):
    app, runner, store_id = migrated
    bad = tmp_path / "bad.csv"
    bad.write_text("Order ID,Seller SKU,Quantity,Created Time\n1,A,2,yesterday\n")
    result = runner.invoke(args=["import", "orders", "--store-id", str(store_id), str(bad)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"Error: {bad}: row 2, column 'Created Time': 'yesterday' is not a time "
        "(expected DD/MM/YYYY HH:MM:SS, MM/DD/YYYY hh:mm:ss AM or YYYY-MM-DD HH:MM:SS)"
    ]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 0


def test_cli_unknown_store_and_kind_exit_2(migrated):
    _, runner, _ = migrated
    path = str(FILES / "orders_us.csv")
    assert runner.invoke(args=["import", "orders", "--store-id", "999", path]).exit_code == 2
    assert runner.invoke(args=["import", "returns", "--store-id", "1", path]).exit_code == 2
