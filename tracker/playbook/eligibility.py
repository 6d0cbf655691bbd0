"""Check a profile against where the guides say each model is offered.

Nothing here refuses a store: a combination the guides do not list is a
warning with a stable code, which a manager may override on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.playbook.catalog import Catalog
from tracker.playbook.phrases import Name, Names, phrase, phrase_plural
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
    model_name = Name("model", model.key, model.name)
    market_name = Name("market", market.code, market.name)
    warnings: list[Warning] = []
    offer = model.offer_for(profile.market)

    if offer is None:
        codes = sorted(model.markets)
        named = [Name("market", code, code) for code in codes]  # English lists the codes
        elsewhere = Names(named, ", ".join(codes))
        others = [
            other
            for other in catalog.models.values()
            if other.key != model.key and profile.market in other.markets
        ]
        if others:
            message = phrase(
                "The guides do not list %(model)s in %(market)s (they list it in %(elsewhere)s). "
                "%(other)s is. A manager can override this on purpose.",
                model=model_name,
                market=market_name,
                elsewhere=elsewhere,
                other=Name("model", others[0].key, others[0].name),
            )
        else:
            message = phrase(
                "The guides do not list %(model)s in %(market)s (they list it in %(elsewhere)s). "
                "A manager can override this on purpose.",
                model=model_name,
                market=market_name,
                elsewhere=elsewhere,
            )
        warnings.append(
            Warning(
                "model_not_offered_in_market",
                message,
                field="market",
                source=model.sourced.source,
            )
        )
    else:
        invited = invitation_categories(profile, catalog)
        if invited:
            warnings.append(
                Warning(
                    "invitation_category",
                    phrase_plural(
                        "%(categories)s is invitation-only for %(model)s in %(market)s: apply to "
                        "the platform before listing it. The plan has a task for the application.",
                        "%(categories)s are invitation-only for %(model)s in %(market)s: apply to "
                        "the platform before listing them. The plan has a task for the "
                        "application.",
                        len(invited),
                        categories=_names(invited, catalog),
                        model=model_name,
                        market=market_name,
                    ),
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
                    phrase_plural(
                        "The guides do not list %(categories)s for %(model)s in %(market)s; "
                        "check with the platform before relying on it.",
                        "The guides do not list %(categories)s for %(model)s in %(market)s; "
                        "check with the platform before relying on them.",
                        len(unlisted),
                        categories=_names(unlisted, catalog),
                        model=model_name,
                        market=market_name,
                    ),
                    field="categories",
                    source=offer.sourced.source,
                )
            )
        entity_warning = _check_entity(profile, offer, model_name, market_name)
        if entity_warning:
            warnings.append(entity_warning)

    expected = derive_store_type(profile.entity, market.country)
    if profile.store_type != expected:
        warnings.append(
            Warning(
                "store_type_mismatch",
                phrase(
                    "A store with a %(entity)s business licence selling in %(market)s is usually "
                    "%(expected)s, but this one is set up as %(chosen)s; the plan follows the "
                    "store type you chose.",
                    entity=profile.entity,
                    market=market_name,
                    expected=_store_type(expected),
                    chosen=_store_type(profile.store_type),
                ),
                field="store_type",
            )
        )
    return warnings


def _store_type(key: str) -> Name:
    return Name("store_type", key, key.replace("_", "-"))


def _check_entity(profile: StoreProfile, offer: Any, model: Name, market: Name) -> Warning | None:
    if offer.entities is None and offer.share_entity is None:
        return None
    if offer.entities and profile.entity in offer.entities:
        return None
    allowed = sorted(offer.entities or ())
    entities = Names(allowed, " or ".join(allowed), style="or")
    share = {"share_entity": offer.share_entity, "percent": f"{offer.share_more_than_percent:g}"}
    if offer.share_entity is None:
        rule = (
            phrase("a business licence from %(entities)s", entities=entities)
            if allowed
            else phrase("a qualifying business licence")
        )
    elif allowed:
        rule = phrase(
            "a business licence from %(entities)s, or a %(share_entity)s entity in which "
            "Chinese shareholders hold more than %(percent)s%%",
            entities=entities,
            **share,
        )
    else:
        rule = phrase(
            "a qualifying business licence, or a %(share_entity)s entity in which Chinese "
            "shareholders hold more than %(percent)s%%",
            **share,
        )
    if profile.entity == offer.share_entity:
        held = profile.chinese_share_percent
        if held is None:
            return Warning(
                "entity_share_unknown",
                phrase(
                    "%(model)s in %(market)s needs %(rule)s. Enter the share held by Chinese "
                    "shareholders to confirm the store qualifies.",
                    model=model,
                    market=market,
                    rule=rule,
                ),
                field="chinese_share_percent",
                source=offer.sourced.source,
            )
        if held > offer.share_more_than_percent:
            return None
        return Warning(
            "entity_not_eligible",
            phrase(
                "%(model)s in %(market)s needs %(rule)s; this entity's Chinese shareholders "
                "hold %(share)s%%.",
                model=model,
                market=market,
                rule=rule,
                share=f"{held:g}",
            ),
            field="chinese_share_percent",
            source=offer.sourced.source,
        )
    return Warning(
        "entity_not_eligible",
        phrase(
            "%(model)s in %(market)s needs %(rule)s; this store's licence is from %(entity)s.",
            model=model,
            market=market,
            rule=rule,
            entity=profile.entity,
        ),
        field="entity",
        source=offer.sourced.source,
    )


def _names(categories: list[str] | tuple[str, ...], catalog: Catalog) -> Names:
    """Categories by name: "A, B and C" in English, the reader's own list on a page."""
    names = [Name("category", c, catalog.categories[c]) for c in categories]
    english = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Names(names, english)
