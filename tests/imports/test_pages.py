"""The store's data page: upload an export, read what changed, give unmatched SKUs to lines."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.imports.conftest import fixture_bytes, line_named
from tracker.extensions import db
from tracker.imports.models import ImportRun, OrderLine
from tracker.stores.services import add_member


def _upload(client, store_id, kind, data, name="export.csv", **fields):
    return client.post(
        f"/stores/{store_id}/imports",
        data={"kind": kind, "file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_manager_uploads_orders_and_sees_what_changed(shop, login):
    store, manager, *_ = shop
    client = login(manager)
    page = _upload(client, store.id, "orders", fixture_bytes("orders_us.csv"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "8 of 8 rows used." in html
    assert "Lipstick: Daily sales 10 → 0.23 from orders 2026-11-01…2026-11-30" in html
    assert "14.3%" in html  # the seller-fault cancellation rate, 1 of 7
    assert "MUG-01" in html  # the SKU no line has yet


def test_a_refused_file_shows_row_and_column_and_writes_nothing(shop, login):
    store, manager, *_ = shop
    client = login(manager)
    data = b"Order ID,Seller SKU,Quantity,Created Time\n1,LIP-RED,lots,11/02/2026\n"
    page = _upload(client, store.id, "orders", data)
    assert page.status_code == 400
    assert "row 2, column &#39;Quantity&#39;: &#39;lots&#39; is not a whole number" in (
        page.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(OrderLine)) == 0
    assert db.session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_no_file_chosen_is_said_not_a_500(shop, login):
    store, manager, *_ = shop
    page = login(manager).post(f"/stores/{store.id}/imports", data={"kind": "orders"})
    assert page.status_code == 400
    assert "choose the export file" in page.get_data(as_text=True)


def test_members_see_the_data_but_cannot_upload(shop, login, make_user):
    store, manager, *_ = shop
    member = make_user(role="member")
    add_member(store, member, actor=manager)
    db.session.commit()
    client = login(member)
    page = client.get(f"/stores/{store.id}/imports")
    assert page.status_code == 200 and 'type="file"' not in page.get_data(as_text=True)
    assert _upload(client, store.id, "followers", b"Date,Followers\n").status_code == 403


def test_unmatched_skus_are_given_to_a_line_once_and_counted(shop, login, do_import):
    store, manager, lipstick, _ = shop
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    client = login(manager)
    page = client.post(f"/stores/{store.id}/imports/skus", data={"sku:MUG-01": str(lipstick.id)})
    assert page.status_code == 200
    # Lipstick now also has MUG-01's 4 units: 11 in 30 days.
    assert line_named(store.id, "Lipstick").skus == ["LIP-RED", "LIP-PINK", "MUG-01"]
    assert line_named(store.id, "Lipstick").daily_sales == 0.37
    assert "MUG-01" not in client.get(f"/stores/{store.id}/imports").get_data(as_text=True)


def test_store_page_says_when_its_data_is_older_than_a_week(shop, login, do_import):
    store, manager, *_ = shop
    client = login(manager)
    assert 'id="stale"' not in client.get(f"/stores/{store.id}").get_data(as_text=True)
    do_import(store, "followers", b"Date,Followers\n2026-11-01,10\n", manager)
    html = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "the newest imported day is" in html


def test_stock_up_page_saves_a_lines_skus_and_refuses_one_taken(shop, login):
    store, manager, lipstick, serum = shop
    client = login(manager)
    saved = client.post(
        f"/stores/{store.id}/stock-up",
        data={"line_id": str(serum.id), "skus": "1729384756, SER-01"},
    )
    assert saved.status_code == 302
    assert line_named(store.id, "Serum").skus == ["1729384756", "SER-01"]
    refused = client.post(
        f"/stores/{store.id}/stock-up", data={"line_id": str(lipstick.id), "skus": "SER-01"}
    )
    assert refused.status_code == 400
    assert "SKU &#39;SER-01&#39; already belongs to line &#39;Serum&#39;" in refused.get_data(
        as_text=True
    )
    assert line_named(store.id, "Lipstick").skus == ["LIP-RED", "LIP-PINK"]


def test_api_product_lines_take_and_show_skus(shop, api_as):
    store, manager, lipstick, _ = shop
    api = api_as(manager)
    answer = api.patch(
        f"/api/v1/stores/{store.id}/product-lines/{lipstick.id}",
        json={"skus": ["LIP-RED", "LIP-PINK", "1729380003"]},
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["skus"] == ["LIP-RED", "LIP-PINK", "1729380003"]
    bad = api.patch(
        f"/api/v1/stores/{store.id}/product-lines/{lipstick.id}", json={"skus": ["x" * 129]}
    )
    assert bad.status_code == 400 and bad.json["error"]["field"].startswith("skus")


def test_readiness_shows_shop_health_as_of_its_import(shop, login, do_import):
    store, manager, *_ = shop
    client = login(manager)
    before = client.get(f"/stores/{store.id}/readiness").get_data(as_text=True)
    assert "Import the orders export to see the late dispatch" in before
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    html = client.get(f"/stores/{store.id}/readiness").get_data(as_text=True)
    assert "25.0%" in html and "14.3%" in html  # late dispatch 1 of 4, seller cancels 1 of 7
    assert "As of the import of" in html
