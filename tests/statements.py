"""The SQL statements a block of code sends, as they are sent (for tests of query plans)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tracker.extensions import db


@contextmanager
def statements_sent(wanted: Callable[[str], bool]) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) that ``wanted`` picks, in the order sent."""
    seen: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if wanted(statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
