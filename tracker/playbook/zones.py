"""Time zone names the engine accepts."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_exists(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    # A region such as "Asia" is a folder of tzdata, which surfaces as an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
