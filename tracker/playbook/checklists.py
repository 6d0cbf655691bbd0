"""The team's own checklists: checked like playbooks, planned like playbooks.

A checklist is a company's procedure written once (a live-room preparation, a
campaign sprint) with the playbooks' anchors. Each entry becomes a playbook
:class:`~tracker.playbook.catalog.Entry` keyed ``sop.<checklist key>.<entry key>``,
so ``generate_plan`` dates, recurs, gates and scopes it exactly as it does the
platform's work. The same checks as the seeds' playbooks refuse a bad one, with
the file (or "checklist"), the entry key and the problem.

Anchors (an entry's ``anchor``):
- ``opened_on``, ``inspection_ends_on``: the store's dates;
- ``peak:<key>``, ``warmup:<key>``, ``end:<key>``: a peak's day, its warm-up start
  or its last day (``tracker peaks`` lists the keys);
- ``after:<entry key>``: the moment another entry of the same checklist is done.
  Until then the task is locked and dated from the other entry's own date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields, validate

from tracker.playbook.catalog import (
    EVERY,
    MODELS,
    PEAK_ANCHORS,
    STORE_ANCHORS,
    STORE_TYPES,
    Catalog,
    DueRule,
    Entry,
    GateRule,
    Recurrence,
)
from tracker.playbook.entries import (
    _check_entry,
    _find_cycle,
    _RecurrenceSchema,
    known_values,
)
from tracker.playbook.seeds import SeedError, StrictBool, load_with, read_toml

PREFIX = "sop"
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
KEY_MAX = 40
ENTRY_KEY_MAX = 60
MAX_ENTRIES = 100
AFTER = "after"
# Where a checklist that is not a file is said to be, in refusals.
BODY = "checklist"
_KEY = re.compile(KEY_PATTERN)
_PLAYBOOK_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class ChecklistEntry:
    """One step of a checklist, as its author wrote it."""

    key: str
    title: str
    phase: str
    anchor: str
    offset_days: int = 0
    description: str = ""
    recurrence: Recurrence | None = None
    # Other entries of the same checklist (plain keys) or playbook keys (dotted).
    depends_on: tuple[str, ...] = ()
    critical: bool = False
    assignee_id: int | None = None
    # Peak work that counts toward the peak's readiness (the default, as playbook work does).
    counts_for_readiness: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "description": self.description,
            "phase": self.phase,
            "anchor": self.anchor,
            "offset_days": self.offset_days,
            "recurrence": self.recurrence.to_json() if self.recurrence else None,
            "depends_on": list(self.depends_on),
            "critical": self.critical,
            "assignee_id": self.assignee_id,
            "counts_for_readiness": self.counts_for_readiness,
        }
        return out


@dataclass(frozen=True)
class Checklist:
    """A company's procedure: which stores it is for, and its entries."""

    key: str
    name: str
    entries: tuple[ChecklistEntry, ...]
    description: str = ""
    models: frozenset[str] | None = None
    markets: frozenset[str] | None = None
    store_types: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    # Only these stores (by id), when given; the other scopes still apply.
    store_ids: frozenset[int] | None = None
    _by_key: dict[str, ChecklistEntry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({entry.key: entry for entry in self.entries})

    def task_key(self, entry_key: str) -> str:
        """The plan's key for one of this checklist's entries."""
        return f"{PREFIX}.{self.key}.{entry_key}"

    @property
    def task_prefix(self) -> str:
        return f"{PREFIX}.{self.key}."

    def entry(self, key: str) -> ChecklistEntry:
        return self._by_key[key]

    def applies_to_store(self, store_id: int | None) -> bool:
        return self.store_ids is None or store_id in self.store_ids

    def to_json(self) -> dict[str, Any]:
        """The checklist as the API takes and gives it."""
        applies_to: dict[str, Any] = {}
        for name, value in (
            ("model", self.models),
            ("market", self.markets),
            ("store_type", self.store_types),
            ("category", self.categories),
            ("store_ids", self.store_ids),
        ):
            if value is not None:
                applies_to[name] = sorted(value)
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "applies_to": applies_to,
            "entries": [entry.to_json() for entry in self.entries],
        }


def checklist_from_json(body: Mapping[str, Any]) -> Checklist:
    """Build a checklist from its JSON form (the API's body once its types are checked)."""
    applies = body.get("applies_to") or {}

    def scope(name: str) -> frozenset[Any] | None:
        values = applies.get(name)
        return frozenset(values) if values is not None else None

    entries = []
    for raw in body.get("entries") or ():
        recurrence = raw.get("recurrence")
        entries.append(
            ChecklistEntry(
                key=raw["key"],
                title=raw["title"],
                description=raw.get("description") or "",
                phase=raw["phase"],
                anchor=raw["anchor"],
                offset_days=raw.get("offset_days") or 0,
                recurrence=(
                    Recurrence(recurrence["every"], recurrence.get("interval") or 1)
                    if recurrence
                    else None
                ),
                depends_on=tuple(raw.get("depends_on") or ()),
                critical=bool(raw.get("critical")),
                assignee_id=raw.get("assignee_id"),
                counts_for_readiness=raw.get("counts_for_readiness", True) is not False,
            )
        )
    return Checklist(
        key=body["key"],
        name=body["name"],
        description=body.get("description") or "",
        entries=tuple(entries),
        models=scope("model"),
        markets=scope("market"),
        store_types=scope("store_type"),
        categories=scope("category"),
        store_ids=scope("store_ids"),
    )


# --- checking and planning ---------------------------------------------------------------------


def parse_anchor(anchor: str) -> tuple[str, str | None]:
    """Split ``peak:black_friday`` into ("peak", "black_friday"); ``opened_on`` into (it, None)."""
    if anchor in STORE_ANCHORS:
        return anchor, None
    kind, _, name = anchor.partition(":")
    if kind in (*PEAK_ANCHORS, AFTER) and name:
        return kind, name
    raise ValueError(anchor)


def checklist_entries(
    checklist: Checklist,
    catalog: Catalog,
    *,
    version: int = 1,
    where: Path | str = BODY,
) -> tuple[Entry, ...]:
    """Check a checklist against the catalog and give its entries as playbook entries.

    Refusals are :class:`SeedError`: where (a file, or "checklist"), the entry key and
    the problem, worded as the seeds' playbooks are.
    """
    path = Path(where)
    _check_scope(path, checklist, catalog)
    if not checklist.entries:
        raise SeedError(path, "field 'entries': a checklist needs at least one entry")
    seen: set[str] = set()
    for item in checklist.entries:
        if not _KEY.match(item.key) or len(item.key) > ENTRY_KEY_MAX:
            raise SeedError(
                path, "field 'key': must be one lower-case word, like 'check_lights'", item.key
            )
        if item.key in seen:
            raise SeedError(path, "field 'key': the key is used twice in this checklist", item.key)
        seen.add(item.key)
        try:
            kind, name = parse_anchor(item.anchor)
        except ValueError:
            raise SeedError(
                path,
                f"field 'anchor': unknown anchor '{item.anchor}' (known: opened_on, "
                "inspection_ends_on, peak:<peak key>, warmup:<peak key>, end:<peak key>, "
                "after:<entry key>)",
                item.key,
            ) from None
        if kind in PEAK_ANCHORS and name not in catalog.peaks:
            raise SeedError(
                path,
                f"field 'anchor': unknown peak '{name}' (known: {', '.join(catalog.peaks)})",
                item.key,
            )
        if kind == AFTER:
            if name not in {other.key for other in checklist.entries}:
                raise SeedError(
                    path, f"field 'anchor': '{name}' names no entry of this checklist", item.key
                )
            if item.offset_days < 0:
                raise SeedError(
                    path,
                    "field 'offset_days': a step cannot fall due before the step it follows "
                    "is done",
                    item.key,
                )
            if item.recurrence is not None:
                raise SeedError(
                    path,
                    "a recurring task starts from 'opened_on' or 'inspection_ends_on'",
                    item.key,
                )
        for key in item.depends_on:
            if _PLAYBOOK_KEY.match(key):
                if key.startswith(f"{PREFIX}."):
                    raise SeedError(
                        path,
                        f"field 'depends_on': '{key}' is another checklist's; name this "
                        "checklist's entries by their own key",
                        item.key,
                    )
                try:
                    catalog.entry(key)
                except KeyError:
                    raise SeedError(
                        path, f"field 'depends_on': '{key}' names no playbook entry", item.key
                    ) from None
            elif key not in seen and key not in {other.key for other in checklist.entries}:
                raise SeedError(
                    path,
                    f"field 'depends_on': '{key}' names no entry of this checklist",
                    item.key,
                )

    entries = {
        checklist.task_key(item.key): _entry(checklist, item, version, path)
        for item in checklist.entries
    }
    cycle = _find_cycle({**{e.key: e for e in catalog.entries}, **entries})
    if cycle:
        first = next((key for key in cycle if key in entries), cycle[0])
        names = " -> ".join(key.removeprefix(checklist.task_prefix) for key in cycle)
        raise SeedError(
            path, f"dependency cycle: {names}", first.removeprefix(checklist.task_prefix)
        )
    result = tuple(_resolve_after(checklist, entries, path).values())
    for entry in result:
        try:
            _check_entry(
                path, entry, catalog.phases, catalog.markets, catalog.categories, catalog.peaks
            )
        except SeedError as error:
            raise SeedError(
                path, error.message, (error.entry or "").removeprefix(checklist.task_prefix)
            ) from None
    return result


def _check_scope(path: Path, checklist: Checklist, catalog: Catalog) -> None:
    if not _KEY.match(checklist.key) or len(checklist.key) > KEY_MAX:
        raise SeedError(path, "field 'key': must be one lower-case word, like 'live_prep'")
    known_values(path, checklist.key, "applies_to.model", checklist.models, dict.fromkeys(MODELS))
    known_values(
        path,
        checklist.key,
        "applies_to.store_type",
        checklist.store_types,
        dict.fromkeys(STORE_TYPES),
    )
    known_values(path, checklist.key, "applies_to.market", checklist.markets, catalog.markets)
    known_values(
        path, checklist.key, "applies_to.category", checklist.categories, catalog.categories
    )


def _entry(checklist: Checklist, item: ChecklistEntry, version: int, path: Path) -> Entry:
    kind, name = parse_anchor(item.anchor)
    depends = tuple(
        key if _PLAYBOOK_KEY.match(key) else checklist.task_key(key) for key in item.depends_on
    )
    waits = depends + ((checklist.task_key(name),) if kind == AFTER and name else ())
    gate = (
        GateRule(None, tuple(dict.fromkeys(waits)), False, "Waits for the steps before it.")
        if waits
        else None
    )
    return Entry(
        key=checklist.task_key(item.key),
        title=item.title,
        description=" ".join(item.description.split()) or item.title,
        phase=item.phase,
        critical=item.critical,
        source=checklist.name,
        # An "after" anchor is resolved below, from the entry it follows.
        due=DueRule("opened_on" if kind == AFTER else kind, item.offset_days),
        models=checklist.models,
        store_types=checklist.store_types,
        markets=checklist.markets,
        categories=checklist.categories,
        peaks=(name,) if kind in PEAK_ANCHORS and name else None,
        recurrence=item.recurrence,
        depends_on=depends,
        gate=gate,
        file=f"{path}#v{version}",
    )


def _resolve_after(checklist: Checklist, entries: dict[str, Entry], path: Path) -> dict[str, Entry]:
    """Date an entry anchored to another's completion from that entry's own date, plus offset.

    (The sync moves it to the day the other is done + offset once it is; see plans/sync.py.)
    Cycles were refused before: every "after" is also a gate, which the cycle check covers.
    """
    resolved: dict[str, Entry] = {}

    def resolve(item: ChecklistEntry) -> Entry:
        key = checklist.task_key(item.key)
        if key in resolved:
            return resolved[key]
        entry = entries[key]
        kind, name = parse_anchor(item.anchor)
        if kind == AFTER and name:
            base = resolve(checklist.entry(name))
            entry = _replace_due(entry, base, item.offset_days)
        resolved[key] = entry
        return entry

    for item in checklist.entries:
        resolve(item)
    return {key: resolved[key] for key in entries}


def _replace_due(entry: Entry, base: Entry, offset_days: int) -> Entry:
    from dataclasses import replace

    return replace(
        entry,
        due=DueRule(base.due.anchor, base.due.days + offset_days),
        peaks=base.peaks,
        # Follows the other step's peak: no step after a campaign step that is not planned.
        follows=(base.key,) if base.peaks is not None else (),
    )


def after_anchors(checklist: Checklist) -> dict[str, tuple[str, int]]:
    """Plan key -> (plan key of the entry it follows, days after that one is done)."""
    out = {}
    for item in checklist.entries:
        kind, name = parse_anchor(item.anchor)
        if kind == AFTER and name:
            out[checklist.task_key(item.key)] = (checklist.task_key(name), item.offset_days)
    return out


# --- TOML, in the shape of seeds/playbooks/*.toml -----------------------------------------------


class _TomlDueSchema(Schema):
    anchor = fields.String(
        data_key="from",
        required=True,
        validate=validate.OneOf((*STORE_ANCHORS, *PEAK_ANCHORS, AFTER)),
    )
    days = fields.Integer(strict=True, load_default=0, validate=validate.Range(-730, 730))


class _TomlTaskSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Regexp(r"\S", error="may not be blank"))
    description = fields.String(load_default="")
    phase = fields.String(required=True)
    critical = StrictBool(load_default=False)
    due = fields.Nested(_TomlDueSchema, required=True)
    peaks = fields.List(fields.String(), validate=validate.Length(equal=1))
    after = fields.String()
    recurrence = fields.Nested(_RecurrenceSchema)
    depends_on = fields.List(fields.String(), load_default=list)
    assignee_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    readiness = StrictBool(load_default=True)


class _TomlChecklistSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Regexp(r"\S", error="may not be blank"))
    description = fields.String(load_default="")
    models = fields.List(fields.String(), validate=validate.Length(min=1))
    markets = fields.List(fields.String(), validate=validate.Length(min=1))
    store_types = fields.List(fields.String(), validate=validate.Length(min=1))
    categories = fields.List(fields.String(), validate=validate.Length(min=1))
    store_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(min=1))


class _TomlFileSchema(Schema):
    checklist = fields.Raw(required=True)
    task = fields.List(fields.Raw(), required=True)


def read_checklist_toml(path: Path) -> dict[str, Any]:
    """Read a checklist file into the API's JSON shape; refuse a bad one as the seeds are."""
    raw = load_with(_TomlFileSchema(), read_toml(path), path)
    head = load_with(_TomlChecklistSchema(), raw["checklist"], path, entry=None)
    applies: dict[str, Any] = {}
    for toml_name, name in (
        ("models", "model"),
        ("markets", "market"),
        ("store_types", "store_type"),
        ("categories", "category"),
        ("store_ids", "store_ids"),
    ):
        if toml_name in head:
            applies[name] = head[toml_name]
    entries = []
    for index, table in enumerate(raw["task"], start=1):
        label = table.get("key") if isinstance(table, dict) else None
        label = label if isinstance(label, str) else f"#{index}"
        item = load_with(_TomlTaskSchema(), table, path, entry=label)
        anchor = item["due"]["anchor"]
        if anchor in PEAK_ANCHORS:
            if "peaks" not in item:
                raise SeedError(
                    path, f"a due date from '{anchor}' needs field 'peaks' (one peak key)", label
                )
            anchor = f"{anchor}:{item['peaks'][0]}"
        elif anchor == AFTER:
            if "after" not in item:
                raise SeedError(path, "a due date from 'after' needs field 'after'", label)
            anchor = f"{AFTER}:{item['after']}"
        elif "peaks" in item or "after" in item:
            raise SeedError(
                path, "fields 'peaks' and 'after' go with a due date from a peak or 'after'", label
            )
        recurrence = item.get("recurrence")
        entries.append(
            {
                "key": item["key"],
                "title": item["title"],
                "description": " ".join(item["description"].split()),
                "phase": item["phase"],
                "anchor": anchor,
                "offset_days": item["due"]["days"],
                "recurrence": recurrence.to_json() if recurrence else None,
                "depends_on": item["depends_on"],
                "critical": item["critical"],
                "assignee_id": item.get("assignee_id"),
                "counts_for_readiness": item["readiness"],
            }
        )
    return {
        "key": head["key"],
        "name": head["name"],
        "description": head["description"],
        "applies_to": applies,
        "entries": entries,
    }


def checklist_to_toml(checklist: Checklist) -> str:
    """Write a checklist as TOML that :func:`read_checklist_toml` reads back the same."""
    lines: list[str] = ["[checklist]", f"key = {_s(checklist.key)}", f"name = {_s(checklist.name)}"]
    if checklist.description:
        lines.append(f"description = {_s(checklist.description)}")
    for name, values in (
        ("models", checklist.models),
        ("markets", checklist.markets),
        ("store_types", checklist.store_types),
        ("categories", checklist.categories),
        ("store_ids", checklist.store_ids),
    ):
        if values is not None:
            lines.append(f"{name} = {_list(sorted(values))}")
    for item in checklist.entries:
        kind, peak_or_step = parse_anchor(item.anchor)
        lines += ["", "[[task]]", f"key = {_s(item.key)}", f"title = {_s(item.title)}"]
        if item.description:
            lines.append(f"description = {_s(item.description)}")
        lines.append(f"phase = {_s(item.phase)}")
        if kind in PEAK_ANCHORS:
            lines.append(f"peaks = {_list([peak_or_step])}")
        elif kind == AFTER:
            lines.append(f"after = {_s(peak_or_step or '')}")
        lines.append(f"due = {{ from = {_s(kind)}, days = {item.offset_days} }}")
        if item.recurrence:
            lines.append(
                f"recurrence = {{ every = {_s(item.recurrence.every)}, "
                f"interval = {item.recurrence.interval} }}"
            )
        if item.depends_on:
            lines.append(f"depends_on = {_list(item.depends_on)}")
        lines.append(f"critical = {'true' if item.critical else 'false'}")
        if item.assignee_id is not None:
            lines.append(f"assignee_id = {item.assignee_id}")
        if not item.counts_for_readiness:
            lines.append("readiness = false")
    return "\n".join(lines) + "\n"


def _s(text: str) -> str:
    # A JSON string is a valid TOML basic string for everything json.dumps escapes.
    return json.dumps(text, ensure_ascii=False)


def _list(values: Iterable[Any]) -> str:
    return "[" + ", ".join(_s(v) if isinstance(v, str) else str(v) for v in values) + "]"


__all__ = [
    "AFTER",
    "BODY",
    "EVERY",
    "PREFIX",
    "Checklist",
    "ChecklistEntry",
    "after_anchors",
    "checklist_entries",
    "checklist_from_json",
    "checklist_to_toml",
    "parse_anchor",
    "read_checklist_toml",
]


def with_entries(catalog: Catalog, entries: Iterable[Entry]) -> Catalog:
    """The catalog with checklist entries beside the playbooks' (same engine, same rules)."""
    extra = tuple(entries)
    if not extra:
        return catalog
    from dataclasses import replace

    return replace(catalog, entries=(*catalog.entries, *extra))
