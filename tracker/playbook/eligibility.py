"""Check a profile against where the guides say each model is offered.

Nothing here refuses a store: a combination the guides do not list is a
warning with a stable code, which a manager may override on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.playbook.catalog import Catalog
from tracker.playbook.profile import StoreProfile, derive_store_type


@dataclass(frozen=True)
class Warning:
    """Something the seller should know before relying on the plan."""

    code: str
    message: str
    field: str | None = None
    source: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            out["field"] = self.field
        if self.source:
            out["source"] = self.source
        return out


def invitation_categories(profile: StoreProfile, catalog: Catalog) -> tuple[str, ...]:
    """Return the profile's categories that are invitation-only for its model and market."""
    offer = catalog.models[profile.model].offer_for(profile.market)
    if offer is None:
        return ()
    return tuple(c for c in profile.categories if c in offer.invitation_categories)


def check_eligibility(profile: StoreProfile, catalog: Catalog) -> list[Warning]:
    """List every way the profile departs from what the guides list."""
    model = catalog.models[profile.model]
    market = catalog.markets[profile.market]
    warnings: list[Warning] = []
    offer = model.offer_for(profile.market)

    if offer is None:
        elsewhere = ", ".join(sorted(model.markets))
        others = [
            other.name
            for other in catalog.models.values()
            if other.key != model.key and profile.market in other.markets
        ]
        alternative = f" {others[0]} is." if others else ""
        warnings.append(
            Warning(
                "model_not_offered_in_market",
                f"The guides do not list {model.name} in {market.name} (they list it in "
                f"{elsewhere}).{alternative} A manager can override this on purpose.",
                field="market",
                source=model.sourced.source,
            )
        )
    else:
        invited = invitation_categories(profile, catalog)
        if invited:
            names = _names(invited, catalog)
            warnings.append(
                Warning(
                    "invitation_category",
                    f"{names} {'is' if len(invited) == 1 else 'are'} invitation-only for "
                    f"{model.name} in {market.name}: apply to the platform before listing "
                    f"{'it' if len(invited) == 1 else 'them'}. "
                    "The plan has a task for the application.",
                    field="categories",
                    source=offer.sourced.source,
                )
            )
        unlisted = [
            c
            for c in profile.categories
            if c not in offer.categories and c not in offer.invitation_categories
        ]
        if unlisted:
            warnings.append(
                Warning(
                    "category_not_listed",
                    f"The guides do not list {_names(unlisted, catalog)} for {model.name} in "
                    f"{market.name}; check with the platform before relying on "
                    f"{'it' if len(unlisted) == 1 else 'them'}.",
                    field="categories",
                    source=offer.sourced.source,
                )
            )
        entity_warning = _check_entity(profile, offer, model.name, market.name)
        if entity_warning:
            warnings.append(entity_warning)

    expected = derive_store_type(profile.entity, market.country)
    if profile.store_type != expected:
        warnings.append(
            Warning(
                "store_type_mismatch",
                f"A store with a {profile.entity} business licence selling in {market.name} is "
                f"usually {expected.replace('_', '-')}, but this one is set up as "
                f"{profile.store_type.replace('_', '-')}; "
                "the plan follows the store type you chose.",
                field="store_type",
            )
        )
    return warnings


def _check_entity(profile: StoreProfile, offer: Any, model: str, market: str) -> Warning | None:
    if offer.entities is None and offer.share_entity is None:
        return None
    if offer.entities and profile.entity in offer.entities:
        return None
    allowed = " or ".join(sorted(offer.entities or ()))
    rule = f"a business licence from {allowed}" if allowed else "a qualifying business licence"
    if offer.share_entity is not None:
        rule += (
            f", or a {offer.share_entity} entity in which Chinese shareholders hold more than "
            f"{offer.share_more_than_percent:g}%"
        )
    if profile.entity == offer.share_entity:
        share = profile.chinese_share_percent
        if share is None:
            return Warning(
                "entity_share_unknown",
                f"{model} in {market} needs {rule}. Enter the share held by Chinese "
                "shareholders to confirm the store qualifies.",
                field="chinese_share_percent",
                source=offer.sourced.source,
            )
        if share > offer.share_more_than_percent:
            return None
        return Warning(
            "entity_not_eligible",
            f"{model} in {market} needs {rule}; this entity's Chinese shareholders hold "
            f"{share:g}%.",
            field="chinese_share_percent",
            source=offer.sourced.source,
        )
    return Warning(
        "entity_not_eligible",
        f"{model} in {market} needs {rule}; this store's licence is from {profile.entity}.",
        field="entity",
        source=offer.sourced.source,
    )


def _names(categories: list[str] | tuple[str, ...], catalog: Catalog) -> str:
    names = [catalog.categories[c] for c in categories]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
