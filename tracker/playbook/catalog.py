"""Load the seeds into one validated, immutable catalog the engine plans from.

Everything market-, date- or threshold-shaped lives in ``seeds/``; this module
only knows the *shape* of that data. Anything wrong with it is refused here,
at load, with the file, the entry and what is wrong.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from tracker.playbook.advisor import AdvisorRules, load_advisor_rules
from tracker.playbook.peaks import PeakRule, load_peak_rules
from tracker.playbook.readiness import ReadinessRule, load_readiness_rule
from tracker.playbook.seeds import SeedError, StrictBool, display_path, load_with, read_toml
from tracker.playbook.translations import SeedTranslation, load_translations

MODELS = ("pop", "full_managed")
STORE_TYPES = ("local", "cross_border")
STORE_ANCHORS = ("opened_on", "inspection_ends_on")
PEAK_ANCHORS = ("peak", "warmup")
STOCK_UP_ANCHORS = ("order_by", "ship_by", "arrive_by")
EVENT_ANCHOR = "event"
ANCHORS = (*STORE_ANCHORS, *PEAK_ANCHORS, *STOCK_UP_ANCHORS, EVENT_ANCHOR)
# Events the product itself raises; an entry with a trigger is created when
# its event happens instead of being planned ahead.
TRIGGERS = ("hot_video",)
# Named facts about a store that only the engine can work out.
CONDITIONS = ("invitation_category",)
EVERY = ("day", "week", "month", "quarter")
STOCK_UP_PEAKS = "stock_up"
# Translations of the seeds' words, one file per language (tracker/playbook/translations.py).
TRANSLATIONS_FOLDER = "i18n"


# --- the catalog's values ---------------------------------------------------


@dataclass(frozen=True)
class Sourced:
    """Where a figure comes from and when someone last checked it."""

    source: str
    checked_on: date


@dataclass(frozen=True)
class FreightMode:
    mode: str
    min_days: int
    max_days: int
    sourced: Sourced


@dataclass(frozen=True)
class AccountRule:
    """How many accounts a store may bind, during and after inspection."""

    during_inspection_official: int
    during_inspection_channel: int
    after_inspection_official: int
    after_inspection_channel: int
    sourced: Sourced


@dataclass(frozen=True)
class LiveRule:
    """The live-stream cadence a store aims for, and what counts as a day's live."""

    target_per_week: int
    min_minutes: int
    # When, in the store's zone, to warn that a day is about to pass without a live.
    remind_at: time
    sourced: Sourced


@dataclass(frozen=True)
class Market:
    code: str
    name: str
    # The ISO 3166 country of a business licence from this market (the UK market is GB).
    country: str
    timezone: str
    inspection_days: int
    inspection: Sourced
    freight: Mapping[str, FreightMode]
    accounts: AccountRule
    follower_target: int
    lives: LiveRule


@dataclass(frozen=True)
class Offer:
    """One row of where a model is offered: markets, categories, entities."""

    markets: frozenset[str]
    categories: frozenset[str]
    invitation_categories: frozenset[str]
    entities: frozenset[str] | None
    share_entity: str | None
    share_more_than_percent: float | None
    sourced: Sourced


@dataclass(frozen=True)
class OperatingModel:
    key: str
    name: str
    summary: str
    offers: tuple[Offer, ...]
    sourced: Sourced

    @property
    def markets(self) -> frozenset[str]:
        return frozenset().union(*(offer.markets for offer in self.offers))

    def offer_for(self, market: str) -> Offer | None:
        return next((offer for offer in self.offers if market in offer.markets), None)


@dataclass(frozen=True)
class CnyShutdown:
    """Days around the first day of Chinese New Year when supply stops."""

    factories_closed_from: int
    factories_closed_until: int
    forwarders_closed_from: int
    forwarders_closed_until: int
    sourced: Sourced


@dataclass(frozen=True)
class PlannerDefaults:
    """Starting figures for the stock-up planner, editable per product line."""

    safety_days: int
    peak_uplift_percent: int
    overstock_days: int
    sourced: Sourced


@dataclass(frozen=True)
class SupplyDefaults:
    default_freight_mode: Mapping[str, str]
    production_days: int
    inbound_buffer_days: int
    inbound_request_expires_days: int
    chinese_new_year: CnyShutdown
    sourced: Sourced
    planner: PlannerDefaults


@dataclass(frozen=True)
class Phase:
    key: str
    name: str
    order: int


@dataclass(frozen=True)
class DueRule:
    anchor: str
    days: int = 0
    hours: int = 0


@dataclass(frozen=True)
class Recurrence:
    every: str
    interval: int

    def to_json(self) -> dict[str, Any]:
        return {"every": self.every, "interval": self.interval}


@dataclass(frozen=True)
class GateRule:
    after: str | None
    tasks: tuple[str, ...]
    follower_target: bool
    reason: str


@dataclass(frozen=True)
class Entry:
    """One task template of a playbook."""

    key: str
    title: str
    description: str
    phase: str
    critical: bool
    source: str
    due: DueRule
    models: frozenset[str] | None = None
    store_types: frozenset[str] | None = None
    markets: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    conditions: frozenset[str] = frozenset()
    peaks: tuple[str, ...] | str | None = None
    recurrence: Recurrence | None = None
    depends_on: tuple[str, ...] = ()
    gate: GateRule | None = None
    trigger: str | None = None
    file: str = ""

    @property
    def peak_anchored(self) -> bool:
        return self.due.anchor in PEAK_ANCHORS or self.due.anchor in STOCK_UP_ANCHORS


@dataclass(frozen=True)
class Catalog:
    """Everything the engine knows, validated, with a version for traceability."""

    root: Path
    version: str
    phases: Mapping[str, Phase]
    markets: Mapping[str, Market]
    categories: Mapping[str, str]
    models: Mapping[str, OperatingModel]
    peaks: Mapping[str, PeakRule]
    supply: SupplyDefaults
    advisor: AdvisorRules
    entries: tuple[Entry, ...]
    readiness: ReadinessRule
    # locale ("zh_CN") -> the seeds' words in that language
    translations: Mapping[str, SeedTranslation] = dataclasses.field(default_factory=dict)

    def entry(self, key: str) -> Entry:
        return self._entries_by_key[key]

    @functools.cached_property
    def stock_up_keys(self) -> frozenset[str]:
        """The entries dated from a stock-up deadline (order, ship or arrive by)."""
        return frozenset(e.key for e in self.entries if e.due.anchor in STOCK_UP_ANCHORS)

    @functools.cached_property
    def _entries_by_key(self) -> dict[str, Entry]:
        return {entry.key: entry for entry in self.entries}


# --- schemas ------------------------------------------------------------------


class _SourcedSchema(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1))
    checked_on = fields.Date(required=True)


def _sourced(data: Mapping[str, Any]) -> Sourced:
    return Sourced(data["source"], data["checked_on"])


class _InspectionSchema(_SourcedSchema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))


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


class _MarketSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$", error="two capital letters"))
    timezone = fields.String(required=True)
    inspection = fields.Nested(_InspectionSchema, required=True)
    freight = fields.Dict(keys=fields.String(), values=fields.Nested(_FreightSchema), required=True)
    accounts = fields.Nested(_AccountsSchema)
    ads = fields.Nested(_AdsSchema)
    lives = fields.Nested(_LivesSchema)

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


class _ShareSchema(Schema):
    entity = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    more_than_percent = fields.Float(required=True, validate=validate.Range(0, 100))


class _OfferSchema(_SourcedSchema):
    markets = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    categories = fields.List(fields.String(), required=True)
    invitation_categories = fields.List(fields.String(), load_default=list)
    entities = fields.List(fields.String())
    entity_with_chinese_share = fields.Nested(_ShareSchema)


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


class _PhaseSchema(Schema):
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+$"))
    name = fields.String(required=True)


class _PhasesFileSchema(Schema):
    phase = fields.List(fields.Nested(_PhaseSchema), required=True, validate=validate.Length(min=1))


class _PeaksField(fields.Field):
    """Either the word "stock_up" or a list of peak keys."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == STOCK_UP_PEAKS:
            return value
        if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            return tuple(value)
        raise ValidationError(f'must be "{STOCK_UP_PEAKS}" or a non-empty list of peak keys')


class _DueSchema(Schema):
    anchor = fields.String(data_key="from", required=True, validate=validate.OneOf(ANCHORS))
    days = fields.Integer(strict=True, load_default=0, validate=validate.Range(-730, 730))
    hours = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 72))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> DueRule:
        return DueRule(**data)


class _RecurrenceSchema(Schema):
    every = fields.String(required=True, validate=validate.OneOf(EVERY))
    interval = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 52))

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> Recurrence:
        return Recurrence(**data)


class _GateSchema(Schema):
    after = fields.String(validate=validate.OneOf(STORE_ANCHORS), load_default=None)
    tasks = fields.List(fields.String(), load_default=list)
    follower_target = StrictBool(load_default=False)
    reason = fields.String(required=True, validate=validate.Length(min=1))

    @validates_schema
    def _has_a_condition(self, data: Mapping[str, Any], **_: Any) -> None:
        if not (data.get("after") or data.get("tasks") or data.get("follower_target")):
            raise ValidationError("a gate needs 'after', 'tasks' or 'follower_target'")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> GateRule:
        return GateRule(
            data["after"], tuple(data["tasks"]), data["follower_target"], data["reason"]
        )


def _set_of(choices: tuple[str, ...] | None = None) -> fields.List:
    inner = fields.String(validate=validate.OneOf(choices)) if choices else fields.String()
    return fields.List(inner, validate=validate.Length(min=1))


_NOT_BLANK = validate.Regexp(r"\S", error="may not be blank")


class _EntrySchema(Schema):
    key = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
            error="must be dotted lower-case words, like 'accounts.bind_official'",
        ),
    )
    title = fields.String(required=True, validate=[validate.Length(max=200), _NOT_BLANK])
    description = fields.String(required=True, validate=_NOT_BLANK)
    phase = fields.String(required=True)
    critical = StrictBool(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    due = fields.Nested(_DueSchema, required=True)
    models = _set_of(MODELS)
    store_types = _set_of(STORE_TYPES)
    markets = _set_of()
    categories = _set_of()
    conditions = _set_of(CONDITIONS)
    peaks = _PeaksField()
    recurrence = fields.Nested(_RecurrenceSchema)
    depends_on = fields.List(fields.String(), load_default=list)
    gate = fields.Nested(_GateSchema)
    trigger = fields.String(validate=validate.OneOf(TRIGGERS))


class _PlaybookFileSchema(Schema):
    task = fields.List(fields.Raw(), required=True)


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
    entries = _load_playbooks(root / "playbooks", phases, markets, categories, peaks)
    readiness = load_readiness_rule(root / "readiness.toml", phases)
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
    return dataclasses.replace(catalog, translations=translations)


# Seed files that score or present plans but never change one: not part of the version.
_NOT_PLAN_DATA = frozenset({"readiness.toml"})


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


def zone_exists(name: str) -> bool:
    """Tell whether ``name`` is an IANA time zone this machine knows."""
    try:
        ZoneInfo(name)
    # A region such as "Asia" is a folder of tzdata, which surfaces as an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


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
        )
    if not markets:
        raise SeedError(path, "no [market.XX] table")
    return markets


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
    _known(path, model, "markets", item["markets"], markets)
    _known(path, model, "categories", item["categories"], categories)
    _known(path, model, "invitation_categories", item["invitation_categories"], categories)
    share = item.get("entity_with_chinese_share")
    return Offer(
        markets=frozenset(item["markets"]),
        categories=frozenset(item["categories"]),
        invitation_categories=frozenset(item["invitation_categories"]),
        entities=frozenset(item["entities"]) if "entities" in item else None,
        share_entity=share["entity"] if share else None,
        share_more_than_percent=float(share["more_than_percent"]) if share else None,
        sourced=_sourced(item),
    )


def _known(path: Path, entry: str, field: str, values: Any, known: Mapping[str, Any]) -> None:
    for value in values or ():
        if value not in known:
            raise SeedError(
                path, f"field '{field}': unknown value '{value}' (known: {', '.join(known)})", entry
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
    )


def _load_playbooks(
    folder: Path,
    phases: Mapping[str, Phase],
    markets: Mapping[str, Market],
    categories: Mapping[str, str],
    peaks: Mapping[str, PeakRule],
) -> tuple[Entry, ...]:
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise SeedError(folder, "no playbook files (*.toml)")
    entries: dict[str, Entry] = {}
    for path in files:
        raw = load_with(_PlaybookFileSchema(), read_toml(path), path)
        for index, table in enumerate(raw["task"], start=1):
            label = table.get("key") if isinstance(table, dict) else None
            label = label if isinstance(label, str) else f"#{index}"
            item = load_with(_EntrySchema(), table, path, entry=label)
            entry = _entry(path, item)
            if entry.key in entries:
                raise SeedError(
                    path,
                    f"key is used twice (also in {display_path(Path(entries[entry.key].file))})",
                    entry.key,
                )
            _check_entry(path, entry, phases, markets, categories, peaks)
            entries[entry.key] = entry
    _check_references(entries)
    return tuple(entries.values())


def _entry(path: Path, item: dict[str, Any]) -> Entry:
    def optional_set(name: str) -> frozenset[str] | None:
        return frozenset(item[name]) if name in item else None

    return Entry(
        key=item["key"],
        title=item["title"],
        description=" ".join(item["description"].split()),
        phase=item["phase"],
        critical=item["critical"],
        source=item["source"],
        due=item["due"],
        models=optional_set("models"),
        store_types=optional_set("store_types"),
        markets=optional_set("markets"),
        categories=optional_set("categories"),
        conditions=frozenset(item.get("conditions", ())),
        peaks=item.get("peaks"),
        recurrence=item.get("recurrence"),
        depends_on=tuple(item["depends_on"]),
        gate=item.get("gate"),
        trigger=item.get("trigger"),
        file=str(path),
    )


_TITLE_FIELDS = {"peak", "year", "invitation_categories", "market"}
_GATE_FIELDS = {"after", "followers_at_least"}


def _check_entry(
    path: Path,
    entry: Entry,
    phases: Mapping[str, Phase],
    markets: Mapping[str, Market],
    categories: Mapping[str, str],
    peaks: Mapping[str, PeakRule],
) -> None:
    def refuse(message: str) -> None:
        raise SeedError(path, message, entry.key)

    if entry.phase not in phases:
        refuse(f"field 'phase': unknown phase '{entry.phase}' (known: {', '.join(phases)})")
    _known(path, entry.key, "markets", entry.markets, markets)
    _known(path, entry.key, "categories", entry.categories, categories)

    anchor = entry.due.anchor
    if entry.peak_anchored != (entry.peaks is not None):
        refuse(
            "a due date from a peak ('peak', 'warmup', 'order_by', 'ship_by', 'arrive_by') "
            "and field 'peaks' go together"
        )
    if isinstance(entry.peaks, tuple):
        for key in entry.peaks:
            if key not in peaks:
                refuse(f"field 'peaks': unknown peak '{key}' (known: {', '.join(peaks)})")
    if anchor in STOCK_UP_ANCHORS and isinstance(entry.peaks, tuple):
        plain = [key for key in entry.peaks if not peaks[key].stock_up]
        if plain:
            refuse(f"stock-up deadlines exist only for stock-up peaks, not '{plain[0]}'")
    if (anchor == EVENT_ANCHOR) != (entry.trigger is not None):
        refuse("field 'trigger' and a due date from the 'event' go together")
    if anchor == EVENT_ANCHOR and entry.due.days < 0:
        refuse("a triggered task cannot fall due before the event that creates it")
    if entry.due.hours and anchor != EVENT_ANCHOR:
        refuse("field 'due.hours' is only for triggered tasks")
    if entry.recurrence and anchor not in STORE_ANCHORS:
        refuse("a recurring task starts from 'opened_on' or 'inspection_ends_on'")
    if anchor in STORE_ANCHORS and entry.due.days < 0 and entry.phase != "pre_launch":
        refuse("only a 'pre_launch' task may fall due before its anchor date")
    if entry.key in entry.depends_on:
        refuse("field 'depends_on': a task cannot depend on itself")

    allowed = set(_TITLE_FIELDS)
    if entry.peaks is None:
        allowed -= {"peak", "year"}
    if "invitation_category" not in entry.conditions:
        allowed.discard("invitation_categories")
    for field, text in (("title", entry.title), ("description", entry.description)):
        _check_placeholders(path, entry.key, field, text, allowed)
    if entry.gate:
        _check_placeholders(path, entry.key, "gate.reason", entry.gate.reason, _GATE_FIELDS)


def _check_placeholders(path: Path, key: str, field: str, text: str, allowed: set[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise SeedError(path, f"field '{field}': {error}", key) from None
    unknown = sorted(names - allowed)
    if unknown:
        known = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
        raise SeedError(
            path,
            f"field '{field}': unknown placeholder {{{unknown[0]}}} (allowed here: {known})",
            key,
        )


def _check_references(entries: Mapping[str, Entry]) -> None:
    for entry in entries.values():
        named = [("depends_on", key) for key in entry.depends_on]
        named += [("gate.tasks", key) for key in (entry.gate.tasks if entry.gate else ())]
        for field, key in named:
            if key not in entries:
                raise SeedError(
                    Path(entry.file),
                    f"field '{field}': '{key}' names no playbook entry",
                    entry.key,
                )
    cycle = _find_cycle(entries)
    if cycle:
        first = entries[cycle[0]]
        raise SeedError(Path(first.file), f"dependency cycle: {' -> '.join(cycle)}", first.key)


def _find_cycle(entries: Mapping[str, Entry]) -> list[str] | None:
    """Return one dependency cycle (depends_on and gate tasks together), if any."""
    edges = {
        key: (*entry.depends_on, *(entry.gate.tasks if entry.gate else ()))
        for key, entry in entries.items()
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(key: str) -> list[str] | None:
        state[key] = 1
        path.append(key)
        for target in edges[key]:
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[key] = 2
        return None

    for key in sorted(edges):
        if key not in state:
            found = visit(key)
            if found:
                return found
    return None
