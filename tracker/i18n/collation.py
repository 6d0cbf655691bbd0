"""How names are compared in a list: as people read them, capitals and accents aside.

Plain Python (no Flask, no database): stores and people keep their name's key
(``Store.name_key``, ``User.name_key``) so both databases sort it as Python compares it.
"""

from __future__ import annotations

import unicodedata

# Letters that carry their mark in themselves (Unicode does not take them apart): each
# sorts right after its base letter ("Đồ gia dụng" after every "D…" name and before "E…"),
# as the Unicode collation's root order puts them; æ and œ read as the two letters. (Others,
# þ for one, keep their code point: after every Latin letter.)
_OWN_LETTERS = str.maketrans(
    {"đ": "d\x7f", "ð": "d\x7f", "ø": "o\x7f", "ł": "l\x7f", "ħ": "h\x7f", "ŧ": "t\x7f"}
    | {"ŋ": "n\x7f", "ı": "i", "æ": "ae", "œ": "oe"}
)


def name_order(name: str) -> str:
    """What stores and people are sorted by: the name as a reader compares it in a list,
    capitals or not and accents or not ("élan" beside "Elan", "Ánh Dương" among the A's).

    Compatibility forms read as their letters (ﬁ as fi, full-width as narrow), marks go,
    letters fold as ``str.casefold`` does (ß as ss). Scripts without capitals or marks
    (Chinese, Thai) keep their order by code point. Stored as ``Store.name_key`` and
    ``User.name_key``: a change here needs a migration that works the stored keys out again.
    """
    if name.isascii():  # the same key, at a list's pace: nothing to take apart or fold
        return name.lower()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", name).casefold())
    bare = "".join(letter for letter in folded if not unicodedata.combining(letter))
    return bare.translate(_OWN_LETTERS)
