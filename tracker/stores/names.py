"""How stores are put in order by name: the same in Python and in both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

from tracker.extensions import db

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def name_order(name: str) -> str:
    """What stores are sorted by name by: the name with its ASCII letters in lower case,
    compared letter by letter (the order both databases sort ``name_order_sql`` in).

    Letters beyond ASCII keep their case: no database folds them the way Python does, and
    a page the database sorts must agree with a list Python sorts.
    """
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)


def name_order_sql(column: Any, dialect: str) -> ColumnElement[str]:
    """``name_order`` in SQL: SQLite's lower() folds ASCII letters only and compares bytes
    (UTF-8: code points); on PostgreSQL the "C" collation does the same whatever the
    database's locale."""
    if dialect == "postgresql":
        return func.lower(column.collate("C"))
    return func.lower(column)


def by_name(column: Any) -> ColumnElement[str]:
    """``name_order_sql`` for the session's database: ``order_by(by_name(Store.name), …)``."""
    return name_order_sql(column, db.session.get_bind().dialect.name)
