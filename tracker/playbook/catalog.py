"""The catalog the engine plans from: markets, models, peaks, playbook entries, as values.

Everything market-, date- or threshold-shaped lives in ``seeds/``; these types
only know the *shape* of that data. ``tracker.playbook.loader`` reads and
validates the files into them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from tracker.playbook.advisor import AdvisorRules
from tracker.playbook.peaks import PeakRule
from tracker.playbook.readiness import ReadinessRule

MODELS = ("pop", "full_managed")
STORE_TYPES = ("local", "cross_border")
# The one phase whose work may fall due before the store opens (seeds/phases.toml).
PRE_LAUNCH = "pre_launch"
STORE_ANCHORS = ("opened_on", "inspection_ends_on")
# A peak's day, its warm-up start, and the last day of its campaign or season.
PEAK_ANCHORS = ("peak", "warmup", "end")
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
# The recurring playbook task a day's live ticks off (seeds/playbooks/pop.toml).
DAILY_LIVE_TASK = "live.daily"
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
    # The official account's region must be the shop's.
    official_region_must_match: bool = True
    # An account can be unlinked only this long after it was linked.
    unlink_after_hours: int = 0
    # How many times the official account may be unlinked (None: no limit known).
    official_unlinks_max: int | None = None


@dataclass(frozen=True)
class LiveRule:
    """The live-stream cadence a store aims for, and what counts as a day's live."""

    target_per_week: int
    min_minutes: int
    # When, in the store's zone, to warn that a day is about to pass without a live.
    remind_at: time
    sourced: Sourced


@dataclass(frozen=True)
class ChineseHeldRule:
    """A licence from the market's own country is cross-border when Chinese shareholders
    hold more than this share (the guide's "cross-border merchants with U.S. entities")."""

    more_than_percent: float
    sourced: Sourced


@dataclass(frozen=True)
class ProbationRule:
    """A new store's daily order cap while on probation, by store type (its first tier)."""

    daily_orders: Mapping[str, int]
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
    chinese_held: ChineseHeldRule | None = None
    # Graduating from the inspection also takes this many orders (cross-border stores).
    inspection_cross_border_orders: int | None = None
    probation: ProbationRule | None = None


@dataclass(frozen=True)
class Offer:
    """One row of where a model is offered: markets, categories, entities."""

    markets: frozenset[str]
    categories: frozenset[str]
    invitation_categories: frozenset[str]
    entities: frozenset[str] | None
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
class FullManagedSupply:
    """How a fully managed store's stock travels: to the platform's receiving warehouse,
    then on with the platform's own freight."""

    # The name a plan gives the seller's leg (not a market freight mode).
    freight_mode: str
    # China domestic transit to the platform's receiving warehouse.
    transit_days: int
    # The market freight mode whose longest time stands for the platform's own leg.
    platform_freight_mode: str
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
    full_managed: FullManagedSupply


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
    # Also wait for the inspection's order count, where the market has one.
    orders_target: bool = False


def market_codes(markets: Iterable[str]) -> str:
    """Market codes as the seeds' messages name them: sorted, comma-separated."""
    return ", ".join(sorted(markets))


@dataclass(frozen=True)
class MarketText:
    """What an entry says instead in some markets, where the platform's rules there differ:
    its description, its source, or both (the entry's own text stands for the rest)."""

    markets: frozenset[str]
    description: str | None = None
    source: str | None = None


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
    # Peak work that exists only when these entries of the same peak are in the plan:
    # no review of a campaign the store never registered for.
    follows: tuple[str, ...] = ()
    # A check that still matters when its date falls before the store opens: due on the
    # opening day instead, as long as this date of its peak ("warmup", "ship_by", ...)
    # is still ahead.
    while_ahead: str | None = None
    # The entry's words for markets whose rules differ (each market in one at most).
    market_texts: tuple[MarketText, ...] = ()
    file: str = ""

    def market_text(self, market: str) -> MarketText | None:
        """What the entry says instead in ``market``, if anything."""
        for text in self.market_texts:
            if market in text.markets:
                return text
        return None

    def description_in(self, market: str) -> str:
        """The description a store of ``market`` reads."""
        text = self.market_text(market)
        return text.description if text and text.description else self.description

    def source_in(self, market: str) -> str:
        """The source a store of ``market`` is shown."""
        text = self.market_text(market)
        return text.source if text and text.source else self.source

    @property
    def sources(self) -> list[str]:
        """Every source the entry shows, in any market."""
        return [self.source, *(text.source for text in self.market_texts if text.source)]

    @property
    def peak_anchored(self) -> bool:
        return self.due.anchor in PEAK_ANCHORS or self.due.anchor in STOCK_UP_ANCHORS


# --- the seeds' words in other languages (seeds/i18n/<locale>.toml) -------------------


@dataclass(frozen=True)
class EntryText:
    """One playbook entry in another language (placeholders as in the English entry)."""

    title: str
    description: str
    gate_reason: str | None = None
    # The descriptions of the entry's market texts, by their markets.
    market_descriptions: Mapping[frozenset[str], str] = field(default_factory=dict)

    def description_in(self, market: str) -> str:
        """The description a store of ``market`` reads."""
        for markets, description in self.market_descriptions.items():
            if market in markets:
                return description
        return self.description


@dataclass(frozen=True)
class GuideText:
    """A guide's name and its section headings in another language."""

    name: str
    sections: Mapping[str, str]


@dataclass(frozen=True)
class SeedTranslation:
    """Everything the seeds say, in one language."""

    locale: str
    path: Path
    # kind ("phase", "market", …, "model") -> key -> name
    names: Mapping[str, Mapping[str, str]]
    model_summaries: Mapping[str, str]
    entries: Mapping[str, EntryText]
    questions: Mapping[str, str]
    # question key -> one text per outcome, in the order of advisor.toml
    reasons: Mapping[str, tuple[str, ...]]
    tie_why: str | None
    guides: Mapping[str, GuideText] = field(default_factory=dict)
    # Where the readiness rule's thresholds come from (seeds/readiness.toml's source).
    readiness_source: str | None = None
    # A source's parts that are not guide citations (a public page, an assumption), said
    # in this language, keyed by the English part exactly as the seeds write it.
    sources: Mapping[str, str] = field(default_factory=dict)
    # Why an answer weighs nothing: the advisor's [pop_needs] text, and per question the
    # text of its outcome that counts only without them.
    pop_needs_why: str | None = None
    not_counted: Mapping[str, str] = field(default_factory=dict)

    def name(self, kind: str, key: str) -> str | None:
        """The translated name of a seed thing (``kind`` in the singular: "market")."""
        return self.names.get(kind, {}).get(key)


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
    # The guides sources cite, by file stem: the English title people read.
    guides: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # What the engine works out once for many stores (tracker/playbook/plan.py), kept with
    # the catalog it came from: a catalog loaded again (new seeds) starts with none. A copy
    # with other entries (``dataclasses.replace``) shares it; what is kept says what it is for.
    shared: dict[Any, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    def entry(self, key: str) -> Entry:
        return self._entries_by_key[key]

    def described_apart(self, key: str, market: str) -> bool:
        """Whether the entry ``key`` (if any) has a description of its own in ``market``."""
        entry = self._entries_by_key.get(key)
        text = entry.market_text(market) if entry is not None else None
        return text is not None and text.description is not None

    @functools.cached_property
    def stock_up_keys(self) -> frozenset[str]:
        """The entries dated from a stock-up deadline (order, ship or arrive by)."""
        return frozenset(e.key for e in self.entries if e.due.anchor in STOCK_UP_ANCHORS)

    @functools.cached_property
    def _entries_by_key(self) -> dict[str, Entry]:
        return {entry.key: entry for entry in self.entries}
