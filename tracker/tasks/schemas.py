"""The inputs about tasks: one added by hand, a change, a search, a bulk action, a comment."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validates_schema

from tracker.playbook.catalog import Catalog
from tracker.playbook.fields import (
    Choice,
    Day,
    Flag,
    Input,
    Length,
    Link,
    OptionalDay,
    PersonId,
    Text,
    Whole,
    WholeText,
    extended,
    per_catalog,
)
from tracker.playbook.phrases import Phrase, phrase
from tracker.playbook.profile import PLANNABLE_YEARS

TITLE_MAX = 300
TEXT_MAX = 5000
URL_MAX = 500
# Where a task added by hand goes when no phase is chosen.
DEFAULT_PHASE = "routine"


def _unknown_phase(got: str, known: str) -> Phrase:
    return phrase("unknown phase %(got)s (known: %(known)s)", got=got, known=known)


class _TaskNew(Input):
    not_a_field = phrase("is not a task field")

    title = Text(TITLE_MAX, required=True)
    description = Text(TEXT_MAX)
    due_on = OptionalDay(
        PLANNABLE_YEARS,
        load_default=None,
        metadata={
            "description": "the store's today when left out, null or empty; not before the "
            "store opened"
        },
    )
    critical = Flag(load_default=False)
    assignee_id = PersonId(load_default=None)

    @pre_load
    def _default_phase(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and data.get("phase") is None:
            data = {**data, "phase": DEFAULT_PHASE}
        return data


@per_catalog
def task_new(catalog: Catalog) -> type[Input]:
    """A task added by hand to the store's plan."""
    return extended(
        _TaskNew,
        {
            "phase": Choice(
                catalog.phases,
                refuse=_unknown_phase,
                allow_none=True,
                load_default=DEFAULT_PHASE,
                metadata={"description": f"{DEFAULT_PHASE} when left out or null"},
            )
        },
        name="TaskNew",
    )


class TaskChange(Input):
    """Who does a task, when it is due, its note and its evidence link: whichever are given."""

    not_a_field = phrase("is not a field you can change")

    assignee_id = PersonId()
    due_on = Day(
        PLANNABLE_YEARS,
        metadata={
            "description": "a date set by hand, which plan regeneration then keeps; not "
            "before the store opened"
        },
    )
    note = Text(TEXT_MAX)
    evidence_url = Link(
        URL_MAX,
        optional=True,
        metadata={"description": "an http(s) link; null or blank removes it"},
    )


# --- finding tasks, acting on several, talking about one ---------------------------------------

QUERY_MAX = 200
PAGE_DEFAULT = 50
PAGE_MAX = 200
BULK_MAX = 200
COMMENT_MAX = 5000
# What a task list can be narrowed to: ``locked`` is an open task its gate still holds.
LISTED_STATUSES = ("open", "done", "locked")
BULK_ACTIONS = ("complete", "reopen", "assign")
_ASSIGNEE = r"^(me|none|[0-9]+)$"


class AssigneeFilter(fields.String):
    """Whose tasks: ``me``, ``none`` (nobody's) or a person's id."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = value.strip() if isinstance(value, str) else ""
        if text in ("me", "none"):
            return text
        if text.isascii() and text.isdigit() and len(text) <= 12 and int(text) >= 1:
            return int(text)
        raise ValidationError(
            phrase("expected me, none or a person's id, got %(got)s", got=repr(value)[:60])
        )


class TaskQuery(Input):
    """Which tasks to list across the caller's stores, and which page of them."""

    not_a_field = phrase("is not a filter")

    q = Text(
        QUERY_MAX, metadata={"description": "words in the title, description, note or comments"}
    )
    store_id = WholeText(1, metadata={"description": "one store's tasks"})
    assignee = AssigneeFilter(
        metadata={"description": "me, none (unassigned) or a person's id", "pattern": _ASSIGNEE}
    )
    status = Choice(
        LISTED_STATUSES,
        metadata={"description": "left out: open, locked and done (not retired or missed)"},
    )
    critical = Choice(("true", "false"), metadata={"description": "only critical (or not) tasks"})
    hide_done = Choice(("true", "false"), metadata={"description": "true: leave done tasks out"})
    due_before = Day(PLANNABLE_YEARS, metadata={"description": "due strictly before this day"})
    limit = WholeText(1, PAGE_MAX, metadata={"description": f"at most this many ({PAGE_DEFAULT})"})
    cursor = Text(
        200, metadata={"description": "next_cursor of the page before; left out: the first page"}
    )


class TaskBulk(Input):
    """Tick off, reopen or assign several tasks at once; each is answered on its own."""

    not_a_field = phrase("is not a field of a bulk action")

    ids = fields.List(
        Whole(1),
        required=True,
        validate=Length(min=1, max=BULK_MAX),
        metadata={"description": f"the tasks' ids, 1 to {BULK_MAX}", "uniqueItems": False},
    )
    action = Choice(BULK_ACTIONS, required=True)
    assignee_id = PersonId()  # for assign: whom to (null: nobody)

    @validates_schema
    def _assignee_for_assign(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("action") == "assign" and "assignee_id" not in data:
            raise ValidationError(phrase("is required to assign"), "assignee_id")
        if data.get("action") != "assign" and data.get("assignee_id") is not None:
            raise ValidationError(phrase("is only for assign"), "assignee_id")


class CommentNew(Input):
    """A comment on a task; @name mentions remind the people named."""

    not_a_field = phrase("is not a field of a comment")

    body = Text(COMMENT_MAX, required=True)
