"""The input of a checklist: the one schema the web form, the API and the CLI import use."""

from __future__ import annotations

from marshmallow import fields

from tracker.playbook.catalog import EVERY, MODELS, STORE_TYPES
from tracker.playbook.checklists import ENTRY_KEY_MAX, KEY_MAX, KEY_PATTERN, MAX_ENTRIES
from tracker.playbook.fields import Choice, Flag, Input, Length, PersonId, Text, Whole
from tracker.playbook.phrases import phrase

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
ANCHOR_MAX = 80
DEPENDS_MAX = 120
MAX_DEPENDS = 30
MAX_SCOPE = 200


class RecurrenceInput(Input):
    """How often a step comes back, as the playbooks say it."""

    not_a_field = phrase("is not a recurrence field")

    every = Choice(EVERY, required=True)
    interval = Whole(1, 52, load_default=1)


class ChecklistEntryInput(Input):
    """One step of a checklist."""

    not_a_field = phrase("is not a checklist entry field")

    key = Text(ENTRY_KEY_MAX, required=True, pattern=KEY_PATTERN)
    title = Text(TITLE_MAX, required=True)
    description = Text(DESCRIPTION_MAX)
    phase = Text(40, required=True, metadata={"description": "a phase key (seeds/phases.toml)"})
    anchor = Text(
        ANCHOR_MAX,
        required=True,
        metadata={
            "description": (
                "opened_on, inspection_ends_on, peak:<peak key>, warmup:<peak key>, "
                "end:<peak key>, or after:<entry key> (when that step is done)"
            )
        },
    )
    offset_days = Whole(-730, 730, load_default=0)
    recurrence = fields.Nested(RecurrenceInput, allow_none=True, load_default=None)
    depends_on = fields.List(
        Text(DEPENDS_MAX, required=True),
        load_default=list,
        validate=Length(max=MAX_DEPENDS),
        metadata={"description": "entry keys of this checklist, or playbook keys"},
    )
    critical = Flag(load_default=False)
    assignee_id = PersonId()
    counts_for_readiness = Flag(load_default=True)


class AppliesToInput(Input):
    """Which stores get a checklist: a missing or null list means any."""

    not_a_field = phrase("is not an applies-to field")

    model = fields.List(Choice(MODELS), allow_none=True, validate=Length(min=1, max=len(MODELS)))
    market = fields.List(
        Text(2, required=True), allow_none=True, validate=Length(min=1, max=MAX_SCOPE)
    )
    store_type = fields.List(
        Choice(STORE_TYPES), allow_none=True, validate=Length(min=1, max=len(STORE_TYPES))
    )
    category = fields.List(
        Text(60, required=True), allow_none=True, validate=Length(min=1, max=MAX_SCOPE)
    )
    store_ids = fields.List(Whole(1), allow_none=True, validate=Length(min=1, max=10_000))


class ChecklistInput(Input):
    """A checklist: its key, name, the stores it is for, and its entries."""

    not_a_field = phrase("is not a checklist field")

    key = Text(KEY_MAX, required=True, pattern=KEY_PATTERN)
    name = Text(TITLE_MAX, required=True)
    description = Text(DESCRIPTION_MAX)
    applies_to = fields.Nested(AppliesToInput, load_default=dict, allow_none=True)
    entries = fields.List(
        fields.Nested(ChecklistEntryInput), required=True, validate=Length(min=1, max=MAX_ENTRIES)
    )


class SaveQuery(Input):
    """Query parameters of a save: ``dry_run=1`` only previews what saving would change."""

    not_a_field = phrase("is not a query parameter here")

    dry_run = Choice(("0", "1", "true", "false"), load_default="0")
