"""Column types and row look-ups that every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, DateTime, Result, Text, TypeDecorator
from sqlalchemy.orm.interfaces import ORMOption

from tracker.extensions import db

_M = TypeVar("_M")

# The largest id an INTEGER primary key holds; anything larger cannot exist.
MAX_ID = 2**31 - 1


# Text that sorts by code point in both databases, as Python compares it: SQLite's text
# always does, PostgreSQL's with the "C" collation whatever the database's locale. For
# sort keys (``name_key``, see ``tracker.i18n.collation``): ``ORDER BY`` needs nothing more.
SORT_KEY = Text().with_variant(Text(collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no zone, so values come back naive; PostgreSQL returns them in
    the session's zone. Either way the application sees UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def get_by_id(model: type[_M], ident: int, *options: ORMOption) -> _M | None:
    """Load a row by integer id; an id no column can hold finds nothing, not an error.
    ``options`` load more with it (``joinedload(Task.store)``)."""
    if not 0 < ident <= MAX_ID:
        return None
    return db.session.get(model, ident, options=options or None)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (its result is a cursor result)."""
    return cast(CursorResult[Any], result).rowcount
