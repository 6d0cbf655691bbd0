"""Pages of the API's plain lists: ``limit`` and ``cursor``, the next page in a ``Link`` header.

These lists answered a JSON array before pages existed, and CONTRACT.md keeps them so: a
client that sends neither gets every row as before. One that sends ``limit`` gets that many
and, when there are more, ``Link: <...?limit=N&cursor=...>; rel="next"`` (RFC 8288), the
cursor being the same opaque kind ``GET /api/v1/tasks`` gives as ``next_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import request, url_for
from sqlalchemy import ColumnElement, Select, and_, or_

from tracker.api.schemas import PageQuery
from tracker.columns import MAX_ID
from tracker.errors import InputError, load_input, read_json
from tracker.extensions import db
from tracker.playbook.phrases import phrase


@dataclass(frozen=True)
class Order:
    """A list's order: each column, whether it runs down, and how to read a cursor's value."""

    columns: Sequence[tuple[Any, bool]]
    key: Callable[[Any], tuple[Any, ...]]


@dataclass(frozen=True)
class Page:
    limit: int | None
    after: tuple[Any, ...] | None


def read_page(args: Mapping[str, Any], *, most: int | None = None) -> Page:
    """Read ``limit`` and ``cursor`` (``PageQuery``); left out, ``most`` rows (None: all).

    Other query arguments are ignored, as these lists always did (a link may carry its own).
    """
    schema = PageQuery()
    values = load_input(schema, {k: v for k, v in args.items() if k in schema.fields})
    cursor = values.get("cursor")
    return Page(values.get("limit", most), decode(cursor) if cursor else None)


def encode(values: tuple[Any, ...]) -> str:
    said = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(said).encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[Any, ...]:
    try:
        said = read_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(said, list) or not said:
            raise ValueError(cursor)
        return tuple(said)
    except (ValueError, binascii.Error):  # InputError is a ValueError: too deep, a surrogate
        raise _bad_cursor() from None


def _bad_cursor() -> InputError:
    return InputError.one(
        "cursor", phrase("is not a cursor this list gave; start again without it")
    )


def read_cursor(order: Order, cursor: str) -> tuple[Any, ...]:
    """A cursor's values, each of its column's type; one this list did not give is bad input."""
    return _checked(order, decode(cursor))


def _checked(order: Order, after: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(after) != len(order.columns):
        raise _bad_cursor()
    values = []
    for (column, _), value in zip(order.columns, after, strict=True):
        kind = column.type.python_type
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise _bad_cursor()
        if kind is int and not 0 < value <= MAX_ID:
            raise _bad_cursor()
        if kind in (datetime, date):
            try:
                value = kind.fromisoformat(value)
            except (TypeError, ValueError):
                raise _bad_cursor() from None
        values.append(value)
    return tuple(values)


def _after(order: Order, values: tuple[Any, ...]) -> ColumnElement[bool]:
    """Rows past the cursor in the list's order (keyset paging: none repeated, none skipped)."""
    conditions = []
    for index, (column, descending) in enumerate(order.columns):
        ties = [order.columns[i][0] == values[i] for i in range(index)]
        past = column < values[index] if descending else column > values[index]
        conditions.append(and_(*ties, past))
    return or_(*conditions)


def paged_rows(query: Select[Any], order: Order, page: Page) -> tuple[list[Any], str | None]:
    """The page's rows, and the address of the next page (None: this is the last)."""
    if page.after is not None:
        query = query.where(_after(order, _checked(order, page.after)))
    query = query.order_by(*(c.desc() if down else c for c, down in order.columns))
    if page.limit is not None:
        query = query.limit(page.limit + 1)
    rows = list(db.session.scalars(query).all())
    if page.limit is None or len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, next_link(encode(order.key(rows[-1])), page.limit)


def next_link(cursor: str, limit: int) -> str:
    """The next page's address, as the ``Link`` header gives it."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "limit": limit, "cursor": cursor}
    return url_for(str(request.endpoint), **args)


def link_header(next_url: str | None) -> dict[str, str]:
    return {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
