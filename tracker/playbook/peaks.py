"""Peak calendar: turn the peak rules in ``seeds/peaks.toml`` into dated peaks for a market."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
from hijridate import Gregorian, Hijri
from hijridate.ummalqura import GREGORIAN_RANGE
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from tracker.playbook.seeds import SeedError, StrictBool, load_with, read_toml

STORE_TYPES = frozenset({"local", "cross_border"})

# The `lunar_new_year` rule: the first day of the Spring Festival, not the eve before it.
_LUNAR_NEW_YEAR = ("CN", "Chinese New Year (Spring Festival)")


def _full_years(first: tuple[int, int, int], last: tuple[int, int, int]) -> range:
    """Return the Gregorian years lying wholly between two (year, month, day) bounds."""
    return range(first[0] + (first[1:] != (1, 1)), last[0] + (last[1:] == (12, 31)))


def _computable_years() -> range:
    hijri = _full_years(*GREGORIAN_RANGE)  # Umm al-Qura tables, 1343–1500 AH
    lunar = holidays.country_holidays(_LUNAR_NEW_YEAR[0])
    return range(max(hijri.start, lunar.start_year), min(hijri.stop, lunar.end_year + 1))


# One year of margin on each side: a peak shifted by `days_after` across New Year is found
# from its anchor in the neighbouring year, which must be computable too.
_COMPUTABLE_YEARS = _computable_years()
SUPPORTED_YEARS = range(_COMPUTABLE_YEARS.start + 1, _COMPUTABLE_YEARS.stop - 1)

# `days_after` along a chain of rules stays within a year, so that neighbouring years suffice.
_MAX_SHIFT_DAYS = 365


# --- Rules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayDate:
    """A public holiday as the `holidays` library names it, shifted by some days.

    ``exact``: the name must be the holiday's whole name (the library's "(estimated)"
    mark aside), so "Eid al-Fitr" is not its eve, second day or extra day off.
    """

    country: str
    named: str
    days_after: int = 0
    exact: bool = False


@dataclass(frozen=True)
class NthWeekday:
    """The nth weekday of a month, e.g. the second Monday of July."""

    month: int
    weekday: int  # Monday = 0
    nth: int


@dataclass(frozen=True)
class FixedDate:
    month: int
    day: int


@dataclass(frozen=True)
class HijriDate:
    """A day of the Umm al-Qura calendar; a Gregorian year may hold it twice."""

    month: int
    day: int


@dataclass(frozen=True)
class LunarNewYear:
    pass


@dataclass(frozen=True)
class RelativeDate:
    """Some days after another peak of the same year."""

    peak: str
    days_after: int = 0


DateRule = HolidayDate | FixedDate | HijriDate | LunarNewYear | RelativeDate | NthWeekday
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class DaysBefore:
    days: int


@dataclass(frozen=True)
class SameAs:
    """The same warm-up start as another peak of the same year."""

    peak: str


WarmupRule = DaysBefore | SameAs


@dataclass(frozen=True)
class EndsAfter:
    """A campaign that runs on for some days after its peak day, or until another peak
    (the first one on or after this peak's date, so Ramadan ends at its own Eid)."""

    days_after: int = 0
    peak: str | None = None


@dataclass(frozen=True)
class PeakRule:
    key: str
    name: str
    markets: frozenset[str] | None  # None: every market
    date: DateRule
    warmup: WarmupRule
    stock_up: bool
    supply_side: bool
    store_types: frozenset[str]
    source: str
    checked_on: dt.date  # (dt.: the field ``date`` above shadows the type in this class)
    ends: EndsAfter | None = None

    def concerns(self, market: str, store_type: str | None = None) -> bool:
        """Tell whether this peak belongs in the calendar of that market (and store type)."""
        in_market = self.markets is None or market in self.markets
        return in_market and (store_type is None or store_type in self.store_types)


@dataclass(frozen=True)
class Peak:
    key: str
    name: str
    date: dt.date
    warmup_starts_on: dt.date  # (dt.: the field ``date`` shadows the type in this class)
    stock_up: bool
    supply_side: bool
    store_types: frozenset[str] = STORE_TYPES
    # The last day of its campaign or season; the peak's own date unless the rule says.
    ends_on: dt.date | None = None

    @property
    def last_day(self) -> dt.date:
        return self.ends_on or self.date

    def to_json(self) -> dict[str, str]:
        """Return the peak as `tracker peaks` prints it (and when it ends, if not that day)."""
        out = {
            "key": self.key,
            "name": self.name,
            "date": self.date.isoformat(),
            "warmup_starts_on": self.warmup_starts_on.isoformat(),
        }
        if self.last_day != self.date:
            out["ends_on"] = self.last_day.isoformat()
        return out


# --- Schemas --------------------------------------------------------------------------------


def _days() -> fields.Integer:
    return fields.Integer(strict=True, load_default=0)


class _HolidaySchema(Schema):
    holiday = fields.String(required=True)
    named = fields.String(required=True)
    days_after = _days()
    exact = StrictBool(load_default=False)

    @validates_schema
    def _known_to_library(self, data: dict[str, Any], **_: Any) -> None:
        country, named = data["holiday"], data["named"]
        try:
            calendar = holidays.country_holidays(country)
        except NotImplementedError:
            raise ValidationError(
                f"'{country}' is not a country the holidays library knows", "holiday"
            ) from None
        this_year = date.today().year
        if not _holiday_dates(country, named, this_year, data.get("exact", False)):
            raise ValidationError(
                f"{country} has no holiday named '{named}…' in {this_year}", "named"
            )
        if calendar.start_year > SUPPORTED_YEARS.start or calendar.end_year < SUPPORTED_YEARS[-1]:
            raise ValidationError(
                f"the holidays library knows {country} only for {calendar.start_year}–"
                f"{calendar.end_year}; peaks need {SUPPORTED_YEARS.start}–{SUPPORTED_YEARS[-1]}",
                "holiday",
            )

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> HolidayDate:
        return HolidayDate(data["holiday"], data["named"], data["days_after"], data["exact"])


class _NthWeekdaySchema(Schema):
    weekday = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    nth = fields.Integer(strict=True, required=True, validate=validate.Range(1, 4))
    of_month = fields.Integer(strict=True, required=True, validate=validate.Range(1, 12))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> NthWeekday:
        return NthWeekday(data["of_month"], WEEKDAYS.index(data["weekday"]), data["nth"])


class _FixedSchema(Schema):
    month = fields.Integer(strict=True, required=True)
    day = fields.Integer(strict=True, required=True)

    @validates_schema
    def _every_year(self, data: dict[str, Any], **_: Any) -> None:
        try:
            date(2001, data["month"], data["day"])  # a common year: 29 February is refused
        except ValueError:
            raise ValidationError(
                f"{data['month']}/{data['day']} is not a date in every year"
            ) from None

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> FixedDate:
        return FixedDate(data["month"], data["day"])


class _HijriSchema(Schema):
    hijri_month = fields.Integer(strict=True, required=True, validate=validate.Range(1, 12))
    # Hijri months have 29 or 30 days: a 30th would be missing in some years.
    hijri_day = fields.Integer(strict=True, required=True, validate=validate.Range(1, 29))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> HijriDate:
        return HijriDate(data["hijri_month"], data["hijri_day"])


class _LunarNewYearSchema(Schema):
    lunar_new_year = StrictBool(required=True, validate=validate.Equal(True, error="must be true"))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> LunarNewYear:
        return LunarNewYear()


class _RelativeSchema(Schema):
    peak = fields.String(required=True)
    days_after = _days()

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> RelativeDate:
        return RelativeDate(data["peak"], data["days_after"])


class _DaysBeforeSchema(Schema):
    days_before = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> DaysBefore:
        return DaysBefore(data["days_before"])


class _SameAsSchema(Schema):
    same_as = fields.String(required=True)

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> SameAs:
        return SameAs(data["same_as"])


class _EndsSchema(Schema):
    days_after = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 60))
    peak = fields.String()

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> EndsAfter:
        return EndsAfter(data["days_after"], data.get("peak"))


class _OneOf(fields.Field):
    """An inline table in exactly one of several shapes, each told apart by one key."""

    def __init__(self, shapes: Mapping[str, type[Schema]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shapes = shapes

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        keys = [key for key in self.shapes if isinstance(value, Mapping) and key in value]
        if len(keys) != 1:
            found = f" (found {' and '.join(keys)})" if keys else ""
            raise ValidationError(f"give exactly one of the keys {', '.join(self.shapes)}{found}")
        try:
            return self.shapes[keys[0]]().load(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class _Markets(fields.Field):
    """A list of market codes, or "all"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "all":
            return None
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise ValidationError('must be a list of market codes or "all"')
        return frozenset(value)


class _PeakSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    markets = _Markets(required=True)
    date = _OneOf(
        {
            "holiday": _HolidaySchema,
            "month": _FixedSchema,
            "hijri_month": _HijriSchema,
            "lunar_new_year": _LunarNewYearSchema,
            "peak": _RelativeSchema,
            "weekday": _NthWeekdaySchema,
        },
        required=True,
    )
    warmup = _OneOf({"days_before": _DaysBeforeSchema, "same_as": _SameAsSchema}, required=True)
    ends = fields.Nested(_EndsSchema)
    stock_up = StrictBool(required=True)
    supply_side = StrictBool(load_default=False)
    store_types = fields.List(
        fields.String(validate=validate.OneOf(sorted(STORE_TYPES))),
        validate=validate.Length(min=1),
        load_default=sorted(STORE_TYPES),
    )
    source = fields.String(required=True, validate=validate.Length(min=1))
    checked_on = fields.Date(
        required=True, error_messages={"invalid": "not a date: write it as YYYY-MM-DD"}
    )


class _FileSchema(Schema):
    peak = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


# --- Loading --------------------------------------------------------------------------------

_KEY = re.compile(r"[a-z][a-z0-9_]*")


def load_peak_rules(path: Path, known_markets: Collection[str]) -> dict[str, PeakRule]:
    """Read and check the peak rules file, refusing anything a calendar could not use."""
    raw = load_with(_FileSchema(), read_toml(path), path)
    rules: dict[str, PeakRule] = {}
    for key, entry in raw["peak"].items():
        if not _KEY.fullmatch(key):
            raise SeedError(path, "a peak key is lower_snake_case, like 'black_friday'", key)
        if not isinstance(entry, Mapping):
            raise SeedError(path, f"is not a table: write it as [peak.{key}]", key)
        loaded = load_with(_PeakSchema(), entry, path, key)
        unknown = sorted((loaded["markets"] or set()) - set(known_markets))
        if unknown:
            raise SeedError(
                path,
                f"field 'markets': unknown market code {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(sorted(known_markets))})",
                key,
            )
        rules[key] = PeakRule(
            key=key, **{**loaded, "store_types": frozenset(loaded["store_types"])}
        )
    for key in rules:
        chain = _follow(rules, key, path, "date.peak", lambda r: getattr(r.date, "peak", None))
        shift = sum(getattr(rules[link].date, "days_after", 0) for link in chain)
        if abs(shift) > _MAX_SHIFT_DAYS:
            raise SeedError(
                path, f"field 'date': {shift} days from its anchor date is more than a year", key
            )
        _follow(rules, key, path, "warmup.same_as", lambda r: getattr(r.warmup, "peak", None))
        ends = rules[key].ends
        if ends is not None and ends.peak is not None and ends.peak not in rules:
            raise SeedError(path, f"field 'ends.peak': there is no peak '{ends.peak}'", key)
    return rules


def _follow(
    rules: Mapping[str, PeakRule],
    key: str,
    path: Path,
    field: str,
    refers_to: Callable[[PeakRule], str | None],
) -> list[str]:
    """Return the chain of peaks that ``key`` refers through, refusing dangling ends and circles."""
    chain = [key]
    while (target := refers_to(rules[chain[-1]])) is not None:
        if target not in rules:
            raise SeedError(path, f"field '{field}': there is no peak '{target}'", chain[-1])
        if target in chain:
            circle = " → ".join([*chain[chain.index(target) :], target])
            raise SeedError(
                path, f"field '{field}': peaks refer to each other in a circle: {circle}", target
            )
        chain.append(target)
    return chain


# --- Calendar -------------------------------------------------------------------------------


# (id of the rules, market, year, store type) -> (the rules, their peaks that year): plans for
# many stores of one market ask for the same years again and again.
_YEARS: dict[tuple[int, str, int, str | None], tuple[Mapping[str, PeakRule], tuple[Peak, ...]]] = {}
_YEARS_KEPT = 4096


def peaks_in_year(
    rules: Mapping[str, PeakRule], market: str, year: int, *, store_type: str | None = None
) -> list[Peak]:
    """List the peaks of a market that fall in a Gregorian year, by date."""
    key = (id(rules), market, year, store_type)
    kept = _YEARS.get(key)
    if kept is not None and kept[0] is rules:
        return list(kept[1])
    peaks = _peaks_in_year(rules, market, year, store_type)
    if len(_YEARS) >= _YEARS_KEPT:
        _YEARS.clear()
    _YEARS[key] = (rules, tuple(peaks))
    return peaks


def _peaks_in_year(
    rules: Mapping[str, PeakRule], market: str, year: int, store_type: str | None
) -> list[Peak]:
    if year not in SUPPORTED_YEARS:
        raise ValueError(
            f"year {year} is outside the peak calendar: it covers "
            f"{SUPPORTED_YEARS.start}–{SUPPORTED_YEARS[-1]}"
        )
    peaks = [
        peak
        for rule in rules.values()
        if rule.concerns(market, store_type)
        # A peak is anchored to a year but `days_after` may carry it into the next or previous.
        for anchor_year in (year - 1, year, year + 1)
        for peak in _occurrences(rules, rule, anchor_year)
        if peak.date.year == year
    ]
    return sorted(peaks, key=lambda peak: (peak.date, peak.key))


def peaks_between(
    rules: Mapping[str, PeakRule],
    market: str,
    start: date,
    end: date,
    *,
    store_type: str | None = None,
) -> list[Peak]:
    """List the peaks of a market dated from ``start`` to ``end``, both included, by date."""
    return [
        peak
        for year in range(start.year, end.year + 1)
        for peak in peaks_in_year(rules, market, year, store_type=store_type)
        if start <= peak.date <= end
    ]


def _occurrences(rules: Mapping[str, PeakRule], rule: PeakRule, anchor_year: int) -> list[Peak]:
    return [
        Peak(
            key=rule.key,
            name=rule.name,
            date=day,
            warmup_starts_on=_warmup_starts_on(rules, rule, anchor_year, day),
            stock_up=rule.stock_up,
            supply_side=rule.supply_side,
            store_types=rule.store_types,
            ends_on=_ends_on(rules, rule, anchor_year, day),
        )
        for day in _dates(rules, rule.date, anchor_year)
    ]


def _ends_on(
    rules: Mapping[str, PeakRule], rule: PeakRule, anchor_year: int, peak_date: date
) -> date | None:
    ends = rule.ends
    if ends is None:
        return None
    start = peak_date
    if ends.peak is not None:
        other = rules[ends.peak].date
        later = [
            day
            for year in (anchor_year, anchor_year + 1)
            if year in _COMPUTABLE_YEARS
            for day in _dates(rules, other, year)
            if day >= peak_date
        ]
        if not later:
            return None
        start = min(later)
    return start + timedelta(days=ends.days_after)


def _dates(rules: Mapping[str, PeakRule], rule: DateRule, anchor_year: int) -> list[date]:
    match rule:
        case FixedDate(month, day):
            return [date(anchor_year, month, day)]
        case HolidayDate(country, named, days_after, exact):
            return [
                day + timedelta(days_after)
                for day in _holiday_dates(country, named, anchor_year, exact)[:1]
            ]
        case NthWeekday(month, weekday, nth):
            first = date(anchor_year, month, 1)
            return [first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))]
        case LunarNewYear():
            return list(_holiday_dates(*_LUNAR_NEW_YEAR, anchor_year)[:1])
        case HijriDate(month, day):
            return list(_hijri_dates(month, day, anchor_year))
        case RelativeDate(peak, days_after):
            return [
                day + timedelta(days_after) for day in _dates(rules, rules[peak].date, anchor_year)
            ]
    raise TypeError(f"not a date rule: {rule!r}")


def _warmup_starts_on(
    rules: Mapping[str, PeakRule], rule: PeakRule, anchor_year: int, peak_date: date
) -> date:
    match rule.warmup:
        case DaysBefore(days):
            return peak_date - timedelta(days)
        case SameAs(peak):
            other = rules[peak]
            their_dates = _dates(rules, other.date, anchor_year)
            if not their_dates:  # that peak does not happen this year: no warm-up to share
                return peak_date
            # A Hijri peak can occur twice in a year: share the warm-up of the nearer one.
            nearest = min(their_dates, key=lambda day: (abs(day - peak_date), day))
            return _warmup_starts_on(rules, other, anchor_year, nearest)
    raise TypeError(f"not a warm-up rule: {rule.warmup!r}")


_ESTIMATED = " (estimated)"


@lru_cache(maxsize=4096)
def _holiday_dates(country: str, named: str, year: int, exact: bool = False) -> tuple[date, ...]:
    """Return the dates of a named holiday in a year, earliest first (observed days follow)."""
    calendar = holidays.country_holidays(country, years=year, language="en_US")
    if not exact:
        return tuple(sorted(calendar.get_named(named, lookup="startswith")))
    return tuple(
        sorted(
            day
            for day, names in calendar.items()
            if any(name.removesuffix(_ESTIMATED) == named for name in names.split("; "))
        )
    )


@lru_cache(maxsize=4096)
def _hijri_dates(month: int, day: int, year: int) -> tuple[date, ...]:
    """Return every Gregorian date in ``year`` that is that Hijri month and day."""
    first = Gregorian(year, 1, 1).to_hijri().year
    last = Gregorian(year, 12, 31).to_hijri().year
    found = (Hijri(hijri_year, month, day).to_gregorian() for hijri_year in range(first, last + 1))
    return tuple(date(*found_on.datetuple()) for found_on in found if found_on.year == year)
