"""A store's profile: what the plan is made from, checked field by field."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel import Locale
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validates_schema,
)

from tracker.playbook.catalog import MODELS, STORE_TYPES, Catalog, Market
from tracker.playbook.fields import FieldError, field_errors, numeral_refusal, shown
from tracker.playbook.peaks import SUPPORTED_YEARS
from tracker.playbook.phrases import Phrase, phrase
from tracker.playbook.zones import canonical_zones, unknown_zone, zone_exists

# Plans look a year either side of their dates, so keep that margin inside
# the years the peak calendar can compute.
# Far beyond any account (the largest have a few hundred million), and within a
# 32-bit database integer.
MAX_FOLLOWERS = 2_000_000_000
MAX_ORDERS = 2_000_000_000
PLANNABLE_YEARS = range(SUPPORTED_YEARS.start + 1, SUPPORTED_YEARS.stop - 2)


class ProfileError(ValueError):
    """A profile that cannot be planned, with every field that is wrong."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


@dataclass(frozen=True)
class StoreProfile:
    """The facts about a store that decide its plan. Optional figures override seed defaults."""

    model: str
    market: str
    store_type: str
    entity: str
    opened_on: date
    categories: tuple[str, ...] = ()
    inspection_ends_on: date | None = None
    chinese_share_percent: float | None = None
    timezone: str | None = None
    followers: int = 0
    follower_target: int | None = None
    freight_mode: str | None = None
    lead_time_days: int | None = None
    production_days: int | None = None
    inbound_buffer_days: int | None = None
    inspection_days: int | None = None
    # Orders the store has had so far (typed in, or imported): the inspection may count them.
    orders_to_date: int | None = None
    # The store's own daily order cap while on probation (e.g. the tier Seller Center shows
    # it): overrides the market's first tier from the seeds.
    daily_order_limit: int | None = None


def derive_store_type(entity: str, market: Market, chinese_share_percent: float | None) -> str:
    """Tell local from cross-border: a licence from the market's own country (ISO 3166) is
    local, unless the market counts an entity mostly Chinese-held as cross-border (the US)."""
    if entity != market.country:
        return "cross_border"
    held = market.chinese_held
    if held is not None and (chinese_share_percent or 0) > held.more_than_percent:
        return "cross_border"
    return "local"


@functools.cache
def known_territories() -> frozenset[str]:
    """Two-letter ISO 3166 codes Babel (CLDR) knows: where a business licence can be from."""
    return frozenset(
        code
        for code in map(str, Locale("en").territories)
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


# CLDR's pseudo-regions and groupings: no business licence comes from these.
_NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class _Date(fields.Date):
    """A YYYY-MM-DD date; a bad one is refused with a phrase a page can translate."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise ValidationError(
                phrase("expected a date as YYYY-MM-DD, got %(got)s", got=repr(value))
            ) from None


class _Whole(fields.Integer):
    """A whole number, refused in the product's words (not marshmallow's "Not a valid
    integer"): what was typed, and why it is not taken (``numeral_refusal``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and not value.strip():
            raise ValidationError(phrase("is required"))
        if (hint := numeral_refusal(value)) is not None:
            raise ValidationError(hint)
        raise ValidationError(phrase("expected a whole number, got %(got)s", got=shown(value)))


_int = functools.partial(_Whole, allow_none=True, load_default=None)


def _between(low: int, high: int | None = None) -> Any:
    """Check a number is in range, refusing it with a phrase a page can translate."""

    def check(value: Any) -> None:
        if value is None:
            return
        if high is None and value < low:
            raise ValidationError(
                phrase("expected %(min)s or more, got %(got)s", min=low, got=value)
            )
        if high is not None and not low <= value <= high:
            raise ValidationError(
                phrase("expected %(min)s to %(max)s, got %(got)s", min=low, max=high, got=value)
            )

    return check


class ProfileSchema(Schema):
    """A store's profile: the plan is made from it. Checks that need the seeds (markets,
    categories, freight modes) use the catalog, whose choices the schema also lists as enums
    for the API's description."""

    model = fields.String(required=True)
    market = fields.String(required=True)
    store_type = fields.String(allow_none=True, load_default=None)
    entity = fields.String(load_default="CN")
    categories = fields.List(fields.String(), load_default=list)
    opened_on = _Date(required=True)
    inspection_ends_on = _Date(allow_none=True, load_default=None)
    chinese_share_percent = fields.Float(
        allow_none=True, load_default=None, validate=_between(0, 100)
    )
    timezone = fields.String(allow_none=True, load_default=None)
    followers = _Whole(load_default=0, validate=_between(0, MAX_FOLLOWERS))
    follower_target = _int(validate=_between(0, MAX_FOLLOWERS))
    freight_mode = fields.String(allow_none=True, load_default=None)
    lead_time_days = _int(validate=_between(0, 180))
    production_days = _int(validate=_between(0, 365))
    inbound_buffer_days = _int(validate=_between(0, 90))
    inspection_days = _int(validate=_between(1, 365))
    orders_to_date = _int(validate=_between(0, MAX_ORDERS))
    daily_order_limit = _int(validate=_between(1, MAX_ORDERS))

    def __init__(self, catalog: Catalog, *, partial_unknown: bool = False, **kwargs: Any) -> None:
        super().__init__(unknown=EXCLUDE if partial_unknown else RAISE, **kwargs)
        self.catalog = catalog
        years = f"YYYY-MM-DD, in {PLANNABLE_YEARS.start}–{PLANNABLE_YEARS[-1]}"
        freight = sorted({mode for market in catalog.markets.values() for mode in market.freight})
        described: dict[str, dict[str, Any]] = {
            "model": {"enum": list(MODELS)},
            "market": {"enum": list(catalog.markets)},
            "store_type": {
                "enum": ["local", "cross_border"],
                "description": "derived from entity and market when left out",
            },
            "entity": {"enum": sorted(known_territories())},
            "timezone": {
                "enum": list(canonical_zones()),
                "description": "an IANA time zone; the market's when left out",
            },
            "freight_mode": {"enum": freight, "description": "one of the market's freight modes"},
            "opened_on": {"description": years},
            "inspection_ends_on": {"description": years},
        }
        for name, more in described.items():
            field = self.fields[name]
            if "enum" in more and field.allow_none:  # (null is a member: "left out")
                more = {**more, "enum": [*more["enum"], None]}
            field.metadata = {**field.metadata, **more}
        categories = self.fields["categories"]
        categories.metadata = {**categories.metadata, "uniqueItems": True}
        inner = categories.inner  # type: ignore[attr-defined]
        inner.metadata = {**inner.metadata, "enum": list(catalog.categories)}

    @pre_load
    def _normalise(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for name in ("market", "entity"):
            if name in data:
                data[name] = _upper(data[name])
        for name in ("model", "store_type", "freight_mode"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip().lower()
        if isinstance(data.get("categories"), list):
            data["categories"] = [
                c.strip().lower() if isinstance(c, str) else c for c in data["categories"]
            ]
        return data

    @validates_schema(skip_on_field_errors=False)
    def _check_against_catalog(self, data: Mapping[str, Any], **_: Any) -> None:
        catalog = self.catalog
        errors: dict[str, list[str]] = {}

        def refuse(name: str, message: Phrase) -> None:
            errors.setdefault(name, []).append(message)

        model = data.get("model")
        if model is not None and model not in MODELS:
            refuse(
                "model",
                phrase(
                    "unknown model '%(got)s' (choose %(known)s)",
                    got=model,
                    known=" or ".join(MODELS),
                ),
            )
        market = data.get("market")
        if market is not None and market not in catalog.markets:
            refuse(
                "market",
                phrase(
                    "unknown market '%(got)s' (known: %(known)s)",
                    got=market,
                    known=", ".join(catalog.markets),
                ),
            )
        store_type = data.get("store_type")
        if store_type is not None and store_type not in STORE_TYPES:
            refuse(
                "store_type",
                phrase(
                    "unknown store type '%(got)s' (choose local or cross_border)", got=store_type
                ),
            )
        entity = data.get("entity")
        if entity is not None and entity not in known_territories():
            refuse(
                "entity",
                phrase("'%(got)s' is not an ISO 3166 country code like CN, HK or US", got=entity),
            )
        for category in data.get("categories") or ():
            if category not in catalog.categories:
                refuse(
                    "categories",
                    phrase(
                        "unknown category '%(got)s' (known: %(known)s)",
                        got=category,
                        known=", ".join(catalog.categories),
                    ),
                )
        if len(set(data.get("categories") or ())) != len(data.get("categories") or ()):
            refuse("categories", phrase("a category is listed twice"))
        opened, ends = data.get("opened_on"), data.get("inspection_ends_on")
        for name, day in (("opened_on", opened), ("inspection_ends_on", ends)):
            if day is not None and day.year not in PLANNABLE_YEARS:
                refuse(
                    name,
                    phrase(
                        "%(day)s is outside the years the peak calendar covers "
                        "(%(first)s–%(last)s)",
                        day=day,
                        first=str(PLANNABLE_YEARS.start),
                        last=str(PLANNABLE_YEARS[-1]),
                    ),
                )
        if opened and ends and ends < opened:
            refuse("inspection_ends_on", phrase("is before the store opened (%(day)s)", day=opened))
        zone = data.get("timezone")
        if zone is not None and not zone_exists(zone):
            refuse(
                "timezone",
                unknown_zone(zone),
            )
        mode = data.get("freight_mode")
        if mode is not None and market is not None and market in catalog.markets:
            modes = catalog.markets[market].freight
            if mode not in modes:
                refuse(
                    "freight_mode",
                    phrase(
                        "no '%(got)s' freight for %(market)s (known: %(known)s)",
                        got=mode,
                        market=market,
                        known=", ".join(modes),
                    ),
                )
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Any:
        return self.profile(data)

    def profile(self, data: dict[str, Any]) -> StoreProfile:
        """Make the profile from loaded fields, deriving the store type when left out."""
        data["categories"] = tuple(data["categories"])
        if data["store_type"] is None:
            market = self.catalog.markets[data["market"]]
            data["store_type"] = derive_store_type(
                data["entity"], market, data["chinese_share_percent"]
            )
        return StoreProfile(**data)


def parse_profile(
    raw: Mapping[str, Any], catalog: Catalog, *, ignore_unknown: bool = False
) -> StoreProfile:
    """Check a profile from outside (CLI flags, form, JSON) and return it, or raise ProfileError."""
    try:
        return ProfileSchema(catalog, partial_unknown=ignore_unknown).load(raw)
    except ValidationError as error:
        raise ProfileError(field_errors(error.messages, whole="profile")) from None


@dataclass(frozen=True)
class ResolvedProfile:
    """A profile with every default filled in from the catalog, ready to plan."""

    profile: StoreProfile
    market: Market
    timezone: str
    inspection_ends_on: date
    inspection_estimated: bool
    follower_target: int
    freight_mode: str
    lead_time_days: int
    production_days: int
    inbound_buffer_days: int
    # The inspection's order count for this store, when its market has one for its type.
    inspection_orders: int | None = None
    # The daily order cap while on probation (the market's first tier for the store type).
    probation_daily_orders: int | None = None
    # Fully managed: the platform's own freight from its receiving warehouse to the market,
    # between the seller's delivery and the stock being in the market (0 for POP).
    platform_freight_days: int = 0


def resolve_profile(profile: StoreProfile, catalog: Catalog) -> ResolvedProfile:
    """Fill the profile's blanks from the seeds: time zone, inspection end, freight and targets."""
    market = catalog.markets[profile.market]
    supply = catalog.supply
    if profile.inspection_ends_on is not None:
        inspection_ends_on, estimated = profile.inspection_ends_on, False
    else:
        # "At least N calendar days", the opening day being the first: the period's last
        # day is N - 1 days after opening, and the store graduates N days after it.
        days = profile.inspection_days or market.inspection_days
        inspection_ends_on, estimated = profile.opened_on + timedelta(days=days - 1), True
    platform_freight_days = 0
    if profile.model == "full_managed":
        # The seller delivers to the platform's receiving warehouse; the platform ships on.
        fm = supply.full_managed
        freight_mode, seller_leg_days = fm.freight_mode, fm.transit_days
        platform = market.freight.get(fm.platform_freight_mode)
        platform_freight_days = platform.max_days if platform is not None else 0
    else:
        freight_mode = profile.freight_mode or supply.default_freight_mode[profile.store_type]
        if freight_mode not in market.freight:
            freight_mode = next(iter(market.freight))
        seller_leg_days = market.freight[freight_mode].max_days
    return ResolvedProfile(
        profile=profile,
        market=market,
        timezone=profile.timezone or market.timezone,
        inspection_ends_on=inspection_ends_on,
        inspection_estimated=estimated,
        follower_target=(
            profile.follower_target
            if profile.follower_target is not None
            else market.follower_target
        ),
        freight_mode=freight_mode,
        lead_time_days=(
            profile.lead_time_days if profile.lead_time_days is not None else seller_leg_days
        ),
        production_days=(
            profile.production_days
            if profile.production_days is not None
            else supply.production_days
        ),
        inbound_buffer_days=(
            profile.inbound_buffer_days
            if profile.inbound_buffer_days is not None
            else supply.inbound_buffer_days
        ),
        platform_freight_days=platform_freight_days,
        inspection_orders=(
            market.inspection_cross_border_orders if profile.store_type == "cross_border" else None
        ),
        probation_daily_orders=(
            profile.daily_order_limit
            if profile.daily_order_limit is not None
            else market.probation.daily_orders.get(profile.store_type)
            if market.probation
            else None
        ),
    )
