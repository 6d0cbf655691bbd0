"""Requests are signed as the platform documents, and the fake platform refuses anything else."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import requests

from tests.partner.fake_api import APP_KEY, APP_SECRET
from tracker.partner.client import PartnerClient, PartnerError
from tracker.partner.signing import signature


def test_the_signature_follows_the_documented_steps():
    query = {
        "app_key": "6a6abc",
        "timestamp": "1697708762",
        "shop_cipher": "ROW_Yv",
        "page_size": "10",
        "sign": "left-out",
        "access_token": "left-out-too",
    }
    body = b'{"update_time_ge":1,"update_time_lt":2}'
    # Written out by hand from the steps: sorted {key}{value} but sign and access_token,
    # the path in front, the body behind, the secret around, HMAC-SHA256 keyed by the secret.
    text = (
        "secret"
        "/order/202309/orders/search"
        "app_key6a6abcpage_size10shop_cipherROW_Yvtimestamp1697708762"
        '{"update_time_ge":1,"update_time_lt":2}'
        "secret"
    )
    expected = hmac.new(b"secret", text.encode(), hashlib.sha256).hexdigest()
    assert signature("/order/202309/orders/search", query, body, "secret") == expected
    # A multipart body is not signed.
    multipart = signature("/p", {"a": "1"}, b"--boundary", "secret", multipart=True)
    assert multipart == hmac.new(b"secret", b"secret/pa1secret", hashlib.sha256).hexdigest()


@pytest.fixture
def connected(app, make_store, connect):
    store = make_store()
    return connect(store)


def test_a_signed_request_is_answered(connected, tools, fake):
    shops = tools.client.authorized_shops(tools.box.open(connected.access_token))
    assert [shop["id"] for shop in shops] == ["7000001"]
    assert fake.seen[-1].code == 0


def _raw(fake_url, fake, path, query, body=b"", token=None):
    token = token or next(iter(fake.access))
    return requests.post(
        fake_url + path,
        params=query,
        data=body,
        headers={"x-tts-access-token": token, "content-type": "application/json"},
        timeout=10,
    ).json()


def test_unsigned_or_wrongly_signed_requests_are_refused(connected, fake, fake_url, clock):
    path = "/order/202309/orders/search"
    body = json.dumps({"update_time_ge": 0, "update_time_lt": 10}).encode()
    query = {
        "app_key": APP_KEY,
        "timestamp": str(int(clock())),
        "shop_cipher": connected.shop_cipher,
        "page_size": "10",
    }
    assert "signature" in _raw(fake_url, fake, path, query, body)["message"]
    good = signature(path, query, body, APP_SECRET)
    assert _raw(fake_url, fake, path, {**query, "sign": good}, body)["code"] == 0
    # Signed with another secret, over another body, or with a parameter changed after.
    assert (
        _raw(fake_url, fake, path, {**query, "sign": signature(path, query, body, "x")}, body)[
            "code"
        ]
        == 106001
    )
    tampered = json.dumps({"update_time_ge": 0, "update_time_lt": 99}).encode()
    assert _raw(fake_url, fake, path, {**query, "sign": good}, tampered)["code"] == 106001
    assert (
        _raw(fake_url, fake, path, {**query, "page_size": "11", "sign": good}, body)["code"]
        == 106001
    )
    # The access token is not part of the signature: sending it in the query changes nothing.
    assert (
        _raw(fake_url, fake, path, {**query, "sign": good, "access_token": "x"}, body)["code"] == 0
    )


def test_a_stale_timestamp_is_refused(connected, fake, fake_url, clock):
    path = "/order/202309/orders/search"
    query = {
        "app_key": APP_KEY,
        "timestamp": str(int(clock()) - 301),
        "shop_cipher": connected.shop_cipher,
    }
    answer = _raw(fake_url, fake, path, {**query, "sign": signature(path, query, b"", APP_SECRET)})
    assert answer["code"] == 36009004 and "timestamp" in answer["message"]


def test_a_client_with_the_wrong_secret_is_refused(connected, tools, fake):
    config = tools.client.config
    wrong = PartnerClient(
        type(config)(**{**config.__dict__, "app_secret": "not-the-secret"}),
        tools.client.endpoints,
        clock=tools.client.clock,
    )
    with pytest.raises(PartnerError) as refused:
        wrong.authorized_shops(tools.box.open(connected.access_token))
    assert refused.value.code == 106001


def test_an_unreachable_platform_is_said_without_the_app_secret(app, tools):
    config = tools.client.config
    away = PartnerClient(
        type(config)(
            **{**config.__dict__, "auth_url": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9"}
        ),
        tools.client.endpoints,
    )
    for call in (lambda: away.get_token("code"), lambda: away.authorized_shops("token")):
        with pytest.raises(PartnerError) as failed:
            call()
        assert "did not answer" in str(failed.value)
        assert APP_SECRET not in str(failed.value) and "sign=" not in str(failed.value)
