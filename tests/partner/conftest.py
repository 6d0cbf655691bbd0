"""Fixtures for the Partner API: a fake platform on 127.0.0.1, an app configured for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet

from tests.conftest import _app_with_schema
from tests.partner.fake_api import APP_KEY, APP_SECRET, FakePartnerApi
from tracker.extensions import db
from tracker.partner.client import PartnerClient
from tracker.partner.services import connect_store
from tracker.partner.settings import partner_config, partner_settings
from tracker.partner.sync import SyncTools, sync_tools
from tracker.partner.tokens import TokenBox

TOKEN_KEY = Fernet.generate_key().decode()
# 2026-12-03 12:00 UTC: the tests' "now".
START = datetime(2026, 12, 3, 12, 0, tzinfo=UTC).timestamp()


@dataclass
class Clock:
    """One clock for the test, the app's sync and the fake platform (Unix seconds)."""

    t: float = START

    def __call__(self) -> float:
        return self.t

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


@pytest.fixture
def clock() -> Clock:
    """The test's clock, shared by the fake platform and the sync."""
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakePartnerApi:
    """The fake platform with one US shop."""
    platform = FakePartnerApi(clock)
    platform.add_shop("7000001", "US", "Sunny Beauty")
    return platform


@pytest.fixture
def fake_url(fake: FakePartnerApi) -> Iterator[str]:
    """The fake platform served from a thread; its base URL."""
    with fake.serving() as url:
        yield url


def partner_env(url: str) -> dict[str, str]:
    return {
        "TRACKER_TIKTOK_APP_KEY": APP_KEY,
        "TRACKER_TIKTOK_APP_SECRET": APP_SECRET,
        "TRACKER_TIKTOK_TOKEN_KEY": TOKEN_KEY,
        "TRACKER_TIKTOK_API_URL": url,
        "TRACKER_TIKTOK_AUTH_URL": url,
    }


@pytest.fixture
def app(database_url: str, fake_url: str) -> Iterator[Any]:
    """A fresh app on a fresh database (SQLite and PostgreSQL), configured for the fake."""
    yield from _app_with_schema(
        {
            "TESTING": True,
            "SECRET_KEY": "partner-tests-secret-key-0123456789",
            "WTF_CSRF_ENABLED": False,
            **partner_env(fake_url),
        },
        database_url,
    )


@dataclass
class Waits:
    """The waits the sync asked for (the tests never sleep)."""

    seconds: list[float]

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits([])


@pytest.fixture
def tools(app, clock: Clock, waits: Waits) -> SyncTools:
    """The sync's tools on the test's clock, with waits recorded instead of slept."""
    config = partner_config()
    assert config is not None
    return sync_tools(
        client=PartnerClient(config, partner_settings().endpoints, clock=clock),
        now=clock.utc,
        sleep=waits,
    )


@pytest.fixture
def connect(fake: FakePartnerApi, tools: SyncTools, clock: Clock) -> Callable[..., Any]:
    """Connect a store to the fake shop through the service, as the callback does; commit."""

    def run(store: Any, shop_id: str = "7000001", actor: Any = None) -> Any:
        connection = connect_store(
            store, fake.auth_code(shop_id), actor, tools.client, tools.box, now=clock.utc()
        )
        db.session.commit()
        return connection

    return run


def box() -> TokenBox:
    config = partner_config()
    assert config is not None
    return TokenBox(config)
