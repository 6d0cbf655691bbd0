"""The pages speak the reader's language: no English left on the main pages in Chinese.

The check reads a page as a person does (text between tags, and the titles,
placeholders and labels that show on hover or to a screen reader), takes out
what is data (store, people and product-line names, e-mails, links, keys, codes,
time zones) and a short list of brand and technical words, and fails on any
English word left, with where it stood. It also names any catalog message that
appears untranslated.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from tracker.accounts.services import register_account
from tracker.auth.models import User
from tracker.clock import local_today
from tracker.extensions import db
from tracker.lives.services import log_live
from tracker.plans.stock_up import change_product_line
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.services import add_channel
from tracker.stores.models import Store
from tracker.tasks.models import Task
from tracker.tasks.reminders import queue_reminders
from tracker.tasks.services import change_task, complete_task

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
# Words that stay as they are in a Chinese page: brands, products and technical terms.
KEEP = frozenset(
    {
        "tracker", "TikTok", "Shop", "GMV", "Max", "POP", "API", "JSON", "ERP", "Webhook",
        "Slack", "Lark", "IANA", "ISO", "YYYY", "MM", "DD", "HH", "true", "false", "null",
        "http", "https", "URL", "English", "Google", "Apple", "Outlook", "Thunderbird",
    }
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_DATA = re.compile(
    r"https?://\S+"  # links
    r"|\S+@\S+"  # e-mail addresses, @handles
    r"|\b[A-Za-z]+/[A-Za-z_/]+\b"  # time zones
    r"|\b[a-z0-9_]+(?:\.[a-z0-9_]+)+\b"  # playbook keys
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"  # codes (a warning's code, shown on hover)
    r"|\b[a-f0-9]{12}\b"  # the playbook version
    r"|\b\d+[A-Za-z]+\b"  # 3C
    r"|\b[A-Z]{2,3}\b",  # country and market codes
    re.ASCII,  # next to Chinese characters a code is still a word of its own
)


@pytest.fixture
def reader(make_user):
    """Create a person who reads the product in ``locale`` (None: follows the browser)."""

    def make(locale: str | None = "zh_CN", **overrides: Any) -> User:
        person = make_user(**overrides)
        person.locale = locale
        db.session.commit()
        return person

    return make


@dataclass
class World:
    manager: User
    member: User
    store: Store
    task: Task
    data: list[str]


@pytest.fixture
def world(app, reader, make_store, catalog) -> World:
    """A manager reading Chinese, a store with work, accounts, lives, stock and reminders."""
    ana = reader(name="Ana Li", timezone="Asia/Shanghai")
    bo = reader(role="member", name="Bo Chen")
    # Jewelry is not listed for POP in the US: the plan page shows a warning.
    store = make_store(
        actor=ana, members=(bo,), name="Sunny Beauty US", categories=["beauty", "jewelry"]
    )
    make_store(
        actor=ana, name="Glow Home UK", model="full_managed", market="UK", categories=["home"]
    )
    tasks = {t.key: t for t in db.session.scalars(select(Task).where(Task.store_id == store.id))}
    task = tasks["pop.list_products"]
    change_task(task, {"assignee_id": str(ana.id)}, ana)
    change_task(
        task, {"note": "Lipstick range first", "evidence_url": "https://example.com/s"}, ana
    )
    complete_task(tasks["positioning.store_style"].id, ana)
    register_account(store, {"handle": "sunny.beauty", "kind": "official"}, catalog, ana)
    # Yesterday 10:00 in the store's zone: in the past whatever the time of day now.
    yesterday = local_today(store.zone) - timedelta(days=1)
    started = datetime.combine(yesterday, time(10), ZoneInfo(store.zone))
    log_live(store, {"started_at": started.isoformat(), "minutes": 90}, catalog, ana)
    change_product_line(
        store, {"name": "Lipstick", "current_stock": 40, "daily_sales": 30.0}, catalog, ana
    )
    app.config["TRACKER_ALLOW_PRIVATE_TARGETS"] = True  # a local sink, as an operator may allow
    add_channel(ana, "webhook", "http://127.0.0.1:9/hook")  # refused: the outbox shows it
    db.session.commit()
    # Overdue work reminds the manager this morning, in her language.
    morning = datetime.combine(local_today(ana.timezone), time(10), ZoneInfo(ana.timezone))
    queue_reminders(catalog, now=morning)
    db.session.commit()
    dispatch_due(
        DispatchSettings(backoff_seconds=0, max_attempts=1, allow_private_targets=True),
        now=lambda: morning + timedelta(minutes=1),
    )
    db.session.commit()
    data = [
        "Sunny Beauty US", "Glow Home UK", "Ana Li", "Bo Chen", "Lipstick range first",
        "Lipstick", ana.email, bo.email,
    ]  # fmt: skip
    data += [r.last_error or "" for r in _reminders()]
    return World(ana, bo, store, task, data)


def _reminders() -> list[Any]:
    from tracker.reminders.models import Reminder

    return list(db.session.scalars(select(Reminder)))


def visible_text(page: str) -> str:
    """What a person reads on a page: its text, and titles, placeholders and labels."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # Commands and identifiers, and keys to press.
    page = re.sub(r"<(code|kbd)\b.*?</\1>", " ", page, flags=re.S)
    shown = re.findall(r'\b(?:title|placeholder|aria-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *shown]))


def english_left(page: str, data: list[str]) -> list[str]:
    """The English words a Chinese page still shows, each with a little of its context."""
    text = visible_text(page)
    for item in sorted(data, key=len, reverse=True):
        if item:
            text = text.replace(item, " ")
    text = _DATA.sub(" ", text)
    left = []
    for found in _WORD.finditer(text):
        if found.group() not in KEEP:
            around = " ".join(text[max(0, found.start() - 30) : found.end() + 30].split())
            left.append(f"{found.group()!r} in “…{around}…”")
    return left


@pytest.fixture(scope="module")
def msgids() -> list[str]:
    """The catalog's messages cut at their placeholders: the English pieces worth finding."""
    with (ROOT / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    pieces = set()
    for message in template:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            for piece in re.split(r"%\(\w+\)\w|<[^>]+>", text):
                if len(piece.split()) >= 2:
                    pieces.add(piece.strip())
    return sorted(pieces)


MAIN_PAGES = [
    "/my-tasks?unassigned=1",
    "/stores",
    "/stores/{store}",
    "/tasks/{task}",
    "/stores/new",
    "/account",
    "/account/reminders",
    "/inbox",
    "/stores/{store}/stock-up",
    "/people",
    "/stores/{store}/activity",
    "/stores/{store}/edit",
    "/reminders",
    "/readiness",
    "/readiness?print=1",
    "/stores/{store}/readiness",
]


def test_the_main_pages_in_chinese_have_no_english_left(client, world, login, msgids):
    login(world.manager)
    problems = []
    for path in MAIN_PAGES:
        url = path.format(store=world.store.id, task=world.task.id)
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.get_data(as_text=True)
        assert '<html lang="zh-CN">' in text, url
        problems += [f"{url}: {word}" for word in english_left(text, world.data)]
        shown = " ".join(visible_text(text).split())
        problems += [f"{url}: untranslated message {m!r}" for m in msgids if m in shown]
    assert not problems, "\n".join(problems)


def test_a_page_first_seen_in_english_speaks_chinese_to_the_next_reader(
    client, world, reader, login
):
    english = reader("en")
    login(english)
    assert '<option value="official">official</option>' in client.get(
        f"/stores/{world.store.id}"
    ).get_data(as_text=True)
    client.post("/logout")
    login(world.manager)
    page = client.get(f"/stores/{world.store.id}").get_data(as_text=True)
    assert '<option value="official">官方</option>' in page
    assert not english_left(page, [*world.data, english.name])


def test_the_wizards_review_and_advice_are_in_chinese(client, world, login):
    login(world.manager)
    form = {
        "name": "Sunny Beauty UK",
        "market": "UK",  # POP is not listed in the UK: a warning to override
        "entity": "CN",
        "opened_on": "2026-11-02",
        "categories": ["beauty"],
        "model": "pop",
        "answer_abilities": "2",
        "answer_new_to_cross_border": "yes",
    }
    for action in ("advise", "review"):
        page = client.post("/stores/new", data=form | {"action": action}).get_data(as_text=True)
        assert not english_left(page, [*world.data, "Sunny Beauty UK"]), action
    assert "推荐：全托管" in page or "推荐" in client.post(
        "/stores/new", data=form | {"action": "advise"}
    ).get_data(as_text=True)
    assert "该市场未列出此模式" in page and "指南未列出英国开放自运营（POP）" in page


def test_a_refused_form_says_what_is_wrong_in_chinese(client, world, login):
    login(world.manager)
    page = client.post(
        f"/tasks/{world.task.id}/note", data={"note": "", "evidence_url": "ftp://nope"}
    ).get_data(as_text=True)
    shown = visible_text(page)
    assert "凭证链接" in shown and "链接应以 https:// 开头，实际为 'ftp://nope'" in shown
    assert not english_left(page, [*world.data, "ftp://nope"])


def test_task_titles_are_translated_on_pages_but_the_api_keeps_english(
    client, world, login, api_as
):
    login(world.manager)
    plan = client.get(f"/stores/{world.store.id}").get_data(as_text=True)
    assert "上架首批商品并完善商品详情" in plan
    assert "List the first products with complete details" not in plan
    # Peak work is titled with the translated peak and its year.
    assert re.search(r"报名20\d\d年(黑色星期五|圣诞节)活动", plan)
    api = api_as(world.manager)
    tasks = api.get(f"/api/v1/stores/{world.store.id}/tasks", headers=ZH).get_json()
    titles = (
        {t["key"]: t["title"] for t in tasks["tasks"]}
        if isinstance(tasks, dict)
        else {t["key"]: t["title"] for t in tasks}
    )
    assert titles["pop.list_products"] == "List the first products with complete details"


def test_the_api_answers_in_english_whatever_the_browser_asks(client, world, api_as):
    api = api_as(world.manager)
    missing = api.get("/api/v1/stores/99999", headers=ZH).get_json()
    assert missing["error"]["message"] == "no store 99999"


def test_the_browsers_language_is_the_default_for_a_person_without_a_choice(client, reader, login):
    person = reader(None)
    login(person)
    chinese = client.get("/my-tasks", headers=ZH).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and "我的任务" in chinese
    english = client.get("/my-tasks", headers={"Accept-Language": "en-GB,en"}).get_data(
        as_text=True
    )
    assert '<html lang="en">' in english and "My tasks" in english
    # Traditional Chinese is not what we have: the next language the browser accepts wins.
    taiwan = client.get("/my-tasks", headers={"Accept-Language": "zh-TW,en;q=0.5"})
    assert "My tasks" in taiwan.get_data(as_text=True)


def test_the_persons_choice_wins_over_the_browser(client, reader, login):
    person = reader(None)
    login(person)
    saved = client.post("/account/language", data={"locale": "en"}, headers=ZH)
    assert saved.status_code == 302
    assert db.session.get(User, person.id).locale == "en"
    assert "My tasks" in client.get("/my-tasks", headers=ZH).get_data(as_text=True)
    client.post("/account/language", data={"locale": "zh_CN"})
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "语言" in page and 'value="zh_CN" lang="zh-CN" selected' in page
    # Empty: back to following the browser.
    client.post("/account/language", data={"locale": ""})
    assert db.session.get(User, person.id).locale is None


def test_an_unknown_language_is_refused_and_nothing_changes(client, reader, login):
    person = reader("zh_CN")
    login(person)
    answer = client.post("/account/language", data={"locale": "klingon"})
    assert answer.status_code == 302
    page = visible_text(client.get("/account").get_data(as_text=True))
    assert "语言：应为 en, zh_CN 之一，或留空以跟随浏览器；实际为 'klingon'" in page
    assert db.session.get(User, person.id).locale == "zh_CN"


def test_logged_out_pages_switch_language_with_a_cookie(client, make_user):
    make_user()  # past first run: the login page shows
    switched = client.post("/language", data={"locale": "zh_CN", "next": "/login"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page
    assert not english_left(page, [])
    client.post("/language", data={"locale": "", "next": "https://evil.example/"})
    assert "Log in" in client.get("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_first_run_in_chinese_from_the_browser(client):
    page = client.get("/setup", headers=ZH).get_data(as_text=True)
    assert "欢迎使用 tracker" in page and not english_left(page, [])
    refused = client.post(
        "/setup", data={"email": "ana@example.com", "password": "short"}, headers=ZH
    ).get_data(as_text=True)
    assert "请使用 8 到 200 个字符" in refused


def test_error_pages_are_in_chinese(client, world, login):
    login(world.manager)
    page = client.get("/stores/99999", headers=ZH).get_data(as_text=True)
    assert "未找到" in page and "没有店铺 99999" in page
    assert not english_left(page, world.data)


def test_a_bad_readiness_filter_is_said_in_chinese(client, world, login):
    login(world.manager)
    page = client.get("/readiness?market=XX&status=fine")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "请检查筛选条件" in text and "市场：未知的值 'XX'" in html.unescape(text)
    # The values it may take are codes, as the address spells them.
    assert not english_left(text, [*world.data, "fine", "ready", "at_risk", "not_ready"])


def test_a_refusal_in_a_rows_change_form_is_in_the_readers_language(
    client, login, reader, make_store
):
    """Found on review: the row's Change form said a refusal (a member giving a task to a
    colleague) in English to a reader of Chinese."""
    manager = reader("en", role="manager")
    member = reader("zh_CN", role="member")
    colleague = reader("zh_CN", role="member")
    store = make_store(actor=manager, members=(member, colleague))
    task = db.session.scalars(
        select(Task).where(Task.store_id == store.id, Task.status == "open")
    ).first()
    login(member)
    answer = client.post(
        f"/tasks/{task.id}/change",
        data={"assignee_id": str(colleague.id)},
        headers={"HX-Request": "true"},
    )
    page = answer.get_data(as_text=True)
    assert "成员只能为自己认领任务" in page, page[:2000]
    assert "a member may only take a task for themselves" not in page
