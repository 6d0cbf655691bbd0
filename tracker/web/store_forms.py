"""Read the store wizard's form into the raw values the services check.

The form sends text; the services check types and rules. Here we only turn
blank fields into "not given" and whole numbers into numbers, leaving
anything unreadable as text so the check names the field.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from tracker.errors import number_or_text, whole_number_or_text
from tracker.playbook.advisor import AdvisorRules, parse_answers

_TEXT = (
    "name",
    "model",
    "market",
    "store_type",
    "entity",
    "opened_on",
    "inspection_ends_on",
    "timezone",
    "freight_mode",
)
_WHOLE = (
    "followers",
    "follower_target",
    "lead_time_days",
    "production_days",
    "inbound_buffer_days",
    "inspection_days",
    "orders_to_date",
    "daily_order_limit",
)
_DECIMAL = ("chinese_share_percent",)
_OPTIONAL = (
    "store_type",
    "inspection_ends_on",
    "timezone",
    "freight_mode",
    "follower_target",
    "lead_time_days",
    "production_days",
    "inbound_buffer_days",
    "inspection_days",
    "chinese_share_percent",
    "orders_to_date",
    "daily_order_limit",
)


def store_fields(form: MultiDict[str, str], *, blank_clears: bool = False) -> dict[str, Any]:
    """Return the store fields the form filled in.

    With ``blank_clears`` (the edit page), an optional field left blank is sent
    as null, which clears it, instead of being left out, which keeps it.
    """
    raw: dict[str, Any] = {}
    if blank_clears:
        for name in _OPTIONAL:
            if name in form and not form.get(name, "").strip():
                raw[name] = None
    for name in _TEXT:
        value = form.get(name, "").strip()
        if value:
            raw[name] = value
    if "name" not in raw:
        raw["name"] = ""
    raw["categories"] = [c for c in form.getlist("categories") if c.strip()]
    for name in _WHOLE:
        value = form.get(name, "").strip()
        if value:
            raw[name] = whole_number_or_text(value)
    for name in _DECIMAL:
        value = form.get(name, "").strip()
        if value:
            raw[name] = number_or_text(value)
    return raw


def overrides_from(form: MultiDict[str, str]) -> dict[str, str]:
    """Return ``{warning code: reason}`` for each warning the manager chose to override."""
    return {
        code: form.get(f"override_{code}_reason", "")
        for code in form.getlist("override")
        if code.strip()
    }


def advisor_answers(form: MultiDict[str, str], rules: AdvisorRules) -> dict[str, bool | int]:
    """Read the "help me choose" answers; blank means unknown. Raise AnswerError naming one."""
    raw: dict[str, Any] = {}
    for question in rules.questions:
        value = form.get(f"answer_{question.key}", "").strip()
        if not value:
            continue
        if question.kind == "bool":
            raw[question.key] = {"yes": True, "no": False}.get(value, value)
        else:
            raw[question.key] = whole_number_or_text(value)
    return parse_answers(raw, rules)
