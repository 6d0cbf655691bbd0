"""Tasks of a store's plan and the activity log of everything done to them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from tracker.auth.models import User
from tracker.clock import utcnow
from tracker.columns import UTCDateTime
from tracker.extensions import Model
from tracker.playbook.plan import Gate, done_mark, peak_slot
from tracker.stores.models import Store

# ``retired``: no longer applies to the store's profile; ``missed``: an
# occurrence of a recurring task that passed undone. Neither shows as work.
STATUSES = ("open", "done", "retired", "missed")
ORIGINS = ("playbook", "custom", "trigger", "checklist")


class Task(Model):
    """One piece of work: a playbook task, one occurrence of a recurring one, or a custom task.

    ``(store_id, key, slot)`` identifies a task across plan regenerations: the
    slot is empty for one-off work, the peak and its date for peak work, and
    the occurrence's date for recurring work.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("store_id", "key", "slot"),
        Index("ix_tasks_store_status_due", "store_id", "status", "due_on"),
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_on"),
        # A tick reads only the work changed since its last one (gates, reminders).
        Index("ix_tasks_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(120))
    slot: Mapped[str] = mapped_column(String(64), default="")
    origin: Mapped[str] = mapped_column(String(16), default="playbook")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(300), default="")
    critical: Mapped[bool] = mapped_column(default=False)
    due_on: Mapped[date]
    # Urgent work (a hot video's take-over live) is due at an instant, not just on a day.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated: Mapped[bool] = mapped_column(default=False)
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # SQL NULL, not JSON null, when ungated: the gate checks select only gated rows.
    gate: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    peak_key: Mapped[str | None] = mapped_column(String(40))
    peak_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="open")
    # The lock as last seen, so the moment a gate opens can be told to the people on it.
    was_locked: Mapped[bool] = mapped_column(default=False)
    # Whether open work of its store has a gate that waits for this task's key: read with
    # it only where a tick needs to know (tasks.gates.waited_for); None where not read.
    waited_for: Mapped[bool | None] = query_expression()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    # A due date someone set by hand: plan regeneration keeps it (and its preview says so).
    due_on_by_hand: Mapped[bool] = mapped_column(default=False, server_default=false())
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    playbook_version: Mapped[str | None] = mapped_column(String(32))
    # A checklist's task: the checklist version it was last planned from.
    checklist_version: Mapped[int | None]
    # Peak work that counts toward the peak's readiness (a checklist entry may opt out).
    counts_for_readiness: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    store: Mapped[Store] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    comments: Mapped[list[TaskComment]] = relationship(
        back_populates="task", order_by="TaskComment.id", cascade="all, delete-orphan"
    )

    @property
    def is_done(self) -> bool:
        return self.status == "done"

    def lock_reasons(self, today: date, done_keys: Collection[str], followers: int) -> list[str]:
        """Say what still keeps this task locked on ``today`` (nothing when it is free).

        Each reason is a Phrase: English for the API, said again in the reader's language on
        a page. The rule is the engine's (``Gate.unmet``).
        """
        if self.gate is None or self.status != "open":
            return []
        return list(
            Gate.from_json(self.gate).unmet(
                today,
                done=done_keys,
                followers=followers,
                peak_key=self.peak_key,
                peak_date=self.peak_date,
            )
        )

    @property
    def done_mark(self) -> str:
        """What this task satisfies in a gate once done (see the engine's ``done_mark``)."""
        return done_mark(self.key, peak_slot(self.peak_key, self.peak_date))


class TaskComment(Model):
    """One comment in a task's thread: who said what, when."""

    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_id_id", "task_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
