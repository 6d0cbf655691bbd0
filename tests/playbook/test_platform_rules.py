"""No task tells a seller to do what the platform forbids, in English or in Chinese.

TikTok Shop forbids steering buyers to other platforms or contact channels (links,
handles, phone numbers, "add me on ..."): violations count against campaign
eligibility. The guide's "private domain" advice is kept as one inbox and
follow-up inside the platform's own tools.
"""

from __future__ import annotations

import re

import pytest

# Advice that moves buyers off TikTok Shop, as the guides or a hasty rewrite might put it.
STEERING = re.compile(
    r"private[- ]domain|own (?:follow-up )?channels?|move (?:interested )?buyers|"
    r"whatsapp|wechat|\bline\b id|telegram|add (?:me|us|them) on|phone number|"
    r"私域|沉淀到自己|加微信",
    re.IGNORECASE,
)


def _texts(catalog):
    translation = catalog.translations["zh_CN"]
    for entry in catalog.entries:
        yield entry.key, "en", f"{entry.title}\n{entry.description}"
        text = translation.entries.get(entry.key)
        if text is not None:
            yield entry.key, "zh_CN", f"{text.title}\n{text.description}"


def test_no_task_tells_a_seller_to_steer_buyers_off_the_platform(catalog):
    found = [
        f"{key} ({language}): {STEERING.search(text)[0]!r}"
        for key, language, text in _texts(catalog)
        if STEERING.search(text)
    ]
    assert found == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_inbox_task_keeps_follow_up_inside_the_platform_and_says_why(catalog, language):
    entry = catalog.entry("accounts.unify_inbox")
    if language == "en":
        text = entry.description
        assert "inside TikTok Shop" in text
        assert "violation" in text and "campaign" in text
    else:
        text = catalog.translations["zh_CN"].entries[entry.key].description
        assert "TikTok Shop 站内" in text or "平台内" in text
        assert "违规" in text and "活动" in text
    # The source names the platform rule beside the guide.
    assert "Redirecting Traffic" in entry.source
