"""People read words: the activity log, sources and messages name things by their labels.

Issue 14, defect 5: no field keys, Python reprs or file names on a page.
"""

from __future__ import annotations

import html
import re

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}

STORE_FORM = {
    "name": "Sunny Beauty US",
    "market": "US",
    "entity": "CN",
    "store_type": "",
    "opened_on": "2026-11-02",
    "categories": ["beauty"],
    "model": "pop",
}


def _activity_text(page: str) -> str:
    """The activity table's cells as text."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_a_profile_change_reads_as_field_labels_and_dates_in_the_readers_format(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager)
    login(manager)
    form = STORE_FORM | {"inspection_ends_on": "2026-12-01", "freight_mode": "sea_east_coast"}
    applied = client.post(f"/stores/{store.id}/edit", data=form | {"action": "apply"})
    assert applied.status_code == 302

    english = _activity_text(client.get(f"/stores/{store.id}/activity", headers=EN).text)
    assert "Inspection period ends on: (none) → 2026-12-01" in english
    assert "Freight: " in english and "→ Sea (East coast)" in english
    for raw in ("inspection_ends_on", "None", "'2026-12-01'", "sea_east_coast", "freight_mode"):
        assert raw not in english, raw

    chinese = _activity_text(client.get(f"/stores/{store.id}/activity", headers=ZH).text)
    assert "2026年12月1日" in chinese
    for raw in ("inspection_ends_on", "None", "2026-12-01", "sea_east_coast", "Inspection"):
        assert raw not in chinese, raw


def test_an_override_is_logged_by_the_warnings_name_not_its_code(client, make_user, login):
    login(make_user())
    form = STORE_FORM | {
        "market": "UK",
        "model": "full_managed",
        "entity": "US",
        "action": "create",
    }
    review = client.post("/stores/new", data=form | {"action": "review"}).text
    codes = re.findall(r'name="override" value="([a-z_]+)"', review)
    assert codes, "this profile needs an override"
    data = dict(form, override=codes)
    for code in codes:
        data[f"override_{code}_reason"] = "The platform's manager confirmed it by e-mail"
    created = client.post("/stores/new", data=data)
    assert created.status_code == 302, created.text[:2000]
    store_id = created.headers["Location"].rsplit("/", 1)[-1]
    english = _activity_text(client.get(f"/stores/{store_id}/activity", headers=EN).text)
    assert "Went ahead despite" in english
    for code in codes:
        assert code not in english, code


def test_a_product_line_change_reads_as_labels(client, make_user, make_store, login, api_as):
    manager = make_user()
    store = make_store(actor=manager)
    api = api_as(manager)
    body = {"name": "Blush", "current_stock": 300, "daily_sales": 4}
    line_id = api.post(f"/api/v1/stores/{store.id}/product-lines", json=body).json["id"]
    api.patch(f"/api/v1/stores/{store.id}/product-lines/{line_id}", json={"daily_sales": 9})
    login(manager)
    english = _activity_text(client.get(f"/stores/{store.id}/activity", headers=EN).text)
    assert "Daily sales: 4 → 9" in english
    assert "daily_sales" not in english
    chinese = _activity_text(client.get(f"/stores/{store.id}/activity", headers=ZH).text)
    assert "daily_sales" not in chinese and "Daily sales" not in chinese


def test_sources_name_the_guide_by_its_title_not_its_file(client, make_user, make_store, login):
    login(make_user())
    advice = client.post(
        "/stores/new", data=STORE_FORM | {"action": "advise", "answer_abilities": "5"}
    ).text
    assert "Self-operation vs fully managed: How to choose?" in advice
    assert "self-operated-vs-fully-managed" not in advice
    store = make_store()
    plan = client.get(f"/stores/{store.id}").text
    assert "local-vs-cross-border" not in plan
    assert "self-operated-vs-fully-managed" not in plan
    assert "Local vs cross-border stores" in plan


def _lock_of(page: str, words: str) -> str:
    found = [lock for lock in re.findall(r'<div class="lock">(.*?)</div>', page, re.S)]
    waiting = [lock for lock in found if words in lock]
    assert waiting, found
    return waiting[0]


def test_a_lock_links_the_tasks_it_waits_for_by_title_in_english_and_chinese(
    client, make_user, make_store, login
):
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    login(manager)
    for headers, words in ((EN, "waiting for: "), (ZH, "需先完成")):
        lock = _lock_of(client.get(f"/stores/{store.id}", headers=headers).text, words)
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', lock)
        assert links, lock
        for href, title in links:
            assert "." not in title or " " in title, title  # a title, not a key
            target = client.get(href)
            assert target.status_code == 302
            detail = client.get(target.headers["Location"], headers=headers).text
            assert title in detail


def test_a_missing_override_is_summed_up_by_the_warnings_name(client, make_user, login):
    login(make_user())
    form = STORE_FORM | {"market": "UK", "name": "UK shop"}  # POP is not listed for the UK
    refused = client.post("/stores/new", data=form | {"action": "create"})
    assert refused.status_code == 400
    summary = refused.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "override_" not in summary
    assert "Model not listed for this market" in summary
