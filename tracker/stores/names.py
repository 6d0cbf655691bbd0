"""How stores are put in order by name: the same in Python and in both databases.

Each store keeps its name's sort key (``Store.name_key``, set with the name); the databases
sort that column by code point, as Python compares the same key, so a page the database
sorts and a list Python sorts agree to the last store.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement

from tracker.extensions import db

# Letters that carry their mark in themselves (Unicode does not take them apart): each
# sorts right after its base letter ("Đồ gia dụng" after every "D…" name and before "E…"),
# as the Unicode collation's root order puts them; æ and œ read as the two letters.
_OWN_LETTERS = str.maketrans(
    {"đ": "d\x7f", "ø": "o\x7f", "ł": "l\x7f", "ħ": "h\x7f", "ŧ": "t\x7f", "ı": "i"}
    | {"æ": "ae", "œ": "oe"}
)


def name_order(name: str) -> str:
    """What stores are sorted by name by: the name as a reader compares it in a list,
    capitals or not and accents or not ("élan" beside "Elan", "Ánh Dương" among the A's).

    Compatibility forms read as their letters (ﬁ as fi, full-width as narrow), marks go,
    letters fold as ``str.casefold`` does (ß as ss). Scripts without capitals or marks
    (Chinese, Thai) keep their order by code point. Stored as ``Store.name_key``: a change
    here needs a migration that works the stored keys out again.
    """
    if name.isascii():  # the same key, at a list's pace: nothing to take apart or fold
        return name.lower()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    bare = "".join(letter for letter in folded if not unicodedata.combining(letter))
    return bare.translate(_OWN_LETTERS)


def name_order_sql(column: Any, dialect: str) -> ColumnElement[str]:
    """A stored sort key (``Store.name_key``) in the order Python compares it: by code
    point, which SQLite does with text and PostgreSQL with the "C" collation, whatever the
    database's locale."""
    if dialect == "postgresql":
        return column.collate("C")
    return column


def by_name(column: Any) -> ColumnElement[str]:
    """``name_order_sql`` for the session's database: ``order_by(by_name(Store.name_key), …)``."""
    return name_order_sql(column, db.session.get_bind().dialect.name)
