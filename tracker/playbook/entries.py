"""Playbook entries: read each ``[[task]]`` table, check it, and check them together.

The seeds' playbooks (``seeds/playbooks/*.toml``) go through here, so any other file
in the same shape gets the same refusals: the file, the entry key and the problem.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from tracker.playbook.catalog import (
    ANCHORS,
    CONDITIONS,
    EVENT_ANCHOR,
    EVERY,
    MODELS,
    PEAK_ANCHORS,
    PRE_LAUNCH,
    STOCK_UP_ANCHORS,
    STOCK_UP_PEAKS,
    STORE_ANCHORS,
    STORE_TYPES,
    TRIGGERS,
    DueRule,
    Entry,
    GateRule,
    Market,
    MarketText,
    Phase,
    Recurrence,
    market_codes,
)
from tracker.playbook.peaks import PeakRule
from tracker.playbook.seeds import SeedError, StrictBool, display_path, load_with, read_toml

SOURCE_MAX = 300


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
    orders_target = StrictBool(load_default=False)
    reason = fields.String(required=True, validate=validate.Length(min=1))

    @validates_schema
    def _has_a_condition(self, data: Mapping[str, Any], **_: Any) -> None:
        if not (data.get("after") or data.get("tasks") or data.get("follower_target")):
            raise ValidationError("a gate needs 'after', 'tasks' or 'follower_target'")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> GateRule:
        return GateRule(
            data["after"],
            tuple(data["tasks"]),
            data["follower_target"],
            data["reason"],
            data["orders_target"],
        )


def _set_of(choices: tuple[str, ...] | None = None) -> fields.List:
    inner = fields.String(validate=validate.OneOf(choices)) if choices else fields.String()
    return fields.List(inner, validate=validate.Length(min=1))


_NOT_BLANK = validate.Regexp(r"\s*\S", error="may not be blank")  # match() reads from the start


def _each_once(values: list[str]) -> None:
    twice = sorted({value for value in values if values.count(value) > 1})
    if twice:
        raise ValidationError(f"names {', '.join(twice)} twice")


_SOURCE = [validate.Length(min=1, max=SOURCE_MAX), _NOT_BLANK]


class _MarketTextSchema(Schema):
    markets = fields.List(
        fields.String(), required=True, validate=[validate.Length(min=1), _each_once]
    )
    description = fields.String(validate=_NOT_BLANK)
    source = fields.String(validate=_SOURCE)

    @validates_schema
    def _says_something(self, data: Mapping[str, Any], **_: Any) -> None:
        if "description" not in data and "source" not in data:
            raise ValidationError("give a 'description', a 'source' or both")

    @post_load
    def _make(self, data: dict[str, Any], **_: Any) -> MarketText:
        description = data.get("description")
        return MarketText(
            markets=frozenset(data["markets"]),
            description=" ".join(description.split()) if description else None,
            source=data.get("source"),
        )


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
    # A planned task keeps its source beside it, in up to 300 characters.
    source = fields.String(required=True, validate=_SOURCE)
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
    follows = fields.List(fields.String(), validate=validate.Length(min=1))
    while_ahead = fields.String(validate=validate.OneOf((*PEAK_ANCHORS, *STOCK_UP_ANCHORS)))
    # Where a market's rules differ: its own description and source (seeds/README.md).
    market_text = fields.List(fields.Nested(_MarketTextSchema), validate=validate.Length(min=1))


class _PlaybookFileSchema(Schema):
    task = fields.List(fields.Raw(), required=True)


def known_values(path: Path, entry: str, field: str, values: Any, known: Mapping[str, Any]) -> None:
    for value in values or ():
        if value not in known:
            raise SeedError(
                path, f"field '{field}': unknown value '{value}' (known: {', '.join(known)})", entry
            )


def load_playbooks(
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
        follows=tuple(item.get("follows", ())),
        while_ahead=item.get("while_ahead"),
        market_texts=tuple(item.get("market_text", ())),
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
    known_values(path, entry.key, "markets", entry.markets, markets)
    known_values(path, entry.key, "categories", entry.categories, categories)
    _check_market_texts(path, entry, markets)

    anchor = entry.due.anchor
    if entry.peak_anchored != (entry.peaks is not None):
        refuse(
            "a due date from a peak ("
            + ", ".join(f"'{a}'" for a in (*PEAK_ANCHORS, *STOCK_UP_ANCHORS))
            + ") and field 'peaks' go together"
        )
    if isinstance(entry.peaks, tuple):
        for key in entry.peaks:
            if key not in peaks:
                refuse(f"field 'peaks': unknown peak '{key}' (known: {', '.join(peaks)})")
    if anchor in STOCK_UP_ANCHORS and isinstance(entry.peaks, tuple):
        plain = [key for key in entry.peaks if not (peaks[key].stock_up or peaks[key].supply_side)]
        if plain:
            refuse(
                f"stock-up deadlines exist only for stock-up and supply-side peaks, not "
                f"'{plain[0]}'"
            )
    if (anchor == EVENT_ANCHOR) != (entry.trigger is not None):
        refuse("field 'trigger' and a due date from the 'event' go together")
    if anchor == EVENT_ANCHOR and entry.due.days < 0:
        refuse("a triggered task cannot fall due before the event that creates it")
    if entry.due.hours and anchor != EVENT_ANCHOR:
        refuse("field 'due.hours' is only for triggered tasks")
    if entry.recurrence and anchor not in STORE_ANCHORS:
        refuse("a recurring task starts from 'opened_on' or 'inspection_ends_on'")
    if anchor in STORE_ANCHORS and entry.due.days < 0 and entry.phase != PRE_LAUNCH:
        refuse(f"only a '{PRE_LAUNCH}' task may fall due before its anchor date")
    if entry.key in entry.depends_on:
        refuse("field 'depends_on': a task cannot depend on itself")
    if (entry.follows or entry.while_ahead) and entry.peaks is None:
        refuse("fields 'follows' and 'while_ahead' are for peak work (a due date from a peak)")
    if entry.key in entry.follows:
        refuse("field 'follows': a task cannot follow itself")

    allowed = set(_TITLE_FIELDS)
    if entry.peaks is None:
        allowed -= {"peak", "year"}
    if "invitation_category" not in entry.conditions:
        allowed.discard("invitation_categories")
    for field, text in (("title", entry.title), ("description", entry.description)):
        _check_placeholders(path, entry.key, field, text, allowed)
    for market_text in entry.market_texts:
        if market_text.description:
            field = f"market_text[{market_codes(market_text.markets)}].description"
            _check_placeholders(path, entry.key, field, market_text.description, allowed)
    if entry.gate:
        _check_placeholders(path, entry.key, "gate.reason", entry.gate.reason, _GATE_FIELDS)


def _check_market_texts(path: Path, entry: Entry, markets: Mapping[str, Market]) -> None:
    """Each market text names known markets the entry is for, each market in one text."""
    seen: set[str] = set()
    for text in entry.market_texts:
        field = f"market_text[{market_codes(text.markets)}].markets"
        known_values(path, entry.key, field, sorted(text.markets), markets)
        if entry.markets is not None and not text.markets <= entry.markets:
            outside = market_codes(text.markets - entry.markets)
            raise SeedError(
                path,
                f"field '{field}': the entry is not for {outside} "
                f"(its markets: {market_codes(entry.markets)})",
                entry.key,
            )
        twice = text.markets & seen
        if twice:
            raise SeedError(
                path, f"field '{field}': {market_codes(twice)} has two texts", entry.key
            )
        seen |= text.markets
    every = entry.markets or set(markets)
    for name in ("description", "source"):
        told = {m for text in entry.market_texts if getattr(text, name) for m in text.markets}
        if told and told >= every:
            raise SeedError(
                path,
                f"field 'market_text': every market the entry is for has its own {name}, so "
                f"the entry's own is read nowhere (leave one market to it)",
                entry.key,
            )


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
        named += [("follows", key) for key in entry.follows]
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
    # `follows` is not an order of work (a check may come before what it goes with).
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
