"""The model advisor: score a seller's answers for self-operation (POP) or full management.

The questionnaire and its weights live in ``seeds/advisor.toml``; this module
validates that file, checks a seller's answers against it and turns them into
a recommendation whose every point is explained by an answer.

It follows the guide's logic rather than a plain vote: self-operation needs the
abilities and the money behind it (``[pop_needs]``). When an answer shows them
missing, nothing that favours POP counts, so wishes (a brand, contact with
buyers, content) choose only between the models a team can run. Some answers
count only together with missing abilities (being new abroad). With no answer
that weighs anything there is no recommendation, only the questions that decide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from tracker.playbook.phrases import Name, Names, phrase
from tracker.playbook.seeds import SeedError, StrictBool, load_with, read_toml

# The two operating models the advisor chooses between, in the order scores are shown.
MODELS = ("pop", "full_managed")

# `tracker advise` promises to understand these answers (CONTRACT.md), so a seed
# file that drops one would break the command for everyone who sends it.
PROMISED_ANSWERS = (
    "abilities",
    "financial_backing",
    "brand_goal",
    "values_interaction",
    "bulk_sales",
    "accepts_higher_cost",
    "new_to_cross_border",
    "content_capacity",
)

ANSWER_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# When an outcome counts: always, or only when POP's needs are known to be missing.
COUNTS = ("always", "without_pop_needs")
# "<guide>: <section heading>" optionally followed by ", <item number>".
SOURCE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*: \S.*?(?:, [1-9][0-9]*)?$")


@dataclass(frozen=True)
class Outcome:
    """What one answer (or range of counts) adds to a model's score, and why."""

    favours: str
    weight: int
    why: str
    source: str
    when: bool | None = None
    at_least: int | None = None
    at_most: int | None = None
    counts: str = "always"
    # Said beside the reason when it weighs nothing for that reason.
    why_not_counted: str | None = None

    def covers(self, value: bool | int, minimum: int | None, maximum: int | None) -> bool:
        """Say whether this outcome is the one for ``value``."""
        if self.when is not None:
            return value is self.when
        low = self.at_least if self.at_least is not None else minimum
        high = self.at_most if self.at_most is not None else maximum
        return (low is None or low <= value) and (high is None or value <= high)


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire and the outcomes of its answers."""

    key: str
    text: str
    kind: str  # "bool" or "count"
    outcomes: tuple[Outcome, ...]
    minimum: int | None = None
    maximum: int | None = None

    @property
    def expected(self) -> str:
        """Describe, for an error message, what a valid answer looks like."""
        if self.kind == "count":
            return phrase(
                "a whole number from %(min)s to %(max)s", min=self.minimum, max=self.maximum
            )
        return phrase("true or false")

    def check(self, value: object) -> bool | int:
        """Return ``value`` if it answers this question, else raise an AnswerError."""
        # bool is a subclass of int in Python: test it first, both ways round.
        if self.kind == "bool":
            valid = isinstance(value, bool)
        else:
            valid = (
                isinstance(value, int)
                and not isinstance(value, bool)
                and (self.minimum is None or self.minimum <= value)
                and (self.maximum is None or value <= self.maximum)
            )
        if not valid:
            raise AnswerError(
                self.key,
                phrase("expected %(what)s, got %(got)s", what=self.expected, got=_shown(value)),
            )
        return value  # type: ignore[return-value]

    def outcome_for(self, value: object) -> Outcome:
        """Return the one outcome that scores ``value``."""
        value = self.check(value)
        for outcome in self.outcomes:
            if outcome.covers(value, self.minimum, self.maximum):
                return outcome
        # Unreachable for rules that passed load_advisor_rules: coverage is checked there.
        raise AnswerError(self.key, phrase("no outcome scores %(got)s", got=_shown(value)))


@dataclass(frozen=True)
class Condition:
    """What one answer must be for self-operation to be within the team's reach."""

    when: bool | None = None
    at_least: int | None = None
    at_most: int | None = None

    def holds(self, value: bool | int) -> bool:
        if self.when is not None:
            return value is self.when
        low = self.at_least if self.at_least is not None else value
        high = self.at_most if self.at_most is not None else value
        return bool(low <= value <= high)


@dataclass(frozen=True)
class PopNeeds:
    """What the guide makes self-operation conditional on, and what a wish says without it."""

    conditions: Mapping[str, Condition]
    why_not_counted: str
    source: str

    def missing(self, answers: Mapping[str, bool | int]) -> bool:
        """Tell whether an answer shows a need missing (an unanswered one is not missing)."""
        return any(
            key in answers and not condition.holds(answers[key])
            for key, condition in self.conditions.items()
        )


@dataclass(frozen=True)
class TieBreak:
    """Which model wins when both scores are equal, and why."""

    favours: str
    why: str
    source: str


@dataclass(frozen=True)
class AdvisorRules:
    """The questionnaire, in the order it is asked, and its tie-break."""

    questions: tuple[Question, ...]
    tie: TieBreak
    pop_needs: PopNeeds

    @property
    def answer_keys(self) -> tuple[str, ...]:
        """List the answer keys in questionnaire order."""
        return tuple(question.key for question in self.questions)

    def question(self, key: str) -> Question:
        """Return the question for answer ``key``; raise KeyError if there is none."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)


@dataclass(frozen=True)
class Reason:
    """One answer's contribution to the advice."""

    answer: str
    favours: str
    why: str
    source: str
    weight: int
    # Why the answer weighs nothing here, when it does not.
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Serialise as the reason object of ``tracker advise``."""
        out: dict[str, Any] = {
            "answer": self.answer,
            "favours": self.favours,
            "why": self.why,
            "source": self.source,
            "weight": self.weight,
        }
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Advice:
    """The recommended model (None when no answer weighs anything), scores and reasons."""

    recommended: str | None
    scores: dict[str, int]
    reasons: tuple[Reason, ...]
    tie: bool
    # Unanswered questions whose answer could change the recommendation, in asking order.
    deciding_questions: tuple[str, ...] = ()

    def to_json(self, market_note: str | None = None) -> dict[str, Any]:
        """Serialise as the object ``tracker advise`` prints."""
        shown: dict[str, Any] = {
            "recommended": self.recommended,
            "scores": {model: self.scores[model] for model in MODELS},
            "reasons": [reason.to_json() for reason in self.reasons],
            "tie": self.tie,
            "deciding_questions": list(self.deciding_questions),
        }
        if market_note is not None:
            shown["market_note"] = market_note
        return shown


class AnswerError(ValueError):
    """An answer the questionnaire cannot use: which answer, what is wrong."""

    def __init__(self, key: str | None, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = "answers" if self.key is None else f"answers.{self.key}"
        return f"{where}: {self.message}"


# --- the seed file ----------------------------------------------------------


def _whole_number(**kwargs: Any) -> fields.Integer:
    return fields.Integer(
        strict=True, error_messages={"invalid": "must be a whole number"}, **kwargs
    )


def _not_blank(text: str) -> None:
    if not text.strip():
        raise ValidationError("may not be blank")


_favours = validate.OneOf(MODELS, error="must be one of {choices}, got {input!r}")
_source = validate.Regexp(
    SOURCE,
    error="must read '<guide>: <section heading>', optionally followed by ', <item number>'",
)


class OutcomeSchema(Schema):
    """One outcome: its condition, the model it favours, its weight and its reason."""

    when = StrictBool()
    at_least = _whole_number()
    at_most = _whole_number()
    favours = fields.String(required=True, validate=_favours)
    weight = _whole_number(
        required=True, validate=validate.Range(min=1, error="must be at least 1, got {input}")
    )
    why = fields.String(required=True, validate=_not_blank)
    source = fields.String(required=True, validate=_source)
    counts = fields.String(
        validate=validate.OneOf(COUNTS, error="must be one of {choices}, got {input!r}")
    )
    why_not_counted = fields.String(validate=_not_blank)

    @validates_schema
    def _says_why_it_may_not_count(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("counts", "always") != "always" and "why_not_counted" not in data:
            raise ValidationError(
                "an outcome that does not always count needs `why_not_counted`",
                "why_not_counted",
            )


class QuestionSchema(Schema):
    """One question: how it is asked, its answer type and its outcomes."""

    text = fields.String(data_key="question", required=True, validate=_not_blank)
    kind = fields.String(
        data_key="type",
        required=True,
        validate=validate.OneOf(
            ("bool", "count"), error="must be 'bool' or 'count', got {input!r}"
        ),
    )
    minimum = _whole_number(data_key="min")
    maximum = _whole_number(data_key="max")
    outcomes = fields.List(
        fields.Nested(OutcomeSchema),
        required=True,
        validate=validate.Length(min=1, error="must list at least one outcome"),
    )

    @validates_schema
    def _answers_scored_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Every possible answer must produce exactly one reason, so each answered
        # question explains itself and no answer counts twice.
        if data["kind"] == "bool":
            _check_bool_outcomes(data)
        else:
            _check_count_outcomes(data)


def _check_bool_outcomes(data: dict[str, Any]) -> None:
    problems: dict[str, Any] = {}
    for name in ("minimum", "maximum"):
        if name in data:
            label = "min" if name == "minimum" else "max"
            problems[label] = [f"a yes/no question takes no {label}"]
    per_outcome: dict[int, list[str]] = {}
    seen: dict[bool, int] = {}
    for index, outcome in enumerate(data["outcomes"]):
        if "at_least" in outcome or "at_most" in outcome:
            per_outcome.setdefault(index, []).append(
                "a yes/no question's outcome takes `when = true|false`, not at_least/at_most"
            )
        if "when" not in outcome:
            per_outcome.setdefault(index, []).append("missing `when = true|false`")
            continue
        when = outcome["when"]
        if when in seen:
            per_outcome.setdefault(index, []).append(
                f"a second outcome for {_shown(when)} (outcomes.{seen[when]} already scores it)"
            )
        seen.setdefault(when, index)
    if per_outcome:
        problems["outcomes"] = per_outcome
    if problems:
        raise ValidationError(problems)
    missing = [_shown(value) for value in (True, False) if value not in seen]
    if missing:
        raise ValidationError(f"no outcome for the answer {' or '.join(missing)}")


def _check_count_outcomes(data: dict[str, Any]) -> None:
    problems: dict[str, Any] = {}
    for name, label in (("minimum", "min"), ("maximum", "max")):
        if name not in data:
            problems[label] = ["a count question needs a min and a max"]
    if problems:
        raise ValidationError(problems)
    minimum, maximum = data["minimum"], data["maximum"]
    if minimum > maximum:
        raise ValidationError({"max": [f"is {maximum}, below min {minimum}"]})

    per_outcome: dict[int, list[str]] = {}
    spans: list[tuple[int, int, int]] = []
    for index, outcome in enumerate(data["outcomes"]):
        found: list[str] = []
        if "when" in outcome:
            found.append("a count question's outcome takes at_least/at_most, not `when`")
        if "at_least" not in outcome and "at_most" not in outcome:
            found.append("needs at_least, at_most or both")
        for bound in ("at_least", "at_most"):
            if bound in outcome and not minimum <= outcome[bound] <= maximum:
                found.append(
                    f"{bound} {outcome[bound]} is outside the question's range"
                    f" {minimum} to {maximum}"
                )
        low = outcome.get("at_least", minimum)
        high = outcome.get("at_most", maximum)
        if not found and low > high:
            found.append(f"covers no answer (at_least {low} is above at_most {high})")
        if found:
            per_outcome[index] = found
        else:
            spans.append((low, high, index))
    if per_outcome:
        raise ValidationError({"outcomes": per_outcome})

    overlaps: list[str] = []
    uncovered: list[int] = []
    for value in range(minimum, maximum + 1):
        covering = [index for low, high, index in spans if low <= value <= high]
        if not covering:
            uncovered.append(value)
        elif len(covering) > 1:
            names = " and ".join(f"outcomes.{index}" for index in covering)
            overlaps.append(f"{value} ({names})")
    messages = []
    if overlaps:
        messages.append(f"outcomes overlap at {', '.join(overlaps)}")
    if uncovered:
        messages.append(f"no outcome covers {', '.join(str(value) for value in uncovered)}")
    if messages:
        raise ValidationError(messages)


class TieSchema(Schema):
    """The tie-break: the model that wins equal scores, and why."""

    favours = fields.String(required=True, validate=_favours)
    why = fields.String(required=True, validate=_not_blank)
    source = fields.String(required=True, validate=_source)


class ConditionSchema(Schema):
    """What one answer must be: `when = true|false`, or at_least / at_most for a count."""

    when = StrictBool()
    at_least = _whole_number()
    at_most = _whole_number()

    @validates_schema
    def _one_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("when" in data) == ("at_least" in data or "at_most" in data):
            raise ValidationError("give `when`, or at_least and/or at_most")


class PopNeedsSchema(Schema):
    """What self-operation needs, by answer, and what a POP reason says without it."""

    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ConditionSchema),
        required=True,
        validate=validate.Length(min=1, error="must name at least one answer"),
    )
    why_not_counted = fields.String(required=True, validate=_not_blank)
    source = fields.String(required=True, validate=_source)


class AdvisorFileSchema(Schema):
    """The file's top level: the questions by answer key, the tie-break, what POP needs."""

    questions = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(
                ANSWER_KEY, error="answer keys are lower_snake_case, got {input!r}"
            )
        ),
        values=fields.Dict(),
        required=True,
        validate=validate.Length(min=1, error="must ask at least one question"),
    )
    tie = fields.Dict(required=True)
    pop_needs = fields.Dict(required=True)


def load_advisor_rules(path: Path) -> AdvisorRules:
    """Load and validate the advisor's questionnaire from ``path``."""
    raw = load_with(AdvisorFileSchema(), read_toml(path), path)
    questions = []
    for key, raw_question in raw["questions"].items():
        loaded = load_with(QuestionSchema(), raw_question, path, entry=key)
        questions.append(
            Question(
                key=key,
                text=loaded["text"],
                kind=loaded["kind"],
                outcomes=tuple(Outcome(**outcome) for outcome in loaded["outcomes"]),
                minimum=loaded.get("minimum"),
                maximum=loaded.get("maximum"),
            )
        )
    for key in PROMISED_ANSWERS:
        if key not in raw["questions"]:
            raise SeedError(
                path, "missing: `tracker advise` promises to understand this answer", entry=key
            )
    tie = TieBreak(**load_with(TieSchema(), raw["tie"], path, entry="tie"))
    needs = load_with(PopNeedsSchema(), raw["pop_needs"], path, entry="pop_needs")
    conditions: dict[str, Condition] = {}
    by_key = {question.key: question for question in questions}
    for key, condition in needs["answers"].items():
        question = by_key.get(key)
        if question is None:
            raise SeedError(path, f"field 'answers': no question '{key}'", entry="pop_needs")
        if (question.kind == "bool") != ("when" in condition):
            raise SeedError(
                path,
                f"field 'answers.{key}': a {'yes/no' if question.kind == 'bool' else 'count'} "
                "question takes "
                + ("`when = true|false`" if question.kind == "bool" else "at_least / at_most"),
                entry="pop_needs",
            )
        conditions[key] = Condition(**condition)
    pop_needs = PopNeeds(conditions, needs["why_not_counted"], needs["source"])
    return AdvisorRules(questions=tuple(questions), tie=tie, pop_needs=pop_needs)


# --- answers and advice -----------------------------------------------------


def parse_answers(raw: object, rules: AdvisorRules) -> dict[str, bool | int]:
    """Check answers decoded from JSON and return the known ones; null means unknown."""
    if not isinstance(raw, Mapping):
        raise AnswerError(
            None, phrase("expected a JSON object of answers, got %(got)s", got=_shown(raw))
        )
    answers: dict[str, bool | int] = {}
    for key, value in raw.items():
        try:
            question = rules.question(key)
        except KeyError:
            known = ", ".join(rules.answer_keys)
            raise AnswerError(
                str(key), phrase("unknown answer; the known answers are %(known)s", known=known)
            ) from None
        # A null answer is an unknown one: it weighs nothing, like a missing key.
        if value is not None:
            answers[key] = question.check(value)
    return answers


def advise(answers: Mapping[str, bool | int], rules: AdvisorRules) -> Advice:
    """Recommend a model the team can run, with every answer's reason and weight."""
    unknown = [key for key in answers if key not in rules.answer_keys]
    if unknown:
        known = ", ".join(rules.answer_keys)
        raise AnswerError(
            unknown[0], phrase("unknown answer; the known answers are %(known)s", known=known)
        )
    advice = _weigh(answers, rules)
    return Advice(
        recommended=advice.recommended,
        scores=advice.scores,
        reasons=advice.reasons,
        tie=advice.tie,
        deciding_questions=_deciding(answers, rules, advice.recommended),
    )


def _weigh(answers: Mapping[str, bool | int], rules: AdvisorRules) -> Advice:
    needs_missing = rules.pop_needs.missing(answers)
    scores = dict.fromkeys(MODELS, 0)
    reasons = []
    for question in rules.questions:
        value = answers.get(question.key)
        if value is None:
            continue
        outcome = question.outcome_for(value)
        weight, note = outcome.weight, None
        if needs_missing and outcome.favours == "pop":
            # Without the abilities or the money, no wish makes self-operation the advice.
            weight, note = 0, rules.pop_needs.why_not_counted
        elif outcome.counts == "without_pop_needs" and not needs_missing:
            weight, note = 0, outcome.why_not_counted
        scores[outcome.favours] += weight
        reasons.append(
            Reason(
                answer=question.key,
                favours=outcome.favours,
                why=outcome.why,
                source=outcome.source,
                weight=weight,
                note=note,
            )
        )
    if not any(scores.values()):
        return Advice(recommended=None, scores=scores, reasons=tuple(reasons), tie=False)
    best = max(scores.values())
    leaders = [model for model in MODELS if scores[model] == best]
    tie = len(leaders) > 1
    recommended = rules.tie.favours if tie else leaders[0]
    return Advice(recommended=recommended, scores=scores, reasons=tuple(reasons), tie=tie)


def _deciding(
    answers: Mapping[str, bool | int], rules: AdvisorRules, recommended: str | None
) -> tuple[str, ...]:
    """List the unanswered questions one of whose answers would change the recommendation."""
    return tuple(
        question.key
        for question in rules.questions
        if question.key not in answers
        and any(
            _weigh({**answers, question.key: value}, rules).recommended != recommended
            for value in _possible(question)
        )
    )


def _possible(question: Question) -> list[bool | int]:
    if question.kind == "bool":
        return [True, False]
    return list(range(question.minimum or 0, (question.maximum or 0) + 1))


def market_note(
    advice: Advice,
    market: str,
    offered_in: Mapping[str, Collection[str]],
    market_names: Mapping[str, str],
    model_names: Mapping[str, str],
) -> str | None:
    """Say when the guides do not offer the recommended model in ``market``; else None."""
    market = market.strip().upper()
    recommended = advice.recommended
    if recommended is None or market in offered_in.get(recommended, ()):
        return None
    place = Name("market", market, market_names.get(market, market))
    chosen = Name("model", recommended, model_names.get(recommended, recommended))
    alternatives = [model for model in MODELS if model != recommended]
    offered = [model for model in alternatives if market in offered_in.get(model, ())]

    def named(models: list[str], joiner: str, style: str) -> Names:
        items = [Name("model", model, model_names.get(model, model)) for model in models]
        return Names(items, joiner.join(items), style=style)

    if offered:
        return phrase(
            "%(chosen)s is not offered in %(market)s according to the guides; "
            "%(others)s is, so consider it for this market.",
            chosen=chosen,
            market=place,
            others=named(offered, " or ", "or"),
        )
    return phrase(
        "%(chosen)s is not offered in %(market)s according to the guides, "
        "and neither is %(others)s.",
        chosen=chosen,
        market=place,
        others=named(alternatives, " nor ", "or"),
    )


def _shown(value: object) -> str:
    """Render a value as the user wrote it in JSON, cut short if long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
