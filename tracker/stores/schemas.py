"""The store's inputs: its name, profile and settings, as one schema the service loads with
and the API describes (the profile's own fields and checks come from the engine)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, fields, post_load

from tracker.playbook.catalog import Catalog
from tracker.playbook.fields import Input, Text, Whole
from tracker.playbook.phrases import phrase
from tracker.playbook.profile import ProfileSchema

NAME_MAX = 120
LIVE_TARGET_MAX = 21
REASON_MAX = 500
# Store settings beside the profile, changed with the same PATCH.
SETTINGS = ("live_target_per_week",)


class OverrideIn(Input):
    """A warning the manager goes ahead despite, and why."""

    code = Text(100, required=True, metadata={"description": "the code of a warning the store has"})
    reason = Text(REASON_MAX, required=True)


class StoreSchema(ProfileSchema, Input):
    """A store's name and profile. The profile's cross-field rules (an inspection end on or
    after opening, a freight mode the market offers) are checked on arrival."""

    not_a_field = phrase("is not a store field")

    name = Text(NAME_MAX, required=True)
    # Left out: no change (no default, so a change that does not name it keeps it).
    live_target_per_week = Whole(1, LIVE_TARGET_MAX, allow_none=True)

    class Meta:
        unknown = RAISE

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Any:
        name = data.pop("name")
        settings = {key: data.pop(key) for key in SETTINGS if key in data}
        overrides = data.pop("overrides", None) or []
        return {
            "name": name,
            "profile": self.profile(data),
            "settings": settings,
            "overrides": [(item["code"], item["reason"]) for item in overrides],
        }


class StoreNew(StoreSchema):
    """A new store's name and profile, with the warnings a manager goes ahead despite. The
    profile's cross-field rules (an inspection end on or after opening, a freight mode the
    market offers) are checked on arrival."""

    overrides = fields.List(fields.Nested(OverrideIn), allow_none=True)


def store_new(catalog: Catalog) -> StoreNew:
    """The schema of a new store, with the catalog's choices."""
    return StoreNew(catalog)


def store_change(catalog: Catalog, *, described: bool = False) -> StoreSchema:
    """The schema of a store's changes. The service loads the store's current fields with the
    changes on top, so every field is checked together; ``described``: as the API's
    description, where every field may be left out."""
    return StoreSchema(catalog, partial=described)
