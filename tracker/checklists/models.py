"""A company's checklists and every version of them ever saved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model
from tracker.playbook.checklists import Checklist as ChecklistSpec
from tracker.playbook.checklists import checklist_from_json


class Checklist(Model):
    """A checklist as it stands now (its latest version); retired once deleted.

    A deleted checklist keeps its row and versions, so the tasks it made (done ones stay)
    can still say which checklist and version they came from.
    """

    __tablename__ = "checklists"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    applies_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(default=1)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()

    def body(self) -> dict[str, Any]:
        """The checklist in the API's shape."""
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "applies_to": dict(self.applies_to or {}),
            "entries": list(self.entries or []),
        }

    def spec(self) -> ChecklistSpec:
        return checklist_from_json(self.body())


class ChecklistVersion(Model):
    """One saved version of a checklist, as it was saved."""

    __tablename__ = "checklist_versions"
    __table_args__ = (UniqueConstraint("checklist_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklists.id", ondelete="CASCADE"))
    version: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What saving it did: {"stores", "added", "moved", "updated", "retired"}.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    saved_by: Mapped[User | None] = relationship()
