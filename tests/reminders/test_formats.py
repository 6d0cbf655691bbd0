"""Each chat service gets its own rich format with a link to the task; e-mail comes as text and HTML."""

from __future__ import annotations

from tests.reminders.test_channels import (  # noqa: F401 - fixtures
    SLACK_HOOK,
    WECOM_KEY,
    Hook,
    hook,
    make_message,
    send,
    sink,
    smtp,
    smtp_server,
)
from tracker.reminders.channels import Target

LINK = "https://tracker.example.com/tasks/42"


def rich(**overrides):
    values = {
        "subject": "Due tomorrow: *Lip tint* <restock> & samples_2",
        "text": "Sunrise US\n- *Lip tint* <restock> & samples_2",
        "url": LINK,
        "action": "Open the task",
    }
    values.update(overrides)
    return make_message(**values)


def test_slack_sends_blocks_with_a_button_to_the_task_and_no_markup_from_titles(hook: Hook):
    hook.answer(200, "ok")
    send(Target("slack", hook.url(f"/services/{SLACK_HOOK}")), rich())

    body = hook.received[0].json()
    header, section, actions = body["blocks"]
    # Titles travel as plain text: a * or < in a title is shown, never read as markup.
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Due tomorrow: *Lip tint* <restock> & samples_2"},
    }
    assert section["text"]["type"] == "plain_text"
    assert "*Lip tint* <restock>" in section["text"]["text"]
    [button] = actions["elements"]
    assert button["url"] == LINK and button["text"]["text"] == "Open the task"
    # The notification's fallback text is escaped and carries the link too.
    assert "&lt;restock&gt; &amp;" in body["text"] and f"<{LINK}|" in body["text"]


def test_feishu_sends_an_interactive_card_with_a_button(hook: Hook):
    hook.answer(200, {"code": 0, "msg": "success"})
    send(Target("feishu", hook.url("/open-apis/bot/v2/hook/0b8e5a2c-4d6f")), rich())

    body = hook.received[0].json()
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {
        "tag": "plain_text",
        "content": "Due tomorrow: *Lip tint* <restock> & samples_2",
    }
    text, action = card["elements"]
    assert text["text"]["tag"] == "plain_text"
    [button] = action["actions"]
    assert button["url"] == LINK and button["text"]["content"] == "Open the task"


def test_wecom_sends_markdown_with_markup_in_titles_escaped(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("wecom", hook.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")), rich())

    body = hook.received[0].json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**Due tomorrow: \\*Lip tint\\* &lt;restock&gt; &amp; samples\\_2**")
    assert f"[Open the task]({LINK})" in content


def test_dingtalk_sends_an_action_card_to_the_task(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("dingtalk", hook.url("/robot/send?access_token=abc")), rich())

    body = hook.received[0].json()
    assert body["msgtype"] == "actionCard"
    card = body["actionCard"]
    assert card["title"] == "Due tomorrow: *Lip tint* <restock> & samples_2"
    assert card["singleTitle"] == "Open the task" and card["singleURL"] == LINK
    assert "\\*Lip tint\\* &lt;restock&gt;" in card["text"]


def test_a_message_without_a_link_still_goes_as_plain_text(hook: Hook):
    hook.answer(200, {"errcode": 0, "errmsg": "ok"})
    send(Target("dingtalk", hook.url("/robot/send?access_token=abc")), make_message())
    assert hook.received[0].json()["msgtype"] == "text"


def test_webhook_text_and_tasks_carry_absolute_links(hook: Hook):
    tasks = [{"id": 42, "title": "Lip tint", "due_on": "2026-01-02", "url": LINK}]
    send(Target("webhook", hook.url()), rich(tasks=tasks))
    body = hook.received[0].json()
    assert body["url"] == LINK and body["tasks"][0]["url"] == LINK


def test_email_comes_as_text_and_html_marked_automatic_with_a_way_to_unsubscribe(sink, smtp):
    message = rich(language="zh_Hans_CN", unsubscribe="https://tracker.example.com/reminders")
    send(Target("email", "lead@shop.example"), message, smtp=smtp)

    [sent] = sink.accepted
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["List-Unsubscribe"] == "<https://tracker.example.com/reminders>"
    assert sent["Content-Language"] == "zh-Hans-CN"
    plain = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert LINK in plain
    assert f'href="{LINK}"' in html
    # What a title holds is shown, never run as HTML.
    assert "&lt;restock&gt;" in html and "<restock>" not in html
