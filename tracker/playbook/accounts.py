"""The platform's rules on binding TikTok accounts to a shop, as plain functions.

The numbers are data per market (``seeds/markets.toml`` accounts); the account
register calls these before it binds or unbinds, and says the refusal as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tracker.playbook.catalog import AccountRule
from tracker.playbook.phrases import phrase


@dataclass(frozen=True)
class Refusal:
    """What the platform would refuse: a stable code, a message, and the field at fault."""

    code: str
    message: str
    field: str


def official_account_refusal(
    rule: AccountRule, *, shop_region: str, account_region: str
) -> Refusal | None:
    """Refuse an official account registered in another region than the shop's."""
    if not rule.official_region_must_match or account_region == shop_region:
        return None
    return Refusal(
        "region_mismatch",
        phrase(
            "The official account must be registered in the shop's region (%(shop)s), "
            "not %(account)s.",
            shop=shop_region,
            account=account_region,
        ),
        "region",
    )


def unlink_refusal(
    rule: AccountRule, *, kind: str, bound_on: date, on: date, unlinked: int
) -> Refusal | None:
    """Refuse unlinking an official account too soon after linking, or once too often.

    ``unlinked`` counts the official accounts this shop has unlinked before. The
    register keeps dates, not times: an unlink within the hours the platform asks
    for is refused when it is on a day that cannot be that long after the link.
    """
    if kind != "official":
        return None
    days = -(-rule.unlink_after_hours // 24)  # whole days that surely cover the hours
    if days and on < bound_on + timedelta(days=days):
        return Refusal(
            "unlink_too_soon",
            phrase(
                "An official account can be unlinked only %(hours)s hours after it was "
                "linked (on %(day)s).",
                hours=rule.unlink_after_hours,
                day=bound_on,
            ),
            "unbound_on",
        )
    if rule.official_unlinks_max is not None and unlinked >= rule.official_unlinks_max:
        return Refusal(
            "unlink_limit",
            phrase(
                "The official account has been unlinked %(times)s times already, the most the "
                "platform allows.",
                times=unlinked,
            ),
            "kind",
        )
    return None
