"""The input of an import: which export it is, and whether bad rows may be left out."""

from __future__ import annotations

from marshmallow import fields

from tracker.imports.models import KINDS
from tracker.playbook.fields import Choice, Input
from tracker.playbook.phrases import Phrase, phrase


def _unknown_kind(got: str, known: str) -> Phrase:
    return phrase("unknown import kind %(got)s (known: %(known)s)", got=got, known=known)


class ImportNew(Input):
    """A Seller Center export to import (the file itself comes beside these fields)."""

    not_a_field = phrase("is not an import field")

    kind = Choice(
        KINDS,
        refuse=_unknown_kind,
        required=True,
        metadata={"description": "orders (All orders), lives (LIVE sessions) or followers"},
    )
    accept_partial = fields.Boolean(
        load_default=False,
        metadata={"description": "import the good rows and list the bad ones, not refuse the file"},
    )
