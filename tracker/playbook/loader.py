"""Read ``seeds/`` into one validated, immutable catalog.

Anything wrong with the data is refused here, at load, with the file, the entry
and what is wrong.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from tracker.playbook.advisor import load_advisor_rules
from tracker.playbook.catalog import (
    MODELS,
    STORE_TYPES,
    TRANSLATIONS_FOLDER,
    AccountRule,
    Catalog,
    ChineseHeldRule,
    CnyShutdown,
    FreightMode,
    FullManagedSupply,
    LiveRule,
    Market,
    Offer,
    OperatingModel,
    Phase,
    PlannerDefaults,
    ProbationRule,
    Sourced,
    SupplyDefaults,
)
from tracker.playbook.entries import known_values, load_playbooks
from tracker.playbook.peaks import DaysBefore, PeakRule, load_peak_rules
from tracker.playbook.readiness import load_readiness_rule
from tracker.playbook.seeds import SeedError, StrictBool, load_with, read_toml
from tracker.playbook.translations import cited_guides, load_translations
from tracker.playbook.zones import zone_exists

# --- schemas ------------------------------------------------------------------


class _SourcedSchema(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1))
    checked_on = fields.Date(required=True)


def _sourced(data: Mapping[str, Any]) -> Sourced:
    return Sourced(data["source"], data["checked_on"])


class _InspectionSchema(_SourcedSchema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))
    cross_border_orders = fields.Integer(strict=True, validate=validate.Range(min=1))


class _ProbationSchema(_SourcedSchema):
    daily_orders = fields.Dict(
        keys=fields.String(validate=validate.OneOf(STORE_TYPES)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1),
    )


class _FreightSchema(_SourcedSchema):
    min_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=180))
    max_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=180))

    @validates_schema
    def _range_in_order(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("min_days", 0) > data.get("max_days", 0):
            raise ValidationError("min_days is more than max_days")


_count = functools.partial(
    fields.Integer, required=True, strict=True, validate=validate.Range(0, 20)
)


class _AccountsSchema(_SourcedSchema):
    during_inspection_official = _count()
    during_inspection_channel = _count()
    after_inspection_official = _count()
    after_inspection_channel = _count()
    official_region_must_match = StrictBool(load_default=True)
    unlink_after_hours = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(0, 24 * 30)
    )
    official_unlinks_max = fields.Integer(strict=True, validate=validate.Range(min=0))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> AccountRule:
        sourced = _sourced(data)
        del data["source"], data["checked_on"]
        return AccountRule(**data, sourced=sourced)


class _AdsSchema(_SourcedSchema):
    follower_target = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class _LivesSchema(_SourcedSchema):
    target_per_week = fields.Integer(required=True, strict=True, validate=validate.Range(1, 21))
    min_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(1, 600))
    remind_at = fields.Time(required=True, error_messages={"invalid": "expected a time as HH:MM"})

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> LiveRule:
        sourced = _sourced(data)
        del data["source"], data["checked_on"]
        return LiveRule(**data, sourced=sourced)


class _ChineseHeldSchema(_SourcedSchema):
    more_than_percent = fields.Float(required=True, validate=validate.Range(0, 100))


class _MarketSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$", error="two capital letters"))
    timezone = fields.String(required=True)
    inspection = fields.Nested(_InspectionSchema, required=True)
    freight = fields.Dict(keys=fields.String(), values=fields.Nested(_FreightSchema), required=True)
    accounts = fields.Nested(_AccountsSchema)
    ads = fields.Nested(_AdsSchema)
    lives = fields.Nested(_LivesSchema)
    cross_border_if_chinese_held = fields.Nested(_ChineseHeldSchema)
    probation = fields.Nested(_ProbationSchema)

    @validates_schema
    def _check_zone(self, data: Mapping[str, Any], **_: Any) -> None:
        if "timezone" in data and not zone_exists(data["timezone"]):
            raise ValidationError(f"unknown IANA time zone '{data['timezone']}'", "timezone")


class _DefaultsSchema(Schema):
    accounts = fields.Nested(_AccountsSchema, required=True)
    ads = fields.Nested(_AdsSchema, required=True)
    lives = fields.Nested(_LivesSchema, required=True)


class _MarketsFileSchema(Schema):
    defaults = fields.Nested(_DefaultsSchema, required=True)
    market = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class _OfferSchema(_SourcedSchema):
    markets = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    categories = fields.List(fields.String(), required=True)
    invitation_categories = fields.List(fields.String(), load_default=list)
    entities = fields.List(fields.String())


class _ModelSchema(_SourcedSchema):
    name = fields.String(required=True)
    summary = fields.String(required=True)
    offer = fields.List(fields.Nested(_OfferSchema), required=True, validate=validate.Length(min=1))


class _ModelsFileSchema(Schema):
    categories = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    model = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class _CnySchema(_SourcedSchema):
    factories_closed_from = fields.Integer(required=True, strict=True)
    factories_closed_until = fields.Integer(required=True, strict=True)
    forwarders_closed_from = fields.Integer(required=True, strict=True)
    forwarders_closed_until = fields.Integer(required=True, strict=True)

    @validates_schema
    def _windows_in_order(self, data: Mapping[str, Any], **_: Any) -> None:
        for who in ("factories", "forwarders"):
            start, end = data.get(f"{who}_closed_from"), data.get(f"{who}_closed_until")
            if start is not None and end is not None and start > end:
                raise ValidationError(f"{who}_closed_from is after {who}_closed_until")


_days = functools.partial(
    fields.Integer, required=True, strict=True, validate=validate.Range(0, 365)
)


class _PlannerSchema(_SourcedSchema):
    safety_days = fields.Integer(required=True, strict=True, validate=validate.Range(0, 365))
    peak_uplift_percent = fields.Integer(
        required=True, strict=True, validate=validate.Range(0, 1000)
    )
    overstock_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 3650))


class _FullManagedSupplySchema(_SourcedSchema):
    freight_mode = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]*$"))
    transit_days = fields.Integer(required=True, strict=True, validate=validate.Range(0, 60))
    platform_freight_mode = fields.String(required=True)


class _SupplySchema(_SourcedSchema):
    default_freight_mode = fields.Dict(
        keys=fields.String(validate=validate.OneOf(STORE_TYPES)),
        values=fields.String(),
        required=True,
    )
    production_days = _days()
    inbound_buffer_days = _days()
    inbound_request_expires_days = _days()
    chinese_new_year = fields.Nested(_CnySchema, required=True)
    planner = fields.Nested(_PlannerSchema, required=True)
    full_managed = fields.Nested(_FullManagedSupplySchema, required=True)


class _PhaseSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+$"))
    name = fields.String(required=True)


class _PhasesFileSchema(Schema):
    phase = fields.List(fields.Nested(_PhaseSchema), required=True, validate=validate.Length(min=1))


# --- loading ------------------------------------------------------------------


def load_catalog(root: Path) -> Catalog:
    """Load and validate every seed file under ``root`` (cached per folder)."""
    return _load_catalog(Path(root).resolve())


@functools.cache
def _load_catalog(root: Path) -> Catalog:
    if not root.is_dir():
        raise SeedError(root, "seed folder not found")
    phases = _load_phases(root / "phases.toml")
    markets = _load_markets(root / "markets.toml")
    categories, models = _load_models(root / "models.toml", markets)
    peaks = load_peak_rules(root / "peaks.toml", known_markets=markets.keys())
    supply = _load_supply(root / "supply.toml", markets)
    advisor = load_advisor_rules(root / "advisor.toml")
    entries = load_playbooks(root / "playbooks", phases, markets, categories, peaks)
    readiness = load_readiness_rule(root / "readiness.toml", phases)
    _check_platform_freight(root / "supply.toml", supply, markets, models)
    _check_supply_side_warmups(root / "peaks.toml", peaks, supply)
    catalog = Catalog(
        root=root,
        version=_version_of(root),
        phases=phases,
        markets=markets,
        categories=categories,
        models=models,
        peaks=peaks,
        supply=supply,
        advisor=advisor,
        entries=entries,
        readiness=readiness,
    )
    translations = load_translations(root / TRANSLATIONS_FOLDER, catalog)
    guides = _load_guides(root / "guides.toml", catalog)
    return dataclasses.replace(catalog, translations=translations, guides=guides)


def _load_guides(path: Path, catalog: Catalog) -> dict[str, str]:
    """The guides' titles by file stem; every guide a seed cites must have one."""
    raw = read_toml(path)
    guides: dict[str, str] = {}
    for stem, table in raw.items():
        if not isinstance(table, dict) or set(table) != {"name", "source"}:
            raise SeedError(path, "a guide has exactly a 'name' and a 'source'", stem)
        if not isinstance(table["name"], str) or not table["name"].strip():
            raise SeedError(path, "field 'name': give the guide's title", stem)
        guides[stem] = table["name"]
    for stem in cited_guides(catalog):
        if stem not in guides:
            raise SeedError(path, "a seed cites this guide but it has no title here", stem)
    return guides


# Seed files that score or present plans but never change one: not part of the version.
_NOT_PLAN_DATA = frozenset({"readiness.toml", "imports.toml", "guides.toml"})


def _version_of(root: Path) -> str:
    """Name the seed data by its content, so a task can say which data made it.

    Translations are left out: they change no task, date or rule, so rewording the
    Chinese must not make every store's plan look as if it came from other data.
    """
    digest = hashlib.sha256()
    translations = root / TRANSLATIONS_FOLDER
    for path in sorted(root.rglob("*.toml")):
        if path.is_relative_to(translations) or path.relative_to(root).as_posix() in _NOT_PLAN_DATA:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _check_platform_freight(
    path: Path,
    supply: SupplyDefaults,
    markets: Mapping[str, Market],
    models: Mapping[str, OperatingModel],
) -> None:
    mode = supply.full_managed.platform_freight_mode
    lacking = sorted(
        code for code in models["full_managed"].markets if mode not in markets[code].freight
    )
    if lacking:
        raise SeedError(
            path,
            f"field 'full_managed.platform_freight_mode': markets {', '.join(lacking)} offer "
            f"full management but have no '{mode}' freight in markets.toml",
        )


def _check_supply_side_warmups(
    path: Path, peaks: Mapping[str, PeakRule], supply: SupplyDefaults
) -> None:
    """A supply-side peak's warm-up is the day factories close (supply.toml): the same day."""
    closes = -supply.chinese_new_year.factories_closed_from
    for rule in peaks.values():
        if rule.supply_side and rule.warmup != DaysBefore(closes):
            raise SeedError(
                path,
                f"field 'warmup': a supply-side peak's warm-up starts when factories close, "
                f"{closes} days before (supply.toml chinese_new_year.factories_closed_from)",
                rule.key,
            )


def _load_phases(path: Path) -> dict[str, Phase]:
    raw = load_with(_PhasesFileSchema(), read_toml(path), path)
    phases: dict[str, Phase] = {}
    for order, item in enumerate(raw["phase"]):
        if item["key"] in phases:
            raise SeedError(path, "phase is listed twice", item["key"])
        phases[item["key"]] = Phase(item["key"], item["name"], order)
    return phases


def _load_markets(path: Path) -> dict[str, Market]:
    raw = load_with(_MarketsFileSchema(), read_toml(path), path)
    default_accounts: AccountRule = raw["defaults"]["accounts"]
    default_ads = raw["defaults"]["ads"]
    default_lives: LiveRule = raw["defaults"]["lives"]
    markets: dict[str, Market] = {}
    for code, table in raw["market"].items():
        if not (len(code) == 2 and code.isalpha() and code.isupper()):
            raise SeedError(path, "a market code is two capital letters (ISO 3166)", code)
        item = load_with(_MarketSchema(), table, path, entry=code)
        if not item["freight"]:
            raise SeedError(path, "field 'freight': name at least one freight mode", code)
        markets[code] = Market(
            code=code,
            name=item["name"],
            country=item.get("country", code),
            timezone=item["timezone"],
            inspection_days=item["inspection"]["days"],
            inspection=_sourced(item["inspection"]),
            freight={
                mode: FreightMode(mode, f["min_days"], f["max_days"], _sourced(f))
                for mode, f in item["freight"].items()
            },
            accounts=item.get("accounts", default_accounts),
            follower_target=item.get("ads", default_ads)["follower_target"],
            lives=item.get("lives", default_lives),
            chinese_held=_chinese_held(item.get("cross_border_if_chinese_held")),
            inspection_cross_border_orders=item["inspection"].get("cross_border_orders"),
            probation=(
                ProbationRule(item["probation"]["daily_orders"], _sourced(item["probation"]))
                if "probation" in item
                else None
            ),
        )
    if not markets:
        raise SeedError(path, "no [market.XX] table")
    return markets


def _chinese_held(item: Mapping[str, Any] | None) -> ChineseHeldRule | None:
    if item is None:
        return None
    return ChineseHeldRule(float(item["more_than_percent"]), _sourced(item))


def _load_models(
    path: Path, markets: Mapping[str, Market]
) -> tuple[dict[str, str], dict[str, OperatingModel]]:
    raw = load_with(_ModelsFileSchema(), read_toml(path), path)
    categories: dict[str, str] = raw["categories"]
    models: dict[str, OperatingModel] = {}
    for key, table in raw["model"].items():
        if key not in MODELS:
            raise SeedError(path, f"unknown model (the product knows {', '.join(MODELS)})", key)
        item = load_with(_ModelSchema(), table, path, entry=key)
        offers = tuple(_offer(path, key, offer, markets, categories) for offer in item["offer"])
        models[key] = OperatingModel(key, item["name"], item["summary"], offers, _sourced(item))
    missing = [key for key in MODELS if key not in models]
    if missing:
        raise SeedError(path, f"no [model.{missing[0]}] table")
    return categories, models


def _offer(
    path: Path,
    model: str,
    item: Mapping[str, Any],
    markets: Mapping[str, Market],
    categories: Mapping[str, str],
) -> Offer:
    known_values(path, model, "markets", item["markets"], markets)
    known_values(path, model, "categories", item["categories"], categories)
    known_values(path, model, "invitation_categories", item["invitation_categories"], categories)
    return Offer(
        markets=frozenset(item["markets"]),
        categories=frozenset(item["categories"]),
        invitation_categories=frozenset(item["invitation_categories"]),
        entities=frozenset(item["entities"]) if "entities" in item else None,
        sourced=_sourced(item),
    )


def _load_supply(path: Path, markets: Mapping[str, Market]) -> SupplyDefaults:
    item = load_with(_SupplySchema(), read_toml(path), path)
    for store_type in STORE_TYPES:
        mode = item["default_freight_mode"].get(store_type)
        if mode is None:
            raise SeedError(path, f"field 'default_freight_mode': no mode for '{store_type}'")
        lacking = [code for code, market in markets.items() if mode not in market.freight]
        if lacking:
            raise SeedError(
                path,
                f"field 'default_freight_mode': markets {', '.join(lacking)} "
                f"have no '{mode}' freight in markets.toml",
            )
    cny = item["chinese_new_year"]
    planner = item["planner"]
    fm = item["full_managed"]
    if fm["freight_mode"] in {mode for market in markets.values() for mode in market.freight}:
        raise SeedError(
            path,
            f"field 'full_managed.freight_mode': '{fm['freight_mode']}' is a market freight "
            "mode; name the platform's leg apart",
        )
    return SupplyDefaults(
        default_freight_mode=item["default_freight_mode"],
        production_days=item["production_days"],
        inbound_buffer_days=item["inbound_buffer_days"],
        inbound_request_expires_days=item["inbound_request_expires_days"],
        chinese_new_year=CnyShutdown(
            cny["factories_closed_from"],
            cny["factories_closed_until"],
            cny["forwarders_closed_from"],
            cny["forwarders_closed_until"],
            _sourced(cny),
        ),
        sourced=_sourced(item),
        planner=PlannerDefaults(
            planner["safety_days"],
            planner["peak_uplift_percent"],
            planner["overstock_days"],
            _sourced(planner),
        ),
        full_managed=FullManagedSupply(
            fm["freight_mode"], fm["transit_days"], fm["platform_freight_mode"], _sourced(fm)
        ),
    )
