"""Fixtures for imports: a US store with two product lines, and the export files."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tracker.extensions import db
from tracker.imports.services import run_import
from tracker.imports.settings import ImportSettings, load_import_settings
from tracker.plans.stock_up import change_product_line
from tracker.stockup.models import ProductLine

FILES = Path(__file__).parent / "files"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture
def settings() -> ImportSettings:
    """The import rules from the real seeds."""
    return load_import_settings(str(SEEDS))


@pytest.fixture
def shop(make_user, make_store, catalog):
    """A US POP store opened in October with a lipstick line (two Seller SKUs) and a serum line."""
    manager = make_user()
    store = make_store(actor=manager, opened_on="2026-10-01")
    lipstick, _ = change_product_line(
        store,
        {
            "name": "Lipstick",
            "current_stock": 500,
            "daily_sales": 10,
            "skus": ["LIP-RED", "LIP-PINK"],
        },
        catalog,
        manager,
    )
    serum, _ = change_product_line(
        store,
        {"name": "Serum", "current_stock": 50, "daily_sales": 1, "skus": ["1729384756"]},
        catalog,
        manager,
    )
    db.session.commit()
    return store, manager, lipstick, serum


@pytest.fixture
def do_import(catalog, settings) -> Callable[..., Any]:
    """Run an import through the service and commit, as a front door does."""

    def run(store, kind: str, data: bytes, actor=None, **raw: Any):
        try:
            summary = run_import(
                store, {"kind": kind, **raw}, io.BytesIO(data), catalog, actor, settings
            )
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return summary

    return run


def fixture_bytes(name: str) -> bytes:
    return (FILES / name).read_bytes()


def xlsx(rows: list[list[Any]]) -> bytes:
    """A workbook with one sheet holding ``rows`` (cells as given: text, numbers, datetimes)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def line_named(store_id: int, name: str) -> ProductLine:
    return db.session.scalars(
        db.select(ProductLine).where(ProductLine.store_id == store_id, ProductLine.name == name)
    ).one()
