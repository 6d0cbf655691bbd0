"""The reminder settings page: preferences and channels, refused field by field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.reminders.models import Channel


def test_reminder_settings_are_saved_in_the_persons_own_terms(client, make_user, login):
    person = make_user()
    login(person)
    answer = client.post(
        "/account/reminders",
        data={
            "timezone": "Asia/Shanghai",
            "remind_days_before": "5, 2",
            "remind_at": "08:30",
            "digest": "on",
            "digest_at": "07:45",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
    )
    assert answer.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert saved.timezone == "Asia/Shanghai" and saved.remind_days_before == [5, 2]
    assert saved.remind_at.isoformat() == "08:30:00" and saved.digest
    assert saved.quiet_from.isoformat() == "22:00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Moon/Base"),
        ("remind_days_before", "soon"),
        ("remind_at", "9 am"),
        ("digest_at", "24:30"),
        ("quiet_from", "late"),
    ],
)
def test_a_bad_reminder_setting_is_named_and_nothing_changes(
    client, make_user, login, field, value
):
    person = make_user()
    login(person)
    form = {
        "timezone": "UTC",
        "remind_days_before": "3, 1",
        "remind_at": "09:00",
        "digest_at": "08:00",
        "quiet_from": "",
        "quiet_until": "",
    }
    answer = client.post("/account/reminders", data=form | {field: value})
    assert answer.status_code == 400
    assert f'id="{field}-error"' in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).remind_at.isoformat() == "09:00:00"


def test_a_channel_is_added_shown_masked_and_removed(client, make_user, login):
    person = make_user()
    login(person)
    secret = "SECverysecretsigningkey0123456789"
    url = "https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef-0123-4567"
    assert (
        client.post(
            "/account/channels", data={"kind": "feishu", "target": url, "secret": secret}
        ).status_code
        == 302
    )
    page = client.get("/account/reminders").get_data(as_text=True)
    assert "feishu" in page and secret not in page and "0123456789abcdef-0123-4567" not in page
    bad = client.post("/account/channels", data={"kind": "slack", "target": "not a url"})
    assert bad.status_code == 400 and 'id="target-error"' in bad.get_data(as_text=True)
    channel = db.session.scalars(select(Channel)).one()
    assert client.post(f"/account/channels/{channel.id}/remove").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Channel, channel.id).active
