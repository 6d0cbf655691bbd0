"""Phrases: English wherever text is plain text (API, CLI, logs), said again on a page."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from tracker import create_app
from tracker.i18n import browser_locale
from tracker.i18n.text import localize
from tracker.playbook.phrases import Name, Names, Phrase, phrase, phrase_plural


@pytest.fixture(scope="module")
def pages():
    """An app to make request contexts with; nothing here touches its database."""
    return create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_phrase_is_its_english_text():
    said = phrase("not before %(day)s (estimated)", day=date(2026, 12, 3))
    assert said == "not before 2026-12-03 (estimated)" and isinstance(said, str)
    many = phrase_plural("%(num)d day overdue", "%(num)d days overdue", 2)
    assert many == "2 days overdue" and phrase_plural("%(num)d day", "%(num)d days", 1) == "1 day"
    assert phrase("50% sure") == "50% sure"  # no values, no formatting (as gettext does)


def test_a_phrase_kept_as_json_or_pickled_comes_back_the_same():
    said = phrase(
        "waiting for: %(tasks)s",
        tasks=Names(
            [Name("entry", "campaign.register", "campaign.register", {"peak": "double_11"})],
            "campaign.register",
        ),
    )
    again = Phrase.from_json(said.to_json())
    assert again == said and again.to_json() == said.to_json()
    assert pickle.loads(pickle.dumps(said)).to_json() == said.to_json()


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-SG", "zh_CN"),
        ("zh-TW,en;q=0.5", "en"),  # traditional characters: English is the next choice
        ("zh-Hant-HK,zh-CN;q=0.7", "zh_CN"),
        ("fr-FR,de;q=0.8", "en"),
        ("en-GB,zh-CN;q=0.5", "en"),
    ],
)
def test_the_browsers_languages_are_read_best_first(pages, header, locale):
    with pages.test_request_context("/", headers={"Accept-Language": header}):
        from flask import request

        assert browser_locale(request.accept_languages.values()) == locale


def test_a_page_says_a_phrase_and_its_names_in_chinese(pages):
    said = phrase_plural(
        "%(categories)s is invitation-only for %(model)s in %(market)s: apply to the platform "
        "before listing it. The plan has a task for the application.",
        "%(categories)s are invitation-only for %(model)s in %(market)s: apply to the platform "
        "before listing them. The plan has a task for the application.",
        2,
        categories=Names(
            [Name("category", "jewelry", "Jewelry"), Name("category", "food", "Food")],
            "Jewelry and Food",
        ),
        model=Name("model", "pop", "Self-operated (POP)"),
        market=Name("market", "TH", "Thailand"),
    )
    with pages.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert localize(said) == (
            "在泰国以自运营（POP）经营时，珠宝和食品为邀约制类目：上架前须先向平台提交申请。"
            "计划中已加入申请任务。"
        )
    with pages.test_request_context("/", headers={"Accept-Language": "en"}):
        assert localize(said) == str(said)
