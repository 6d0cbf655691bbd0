"""The inputs about lives: a live the store ran, and a video that took off."""

from __future__ import annotations

from tracker.playbook.fields import Input, Instant, Link, Number, Text, Whole
from tracker.playbook.phrases import phrase

MAX_MINUTES = 24 * 60
NOTE_MAX = 500
# Below what the gmv column (14 digits, 2 after the point) can hold.
GMV_LIMIT = 10**12
MAX_TAKE_OVER_HOURS = 24
URL_MAX = 500


class LiveNew(Input):
    """A live stream the store ran."""

    not_a_field = phrase("is not a live field")

    started_at = Instant(
        required=True,
        metadata={
            "description": "ISO 8601, from 2000 to now; a time without an offset is the store's own"
        },
    )
    minutes = Whole(1, MAX_MINUTES, required=True)
    note = Text(NOTE_MAX)
    gmv = Number(0, GMV_LIMIT, high_inclusive=False, allow_none=True)


class HotVideoNew(Input):
    """A video that took off."""

    not_a_field = phrase("is not a hot-video field")

    url = Link(URL_MAX, required=True)
    take_over_hours = Whole(1, MAX_TAKE_OVER_HOURS, allow_none=True)
