"""Connecting a store: off to the platform's authorisation, back with a code, tokens kept sealed."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from tests.partner.conftest import box, partner_env
from tests.partner.fake_api import APP_KEY
from tracker.config import partner_config
from tracker.extensions import db
from tracker.partner.models import PartnerConnection


@pytest.fixture(autouse=True)
def real_time(clock):
    """The pages sign with the real clock: the fake platform reads it too."""
    clock.t = time.time()


def _start(client, store, fake_url):
    response = client.post(f"/stores/{store.id}/partner/connect")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}" == fake_url
    assert target.path == "/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["app_key"] == APP_KEY and len(query["state"]) >= 32
    return query["state"]


def _connections():
    db.session.expire_all()
    return db.session.scalars(select(PartnerConnection)).all()


def test_a_manager_connects_a_store_and_its_tokens_are_kept_sealed(
    app, make_user, make_store, login, fake, fake_url
):
    manager = make_user()
    store = make_store(actor=manager)
    client = login(manager)
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "Connect TikTok Shop" in page
    state = _start(client, store, fake_url)
    code = fake.auth_code("7000001")
    back = client.get(f"/partner/callback?code={code}&state={state}")
    assert back.status_code == 302 and back.headers["Location"].endswith(f"/stores/{store.id}")
    (connection,) = _connections()
    assert connection.store_id == store.id and connection.shop_cipher == "ROW_cipher_7000001"
    # At rest the tokens are ciphertext; the key opens them to the ones the platform issued.
    assert connection.access_token not in fake.access
    assert connection.refresh_token not in fake.refresh
    assert box().open(connection.access_token) in fake.access
    assert box().open(connection.refresh_token) in fake.refresh
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert 'id="partner-connected"' in page and "Sunny Beauty" in page


def test_a_return_with_another_state_is_refused(app, make_user, make_store, login, fake, fake_url):
    manager = make_user()
    store = make_store(actor=manager)
    client = login(manager)
    _start(client, store, fake_url)
    code = fake.auth_code("7000001")
    back = client.get(f"/partner/callback?code={code}&state=forged", follow_redirects=True)
    assert "was not started here" in back.get_data(as_text=True)
    assert _connections() == []
    assert code in fake.codes  # never exchanged


def test_a_return_without_a_started_authorisation_is_refused(
    app, make_user, make_store, login, fake
):
    manager = make_user()
    make_store(actor=manager)
    code = fake.auth_code("7000001")
    back = login(manager).get(f"/partner/callback?code={code}&state=x", follow_redirects=True)
    assert "was not started here" in back.get_data(as_text=True)
    assert _connections() == []


def test_a_code_the_platform_refuses_connects_nothing(app, make_user, make_store, login, fake_url):
    manager = make_user()
    store = make_store(actor=manager)
    client = login(manager)
    state = _start(client, store, fake_url)
    back = client.get(f"/partner/callback?code=made-up&state={state}", follow_redirects=True)
    assert "TikTok Shop refused the authorisation" in back.get_data(as_text=True)
    assert _connections() == []


def test_members_cannot_connect_a_store(app, make_user, make_store, login):
    member = make_user(role="member")
    store = make_store(members=(member,))
    client = login(member)
    assert "Connect TikTok Shop" not in client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert client.post(f"/stores/{store.id}/partner/connect").status_code == 403


def test_a_manager_disconnects_and_the_orders_stay(
    app, make_user, make_store, login, connect, fake, tools
):
    from tests.partner.fake_api import order
    from tracker.imports.models import OrderLine
    from tracker.partner.sync import sync_store

    manager = make_user()
    store = make_store(actor=manager)
    fake.shops["7000001"].orders = [
        order("1", created=int(fake.now) - 86400, items=[("11", "A")] * 2)
    ]
    connect(store)
    sync_store(store.id, tools)
    client = login(manager)
    assert client.post(f"/stores/{store.id}/partner/disconnect").status_code == 302
    assert _connections() == []
    assert [(line.order_id, line.quantity) for line in db.session.scalars(select(OrderLine))] == [
        ("1", 2)
    ]
    page = client.get(f"/stores/{store.id}").get_data(as_text=True)
    assert "Connect TikTok Shop" in page and 'id="partner-connected"' not in page


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({}, "not configured: set TRACKER_TIKTOK_APP_KEY, TRACKER_TIKTOK_APP_SECRET"),
        (
            {"TRACKER_TIKTOK_APP_KEY": "k"},
            "TRACKER_TIKTOK_APP_SECRET, TRACKER_TIKTOK_TOKEN_KEY not set",
        ),
        (
            {
                "TRACKER_TIKTOK_APP_KEY": "k",
                "TRACKER_TIKTOK_APP_SECRET": "s",
                "TRACKER_TIKTOK_TOKEN_KEY": "short",
            },
            "TRACKER_TIKTOK_TOKEN_KEY is not a Fernet key",
        ),
        (
            {**partner_env("http://127.0.0.1:1"), "TRACKER_TIKTOK_API_URL": "ftp://x"},
            "TRACKER_TIKTOK_API_URL must be an http(s) address",
        ),
    ],
    ids=["nothing", "part", "bad-key", "bad-url"],
)
def test_missing_or_bad_settings_are_said_in_one_line(given, said):
    config, problem = partner_config(given)
    assert config is None and said in problem and "\n" not in problem


def test_the_token_key_may_list_an_old_key_after_the_new_one():
    from cryptography.fernet import Fernet

    from tracker.partner.tokens import TokenBox

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = TokenBox(
        partner_config(partner_env("http://h") | {"TRACKER_TIKTOK_TOKEN_KEY": old})[0]
    ).seal("tok")
    both = partner_config(partner_env("http://h") | {"TRACKER_TIKTOK_TOKEN_KEY": f"{new},{old}"})[0]
    assert TokenBox(both).open(sealed) == "tok"


@pytest.fixture
def unconfigured_app(database_url):
    from tests.conftest import _app_with_schema

    yield from _app_with_schema(
        {"TESTING": True, "SECRET_KEY": "s" * 40, "WTF_CSRF_ENABLED": False}, database_url
    )


@pytest.fixture
def schema_made(monkeypatch):
    """The test database's schema comes from the models, not the migrations: none to check."""
    monkeypatch.setattr("tracker.cli.partner.ensure_schema", lambda: None)


def test_without_settings_the_store_page_says_not_configured_and_the_command_refuses(
    unconfigured_app, schema_made
):
    from tracker.auth.services import create_user
    from tracker.catalog import get_catalog
    from tracker.plans.stores import create_store
    from tracker.stores.services import parse_store_input

    app = unconfigured_app
    with app.app_context():
        manager = create_user(email="m@example.com", password="pw-long-enough-1", role="manager")
        catalog = get_catalog()
        store, _ = create_store(
            parse_store_input(
                {
                    "name": "S",
                    "model": "pop",
                    "market": "US",
                    "entity": "CN",
                    "categories": ["beauty"],
                    "opened_on": "2026-11-02",
                },
                catalog,
            ),
            catalog,
            actor=manager,
        )
        db.session.commit()
        store_id = store.id
    client = app.test_client()
    client.post("/login", data={"email": "m@example.com", "password": "pw-long-enough-1"})
    page = client.get(f"/stores/{store_id}").get_data(as_text=True)
    assert 'id="partner-not-configured"' in page and "Connect TikTok Shop" not in page
    result = app.test_cli_runner().invoke(args=["partner", "sync", "--store-id", str(store_id)])
    assert result.exit_code == 2
    assert "not configured: set TRACKER_TIKTOK_APP_KEY" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_command_refuses_a_bad_store_in_one_line(app, runner, make_store, schema_made):
    store = make_store()
    for args, said in (
        (["--store-id", "999"], "--store-id: no store 999"),
        (["--store-id", str(store.id)], "is not connected to TikTok Shop"),
        (["--store-id", "x"], "'x' is not a valid integer"),
    ):
        result = runner.invoke(args=["partner", "sync", *args])
        assert result.exit_code == 2 and said in result.output, result.output


def test_the_command_syncs_a_connected_store_now(
    app, runner, make_store, connect, fake, schema_made
):
    from tests.partner.fake_api import order

    fake.shops["7000001"].orders = [
        order("1", created=int(fake.now) - 86400, items=[("11", "A")] * 3)
    ]
    store = make_store()
    connect(store)
    result = runner.invoke(args=["partner", "sync", "--store-id", str(store.id)])
    assert result.exit_code == 0, result.output
    assert '"orders": 1' in result.output and '"passes_done": 1' in result.output
    status = runner.invoke(args=["partner", "status"])
    assert '"state": "connected"' in status.output


def test_a_half_configured_feature_tells_managers_what_is_missing(database_url, schema_made):
    from tests.conftest import _app_with_schema

    config = {
        "TESTING": True,
        "SECRET_KEY": "s" * 40,
        "WTF_CSRF_ENABLED": False,
        "TRACKER_TIKTOK_APP_KEY": "key",
    }
    for app in _app_with_schema(config, database_url):
        client, store_id = _manager_with_a_store(app)
        page = client.get(f"/stores/{store_id}").get_data(as_text=True)
        assert 'id="partner-not-configured"' in page
        assert "TRACKER_TIKTOK_APP_SECRET, TRACKER_TIKTOK_TOKEN_KEY not set" in page
        assert "Connect TikTok Shop" not in page


def _manager_with_a_store(app):
    """A manager logged in to ``app``, with a US store made through the services."""
    from tracker.auth.services import create_user
    from tracker.catalog import get_catalog
    from tracker.plans.stores import create_store
    from tracker.stores.services import parse_store_input

    with app.app_context():
        manager = create_user(email="m@example.com", password="pw-long-enough-1", role="manager")
        catalog = get_catalog()
        raw = {
            "name": "S",
            "model": "pop",
            "market": "US",
            "entity": "CN",
            "categories": ["beauty"],
            "opened_on": "2026-11-02",
        }
        store, _ = create_store(parse_store_input(raw, catalog), catalog, actor=manager)
        db.session.commit()
        store_id = store.id
    client = app.test_client()
    client.post("/login", data={"email": "m@example.com", "password": "pw-long-enough-1"})
    return client, store_id
