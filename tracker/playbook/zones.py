"""Time zone names the product accepts: the IANA zones people pick, one per region, and UTC.

The list is the IANA database's own ``zone.tab`` (shipped in the ``tzdata`` package): every
zone there has a CLDR name Babel can show. Links and legacy names (``US/Pacific``,
``GMT0``, ``posix/…``, ``Factory``) are not offered: they say nothing a canonical name
does not, several of them spell the same zone, and pages cannot name them all.
"""

from __future__ import annotations

import functools
from importlib import resources

from tracker.playbook.phrases import Phrase, phrase

UTC_NAME = "UTC"


@functools.cache
def canonical_zones() -> tuple[str, ...]:
    """Every zone a person or a store may be in, sorted."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    zones = {line.split("\t")[2] for line in table.splitlines() if line and line[0] != "#"}
    return tuple(sorted(zones | {UTC_NAME}))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(canonical_zones())


def zone_exists(name: str) -> bool:
    """Tell whether ``name`` is a zone the product accepts (see ``canonical_zones``)."""
    return name in _known()


def usable_zone(name: str | None, fallback: str = UTC_NAME) -> str:
    """``name`` when the product accepts it, else ``fallback``.

    A zone stored before names were checked (``Factory``, ``posix/…``) or one a tzdata update
    removed must not break a page: the page shows times in the fallback and says so.
    """
    return name if name is not None and zone_exists(name) else fallback


def unknown_zone(got: object) -> Phrase:
    """Refuse a zone name the product does not accept, the same way everywhere."""
    return phrase(
        "unknown IANA time zone %(got)s: use a canonical name such as America/New_York, or UTC",
        got=repr(got),
    )
