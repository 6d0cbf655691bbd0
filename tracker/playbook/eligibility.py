"""Check a profile against where the guides say each model is offered.

Nothing here refuses a store: a combination the guides do not list is a
warning with a stable code, which a manager may override on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.playbook.catalog import Catalog, Market
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

    share_warning = _check_share(profile, market, market_name)
    if share_warning:
        warnings.append(share_warning)
    expected = derive_store_type(profile.entity, market, profile.chinese_share_percent)
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
    if offer.entities is None or profile.entity in offer.entities:
        return None
    allowed = sorted(offer.entities)
    entities = Names(allowed, " or ".join(allowed), style="or")
    return Warning(
        "entity_not_eligible",
        phrase(
            "%(model)s in %(market)s needs a business licence from %(entities)s; this store's "
            "licence is from %(entity)s.",
            model=model,
            market=market,
            entities=entities,
            entity=profile.entity,
        ),
        field="entity",
        source=offer.sourced.source,
    )


def _check_share(profile: StoreProfile, market: Market, market_name: Name) -> Warning | None:
    """Ask for the Chinese share when it decides the derived store type and is not given."""
    held = market.chinese_held
    if held is None or profile.entity != market.country:
        return None
    if profile.chinese_share_percent is not None:
        return None
    return Warning(
        "entity_share_unknown",
        phrase(
            "A %(entity)s entity in which Chinese shareholders hold more than %(percent)s%% "
            "sells in %(market)s as a cross-border store. Enter the share held by Chinese "
            "shareholders; until then the plan is for a local store.",
            entity=profile.entity,
            percent=f"{held.more_than_percent:g}",
            market=market_name,
        ),
        field="chinese_share_percent",
        source=held.sourced.source,
    )


def _names(categories: list[str] | tuple[str, ...], catalog: Catalog) -> Names:
    """Categories by name: "A, B and C" in English, the reader's own list on a page."""
    names = [Name("category", c, catalog.categories[c]) for c in categories]
    english = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Names(names, english)
