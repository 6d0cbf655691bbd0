"""The inputs about tasks: one added by hand, and a change of who does one, its note or link."""

from __future__ import annotations

from typing import Any

from marshmallow import pre_load

from tracker.playbook.catalog import Catalog
from tracker.playbook.fields import (
    Choice,
    Day,
    Flag,
    Input,
    Link,
    PersonId,
    Text,
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
    due_on = Day(PLANNABLE_YEARS, required=True)
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
    """Who does a task, its note and its evidence link: whichever are given."""

    not_a_field = phrase("is not a field you can change")

    assignee_id = PersonId()
    note = Text(TEXT_MAX)
    evidence_url = Link(
        URL_MAX,
        optional=True,
        metadata={"description": "an http(s) link; null or blank removes it"},
    )
