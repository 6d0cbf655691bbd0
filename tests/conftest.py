"""Fixtures shared by every test: the real catalog, profile builders and an app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker import create_app
from tracker.playbook.catalog import Catalog, load_catalog
from tracker.playbook.plan import Plan, generate_plan
from tracker.playbook.profile import StoreProfile, parse_profile

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Load the real seeds once for the session."""
    return load_catalog(SEEDS)


@pytest.fixture
def make_profile(catalog: Catalog) -> Callable[..., StoreProfile]:
    """Build a valid profile through the same parser the CLI and API use."""

    def make(**overrides: Any) -> StoreProfile:
        raw: dict[str, Any] = {
            "model": "pop",
            "market": "US",
            "entity": "CN",
            "categories": ["beauty"],
            "opened_on": "2026-01-05",
        }
        raw.update(overrides)
        return parse_profile({k: v for k, v in raw.items() if v is not None}, catalog)

    return make


@pytest.fixture
def plan_for(catalog: Catalog, make_profile: Callable[..., StoreProfile]) -> Callable[..., Plan]:
    """Generate a plan for a profile built from overrides, on a fixed day."""

    def plan(*, today: date = date(2026, 1, 5), horizon_days: int = 400, **overrides: Any) -> Plan:
        return generate_plan(
            make_profile(**overrides), catalog, today=today, horizon_days=horizon_days
        )

    return plan


@pytest.fixture
def app(tmp_path: Path):
    """Give each test a fresh app configured for testing."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        }
    )


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()
