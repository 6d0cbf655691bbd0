"""The readiness rule: how done a store is with onboarding and with each coming peak.

Plain values in, plain values out: the app counts the tasks (in SQL), this
module says what the counts mean. The thresholds are data (``seeds/readiness.toml``)
and :meth:`ReadinessRule.statements` words the rule for the pages, so what
a manager reads is what is applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields, validate

from tracker.playbook.phrases import Phrase, phrase, phrase_plural
from tracker.playbook.seeds import SeedError, load_with, read_toml

# Best first; a store's status is the worst of its scopes'.
STATUSES = ("ready", "at_risk", "not_ready")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Threshold:
    """Less than ``below_percent`` done with ``within_days`` days or fewer left."""

    below_percent: int
    within_days: int

    def holds(self, percent: int, days_left: int | None) -> bool:
        return (
            days_left is not None
            and days_left <= self.within_days
            and (percent < self.below_percent)
        )


@dataclass(frozen=True)
class ReadinessRule:
    onboarding_phases: tuple[str, ...]
    critical_weight: int
    not_ready: Threshold
    at_risk: Threshold
    source: str
    checked_on: date
    # When managers get the weekly report, in their own zone (0 = Monday).
    report_weekday: int = 0
    report_at: time = time(9, 0)

    def statements(self) -> list[tuple[str, Phrase]]:
        """The rule in words, status by status, as the pages show it."""
        return [
            (
                "not_ready",
                phrase(
                    "a critical task is overdue, or a stock-up deadline (order, ship or arrive "
                    "by) has passed undone, or less than %(percent)d%% is done with %(days)d "
                    "days or fewer left",
                    percent=self.not_ready.below_percent,
                    days=self.not_ready.within_days,
                ),
            ),
            (
                "at_risk",
                phrase(
                    "any task is overdue, or less than %(percent)d%% is done with %(days)d "
                    "days or fewer left",
                    percent=self.at_risk.below_percent,
                    days=self.at_risk.within_days,
                ),
            ),
            ("ready", phrase("otherwise: nothing overdue and enough done for the days left")),
        ]

    def counting(self) -> list[Phrase]:
        """What the percentages count, in words."""
        return [
            phrase(
                "Onboarding counts the tasks of the before-launch and onboarding phases; a "
                "peak counts its own tasks due on or before its date (campaign work and the "
                "stock-up deadlines)."
            ),
            phrase(
                "Percent done is weighted: a critical task counts %(weight)d, any other task "
                "1. Retired tasks and missed occurrences do not count.",
                weight=self.critical_weight,
            ),
            phrase(
                "Days left: onboarding to its last due date; a peak to its warm-up start "
                "while that is ahead, then to the peak's date."
            ),
            phrase(
                "A store's status is the worst of its onboarding and its coming peaks. "
                "Overdue work of other phases (growth, routine) is in the overdue count but "
                "does not change the status."
            ),
        ]


@dataclass(frozen=True)
class Tally:
    """The counts of one scope (onboarding, or one peak) of one store on its own today."""

    total: int = 0
    done: int = 0
    weight_total: int = 0
    weight_done: int = 0
    overdue: int = 0  # all of them
    critical_overdue: int = 0  # critical, stock-up deadlines apart
    stock_up_overdue: int = 0  # passed stock-up deadlines
    days_left: int | None = None

    @property
    def percent(self) -> int:
        """The weighted share done, rounded down (99.6% is not yet 100%); empty is 100."""
        if self.weight_total == 0:
            return 100
        return math.floor(100 * self.weight_done / self.weight_total)


@dataclass(frozen=True)
class Assessment:
    status: str
    percent: int
    reasons: tuple[Phrase, ...]


def assess(tally: Tally, rule: ReadinessRule) -> Assessment:
    """Apply the rule to one scope's counts: the status and every reason behind it."""
    percent = tally.percent
    not_ready: list[Phrase] = []
    at_risk: list[Phrase] = []
    if tally.critical_overdue:
        not_ready.append(
            phrase_plural(
                "%(num)d critical task overdue",
                "%(num)d critical tasks overdue",
                tally.critical_overdue,
            )
        )
    if tally.stock_up_overdue:
        not_ready.append(
            phrase_plural(
                "%(num)d stock-up deadline passed undone",
                "%(num)d stock-up deadlines passed undone",
                tally.stock_up_overdue,
            )
        )
    if rule.not_ready.holds(percent, tally.days_left):
        not_ready.append(_short_of(percent, tally.days_left, rule.not_ready))
    other_overdue = tally.overdue - tally.critical_overdue - tally.stock_up_overdue
    if other_overdue > 0 and not_ready:
        at_risk.append(
            phrase_plural(
                "%(num)d other task overdue", "%(num)d other tasks overdue", other_overdue
            )
        )
    elif other_overdue > 0:
        at_risk.append(
            phrase_plural("%(num)d task overdue", "%(num)d tasks overdue", other_overdue)
        )
    if not not_ready and rule.at_risk.holds(percent, tally.days_left):
        at_risk.append(_short_of(percent, tally.days_left, rule.at_risk))
    if not_ready:
        return Assessment("not_ready", percent, tuple(not_ready + at_risk))
    if at_risk:
        return Assessment("at_risk", percent, tuple(at_risk))
    return Assessment("ready", percent, ())


def worst(*statuses: str) -> str:
    """The worst of some statuses (``ready`` when given none)."""
    return max(statuses, key=STATUSES.index, default="ready")


def _short_of(percent: int, days_left: int | None, threshold: Threshold) -> Phrase:
    if days_left is not None and days_left < 0:
        return phrase(
            "%(percent)d%% done with its last day passed (under %(below)d%% with %(within)d "
            "days or fewer left)",
            percent=percent,
            below=threshold.below_percent,
            within=threshold.within_days,
        )
    return phrase_plural(
        "%(percent)d%% done with %(num)d day left (under %(below)d%% with %(within)d days "
        "or fewer left)",
        "%(percent)d%% done with %(num)d days left (under %(below)d%% with %(within)d days "
        "or fewer left)",
        days_left or 0,
        percent=percent,
        below=threshold.below_percent,
        within=threshold.within_days,
    )


# --- loading ----------------------------------------------------------------------------


class _ThresholdSchema(Schema):
    below_percent = fields.Integer(required=True, strict=True, validate=validate.Range(0, 100))
    within_days = fields.Integer(required=True, strict=True, validate=validate.Range(0, 365))


class _WeeklyReportSchema(Schema):
    weekday = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    at = fields.Time(required=True, format="%H:%M")


class _RuleSchema(Schema):
    onboarding_phases = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    critical_weight = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))
    not_ready = fields.Nested(_ThresholdSchema, required=True)
    at_risk = fields.Nested(_ThresholdSchema, required=True)
    weekly_report = fields.Nested(_WeeklyReportSchema, required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    checked_on = fields.Date(required=True)


def load_readiness_rule(path: Path, phases: Any) -> ReadinessRule:
    """Read the rule, checking its phases exist and its thresholds make sense together."""
    raw = load_with(_RuleSchema(), read_toml(path), path)
    unknown = [phase for phase in raw["onboarding_phases"] if phase not in phases]
    if unknown:
        raise SeedError(
            path,
            f"field 'onboarding_phases': unknown phase {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(phases)})",
        )
    not_ready, at_risk = Threshold(**raw["not_ready"]), Threshold(**raw["at_risk"])
    if not_ready.below_percent > at_risk.below_percent:
        raise SeedError(
            path,
            "field 'not_ready.below_percent': must not be above 'at_risk.below_percent' "
            f"({not_ready.below_percent} > {at_risk.below_percent})",
        )
    return ReadinessRule(
        onboarding_phases=tuple(raw["onboarding_phases"]),
        critical_weight=raw["critical_weight"],
        not_ready=not_ready,
        at_risk=at_risk,
        source=raw["source"],
        checked_on=raw["checked_on"],
        report_weekday=WEEKDAYS.index(raw["weekly_report"]["weekday"]),
        report_at=raw["weekly_report"]["at"],
    )
