"""What the imported data changes beyond the data page: readiness, the weekly report, gates."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.imports.conftest import fixture_bytes
from tracker.extensions import db
from tracker.imports.services import data_freshness
from tracker.readiness.queries import DataFreshness
from tracker.readiness.report import queue_weekly_reports
from tracker.reminders.models import Reminder
from tracker.tasks.models import Task

# Two days after the newest order of orders_us.csv (2026-11-30), at noon in California.
NOW = datetime(2026, 12, 2, 20, tzinfo=UTC)
# Monday 2026-11-30, 09:00 in Shanghai: the weekly report's moment.
MONDAY_9 = datetime(2026, 11, 30, 1, tzinfo=UTC)
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
OLD_FOLLOWERS = b"Date,Followers\n2026-11-01,10\n"


@pytest.fixture
def on_the_day() -> Iterator[None]:
    """Stop the clock two days after the orders export's newest day."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def import_freshness(settings) -> DataFreshness:
    """How old each store's imported data is, as the scheduler tells the weekly report."""
    return data_freshness(settings)


@pytest.fixture
def stores(shop, make_store, do_import):
    """One store with its orders imported, one whose last import is a month old, one without."""
    fresh, manager, *_ = shop
    do_import(fresh, "orders", fixture_bytes("orders_us.csv"), manager)
    old = make_store(actor=manager, name="Old Data US", opened_on="2026-10-01")
    do_import(old, "followers", OLD_FOLLOWERS, manager)
    never = make_store(actor=manager, name="No Import US", opened_on="2026-10-01")
    db.session.commit()
    return {"fresh": fresh, "old": old, "never": never, "manager": manager}


def test_readiness_api_gives_shop_health_and_the_datas_age(stores, api_as, on_the_day):
    rows = {r["store_id"]: r for r in api_as(stores["manager"]).get("/api/v1/readiness").json}
    fresh = rows[stores["fresh"].id]
    assert fresh["shop_health"]["as_of"] == "2026-11-30"
    assert fresh["shop_health"]["window_starts_on"] == "2026-11-01"
    assert fresh["shop_health"]["late_dispatch_rate"] == 0.25
    assert fresh["shop_health"]["seller_cancel_rate"] == pytest.approx(1 / 7, abs=1e-4)
    assert (fresh["data_as_of"], fresh["data_stale"]) == ("2026-11-30", False)
    old = rows[stores["old"].id]
    assert (old["shop_health"], old["data_as_of"], old["data_stale"]) == (None, "2026-11-01", True)
    never = rows[stores["never"].id]
    assert (never["shop_health"], never["data_as_of"], never["data_stale"]) == (None, None, False)


def test_portfolio_page_shows_health_with_its_date_and_old_data(stores, login, on_the_day):
    client = login(stores["manager"])
    html = client.get("/readiness").get_data(as_text=True)
    assert (
        "late dispatch 25.0% · seller-fault cancellations 14.3% · "
        "as of the import of 2026-11-30" in html
    )
    assert "Data older than a week: the newest imported day is 2026-11-01." in html
    assert html.count('class="lock stale"') == 1  # the store with no import says nothing
    zh = client.get("/readiness", headers=ZH).get_data(as_text=True)
    assert "延迟发货率 25.0% · 卖家责任取消率 14.3% · 截至 2026年11月30日 的导入" in zh
    assert "数据已超过一周：最新导入的日期是 2026年11月1日。" in zh


def test_portfolio_csv_has_the_health_columns(stores, login, on_the_day):
    body = login(stores["manager"]).get("/readiness.csv").get_data(as_text=True)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))}
    fresh = rows["Sunny Beauty US"]
    assert (fresh["late_dispatch_rate"], fresh["seller_cancel_rate"]) == ("0.25", "0.1429")
    assert (fresh["shop_health_as_of"], fresh["data_as_of"], fresh["data_stale"]) == (
        "2026-11-30",
        "2026-11-30",
        "no",
    )
    assert (rows["Old Data US"]["data_stale"], rows["No Import US"]["data_stale"]) == ("yes", "no")
    assert rows["No Import US"]["late_dispatch_rate"] == ""


def test_store_readiness_page_says_its_data_is_old(stores, login, on_the_day):
    client = login(stores["manager"])
    old = client.get(f"/stores/{stores['old'].id}/readiness").get_data(as_text=True)
    assert 'id="stale"' in old and "the newest imported day is 2026-11-01" in old
    never = client.get(f"/stores/{stores['never'].id}/readiness").get_data(as_text=True)
    assert 'id="stale"' not in never


def _reports(person) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder).where(Reminder.user_id == person.id, Reminder.kind == "weekly_report")
        )
    )


def test_weekly_report_gives_shop_health_and_old_data_in_each_language(
    stores, make_user, catalog, import_freshness
):
    manager = stores["manager"]
    manager.timezone = "Asia/Shanghai"
    chinese = make_user(timezone="Asia/Shanghai")
    chinese.locale = "zh_CN"
    db.session.commit()
    queue_weekly_reports(catalog, now=MONDAY_9, freshness=import_freshness)
    db.session.commit()
    (english,) = _reports(manager)
    assert "SHOP HEALTH (from the stores' own data)" in english.text
    assert (
        "Sunny Beauty US: late dispatch 25.0%, seller-fault cancellations 14.3% "
        "(as of the import of 2026-11-30)" in english.text
    )
    assert (
        "Old Data US: data older than a week (the newest imported day is 2026-11-01)"
        in english.text
    )
    assert "No Import US:" not in english.text.split("SHOP HEALTH")[1]
    (zh,) = _reports(chinese)
    assert "店铺健康度（来自店铺自己的数据）" in zh.text
    assert (
        "Sunny Beauty US：延迟发货率 25.0%，卖家责任取消率 14.3%（截至 2026年11月30日 的导入）"
        in zh.text
    )


def test_weekly_report_without_any_import_says_nothing_of_it(
    make_user, make_store, catalog, import_freshness
):
    manager = make_user(timezone="Asia/Shanghai")
    make_store(actor=manager, opened_on="2026-10-01")
    db.session.commit()
    queue_weekly_reports(catalog, now=MONDAY_9, freshness=import_freshness)
    db.session.commit()
    (report,) = _reports(manager)
    assert "SHOP HEALTH" not in report.text and "older than a week" not in report.text


def test_stock_up_tasks_take_the_imported_sales(shop, do_import):
    """The stock-up tasks' quantities (and so their dates) follow the imported daily sales."""
    store, manager, *_ = shop

    def stock_up_descriptions() -> dict[tuple[str, str], str]:
        return {
            (task.key, task.slot): task.description
            for task in db.session.scalars(
                select(Task).where(
                    Task.store_id == store.id,
                    Task.status == "open",
                    Task.description.contains("Stock-up planner:"),
                )
            )
        }

    before = stock_up_descriptions()
    assert before and all("Lipstick" in text for text in before.values())
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    after = stock_up_descriptions()
    assert after != before
    # 0.23 a day instead of 10: the lipstick stock of 500 lasts; no order for it is left.
    assert not any("Lipstick" in text for text in after.values())


def _channel_gate(store) -> Task:
    return db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.key == "accounts.bind_channel")
    ).one()


def test_channel_account_gate_shows_the_imported_order_count_beside_the_date(
    shop, do_import, login, api_as
):
    """A US cross-border store's inspection ends after 30 days and 500 orders (DOMAIN.md)."""
    store, manager, *_ = shop
    client = login(manager)
    before = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "The inspection also asks for 500 orders; the store's count is not known yet" in before
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    html = client.get(f"/stores/{store.id}").get_data(as_text=True)
    accounts = html.split('id="accounts"')[1].split("</section>")[0]
    assert "During the inspection period (until 2026-10-30, estimated):" in accounts
    assert "has had 500 orders: 5 so far, as of the import of 2026-11-30." in accounts
    # The channel accounts' task stays locked by its order count, which it says.
    task = api_as(manager).get(f"/api/v1/tasks/{_channel_gate(store).id}").json
    assert task["status"] == "locked"
    assert task["gate"]["orders_to_date"] == 5 and task["gate"]["orders_at_least"] == 500
    zh = client.get(f"/stores/{store.id}", headers=ZH).get_data(as_text=True)
    assert "累计达到 500 单才结束：目前 5 单，截至 2026年11月30日 的导入。" in zh


def test_a_typed_order_count_says_it_was_typed(shop, do_import, login):
    store, manager, *_ = shop
    store.orders_to_date = 600  # typed, higher than the export's 5: it stays
    db.session.commit()
    do_import(store, "orders", fixture_bytes("orders_us.csv"), manager)
    html = login(manager).get(f"/stores/{store.id}").get_data(as_text=True)
    assert "has had 500 orders: 600 so far, as typed." in html


def test_the_scheduler_tells_the_weekly_report_how_old_the_data_is(stores, app):
    """The tick passes the imports' freshness rule to the report (readiness sits below it)."""
    from tracker.scheduler.tick import run_tick

    manager = stores["manager"]
    manager.timezone = "Asia/Shanghai"
    db.session.commit()
    run_tick(app, name="test", now=MONDAY_9)
    db.session.rollback()
    (report,) = _reports(manager)
    assert "Old Data US: data older than a week" in report.text
