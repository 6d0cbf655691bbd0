"""What an import answers: rows read, rows used, rows left out and why, and what it changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.imports.tables import Refused
from tracker.playbook.phrases import Phrase


@dataclass
class ImportSummary:
    """The contract's summary (kind, rows, used, skipped, changes) and what else was learnt."""

    kind: str
    rows: int = 0
    used: int = 0
    skipped: list[tuple[int, Phrase]] = field(default_factory=list)
    changes: list[Phrase] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    file_format: str = ""
    date_order: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def skip(self, refused: Refused, accept_partial: bool) -> None:
        """Leave a bad row out when the person chose so; otherwise refuse the whole file."""
        if not accept_partial:
            raise refused
        assert refused.row is not None
        self.skipped.append((refused.row, refused.said()))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "used": self.used,
            "skipped": [{"row": row, "reason": str(reason)} for row, reason in self.skipped],
            "changes": [str(change) for change in self.changes],
            "columns": self.columns,
            "file_format": self.file_format,
            "date_order": self.date_order,
            **self.extra,
        }
