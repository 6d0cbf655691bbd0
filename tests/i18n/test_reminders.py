"""Reminders are written in their recipient's language when they are queued.

The scheduler has no browser to ask: a person who chose Chinese gets Chinese in
the inbox, e-mail and chat; anyone else gets English.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.lives.hot_videos import log_hot_video
from tracker.reminders.models import Reminder
from tracker.tasks.gates import check_gates
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders

OPENED = date(2026, 11, 2)


@pytest.fixture
def team(make_user, make_store):
    """Two managers, one reading Chinese and one English, and a new US store's plan."""
    chinese = make_user(name="Ana Li")
    chinese.locale = "zh_CN"
    english = make_user(name="Ed Moss")  # follows the browser: English when written unseen
    for person in (chinese, english):
        person.digest = False  # single reminders, which each chose over the daily digest
    # Orders enough for the inspection's count: the channel gate opens on its date.
    store = make_store(
        actor=chinese, opened_on=OPENED.isoformat(), today=OPENED, orders_to_date=600
    )
    db.session.commit()
    return chinese, english, store


def _inbox(person, kind: str) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder).where(
                Reminder.user_id == person.id, Reminder.kind == kind, Reminder.channel_id.is_(None)
            )
        )
    )


def _task(store, key: str) -> Task:
    return db.session.scalars(select(Task).where(Task.store_id == store.id, Task.key == key)).one()


def test_a_due_soon_reminder_is_in_each_managers_language(app, team, catalog):
    chinese, english, store = team
    task = _task(store, "pop.list_products")  # due three days after opening, unassigned
    queue_reminders(catalog, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    (zh,) = [r for r in _inbox(chinese, "due_soon") if r.task_id == task.id]
    assert zh.subject == "3 天后截止：上架首批商品并完善商品详情 [Sunny Beauty US]"
    assert zh.text.splitlines() == [
        "3 天后截止：上架首批商品并完善商品详情",
        "店铺：Sunny Beauty US",
        "截止日期 2026年11月5日（America/Los_Angeles）",
        f"打开：http://127.0.0.1:5000/tasks/{task.id}",
    ]
    assert zh.payload["tasks"][0]["title"] == "上架首批商品并完善商品详情"

    (en,) = [r for r in _inbox(english, "due_soon") if r.task_id == task.id]
    assert (
        en.subject
        == "Due in 3 days: List the first products with complete details [Sunny Beauty US]"
    )
    assert en.text.splitlines()[1:3] == [
        "Store: Sunny Beauty US",
        "Due on 2026-11-05 (America/Los_Angeles)",
    ]
    assert en.payload["tasks"][0]["title"] == "List the first products with complete details"


def test_a_daily_digest_is_in_chinese_for_a_chinese_reader(app, team, catalog):
    chinese, _, _ = team
    chinese.digest = True
    db.session.commit()
    queue_reminders(catalog, now=datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    (digest,) = _inbox(chinese, "digest")
    assert re.fullmatch(r"你的任务：逾期 \d+ 项，今日 \d+ 项，本周 \d+ 项", digest.subject)
    assert re.search(r"^本周（\d+）：$", digest.text, re.M)
    assert digest.text.startswith("Sunny Beauty US\n")
    assert re.search(
        r"^  2026年11月5日  上架首批商品并完善商品详情  http://127\.0\.0\.1:5000/tasks/\d+$",
        digest.text,
        re.M,
    )


def test_a_gate_opening_is_told_in_each_language(app, team):
    chinese, english, store = team
    check_gates([store.id], now=datetime(2026, 11, 10, 12, tzinfo=UTC))  # still inspecting
    check_gates([store.id], now=datetime(2026, 12, 3, 12, tzinfo=UTC))  # the period is over
    (zh,) = _inbox(chinese, "gate_open")
    assert zh.subject == "已解锁：绑定最多四个渠道账号 [Sunny Beauty US]"
    assert (
        "此前的锁定原因：渠道账号须在新店考核期结束后才能绑定，考核期持续到 2026年12月1日。"
        in zh.text
    )
    (en,) = _inbox(english, "gate_open")
    assert en.subject == "Unlocked: Bind up to four channel accounts [Sunny Beauty US]"
    assert "What held it: Channel accounts can be bound only after the inspection period" in en.text


def test_a_hot_video_alert_is_in_chinese_for_a_chinese_reader(app, team, catalog):
    chinese, english, store = team
    log_hot_video(store, {"url": "https://www.tiktok.com/@sunny/video/1"}, catalog, chinese)
    db.session.commit()
    (zh,) = _inbox(chinese, "hot_video")
    assert zh.subject == "立即开播：有视频正在起量 [Sunny Beauty US]"
    assert zh.text.startswith("有视频正在起量：https://www.tiktok.com/@sunny/video/1\n请在 ")
    (en,) = _inbox(english, "hot_video")
    assert en.subject == "Go live now: a video is taking off [Sunny Beauty US]"


def test_the_inbox_page_shows_a_reminder_as_it_was_written(app, team, catalog, client, login):
    chinese, _, _ = team
    queue_reminders(catalog, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    for reminder in _inbox(chinese, "due_soon"):
        reminder.state, reminder.sent_at = "sent", datetime(2026, 11, 2, 9, 1, tzinfo=UTC)
    db.session.commit()
    login(chinese)
    page = client.get("/inbox").get_data(as_text=True)
    assert "3 天后截止：上架首批商品并完善商品详情 [Sunny Beauty US]" in page
    assert "2026年11月5日 截止" in page


def test_a_reader_who_follows_the_browser_reads_the_inbox_in_the_browsers_language(
    app, team, catalog, client, login
):
    _, english, store = team  # Ed chose no language: he follows his browser
    log_hot_video(store, {"url": "https://www.tiktok.com/@sunny/video/1"}, catalog, english)
    queue_reminders(catalog, now=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    for reminder in _inbox(english, "hot_video") + _inbox(english, "due_soon"):
        reminder.state, reminder.sent_at = "sent", datetime(2026, 11, 2, 9, 1, tzinfo=UTC)
    db.session.commit()
    login(english)
    page = client.get("/inbox", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text = page.get_data(as_text=True)
    assert "立即开播：有视频正在起量 [Sunny Beauty US]" in text
    assert "3 天后截止：上架首批商品并完善商品详情 [Sunny Beauty US]" in text
    # The body is on the page too, with the link to act on it.
    assert "有视频正在起量：https://www.tiktok.com/@sunny/video/1" in text
    assert "http://127.0.0.1:5000/tasks/" in text
    english_page = client.get("/inbox", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Go live now: a video is taking off [Sunny Beauty US]" in english_page
