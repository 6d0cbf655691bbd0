"""Commands that read the playbooks without touching the database: plan preview, peaks, advise."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from tracker.catalog import get_catalog, market_note_for
from tracker.cli.render import render_advice_table, render_peaks_table, render_plan_table
from tracker.errors import InputError, check_json, number_or_text, whole_number_or_text
from tracker.playbook.advisor import AnswerError, advise, parse_answers
from tracker.playbook.catalog import Catalog
from tracker.playbook.peaks import SUPPORTED_YEARS, peaks_in_year
from tracker.playbook.plan import DEFAULT_HORIZON_DAYS, generate_plan
from tracker.playbook.profile import PLANNABLE_YEARS, ProfileError, parse_profile
from tracker.playbook.seeds import SeedError

MAX_HORIZON_DAYS = 3650


class BadArgument(click.ClickException):
    """A bad argument: printed as one ``Error: ...`` line, exit status 2."""

    exit_code = 2


class WholeNumber(click.ParamType):
    """A whole number written with the digits 0-9 (click's own int also takes "1_0", "٣")."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = whole_number_or_text(str(value))
        if not isinstance(number, int):
            flag = param.opts[0] if param is not None and param.opts else "value"
            raise BadArgument(f"{flag}: expected a whole number in digits 0-9, got {value!r}")
        return number


WHOLE = WholeNumber()

plan_group = AppGroup("plan", help="Work with store plans.")


def _format_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default=default,
        show_default=True,
        help="Print for a person (table) or a program (json).",
    )


def _market_code(catalog: Catalog, value: str) -> str:
    code = value.strip().upper()
    if code not in catalog.markets:
        known = ", ".join(catalog.markets)
        raise BadArgument(f"--market: unknown market {value!r} (known: {known})")
    return code


def _catalog() -> Catalog:
    try:
        return get_catalog()
    except SeedError as error:
        raise BadArgument(str(error)) from None


def _parse_date(flag: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadArgument(f"{flag}: expected a date as YYYY-MM-DD, got {value!r}") from None


@plan_group.command("preview")
@click.option("--model", required=True, help="Operating model: pop or full_managed.")
@click.option("--market", required=True, help="Market code, e.g. US, UK, SA, TH.")
@click.option("--store-type", default=None, help="local or cross_border (default: from --entity).")
@click.option("--entity", default="CN", show_default=True, help="Country of the business licence.")
@click.option(
    "--chinese-share",
    "chinese_share_percent",
    default=None,
    help="For a US entity: share held by Chinese shareholders, in %.",
)
@click.option("--category", "categories", multiple=True, help="Product category (repeatable).")
@click.option("--opened-on", required=True, help="Date the store opened, YYYY-MM-DD.")
@click.option("--inspection-ends-on", default=None, help="Last day of the inspection period.")
@click.option("--followers", default=None, help="Current follower count.")
@click.option("--freight-mode", default=None, help="Freight mode for stock-up: sea, air, ...")
@click.option("--lead-time-days", default=None, help="Freight lead time override, in days.")
@click.option("--production-days", default=None, help="Production time override, in days.")
@click.option(
    "--orders-to-date", default=None, help="Orders so far (the inspection may count them)."
)
@click.option(
    "--daily-order-limit",
    default=None,
    help="The store's daily order cap while on probation (default: the market's first tier).",
)
@click.option(
    "--today",
    "today_text",
    default=None,
    help="Plan as of this date (default: today in the market's zone).",
)
@click.option(
    "--horizon-days",
    default=str(DEFAULT_HORIZON_DAYS),
    show_default=True,
    help="How many days ahead to plan.",
)
@_format_option(default="table")
def preview_command(
    today_text: str | None, horizon_days: str, output_format: str, **fields: Any
) -> None:
    """Print the plan a store with this profile would get, without touching the database."""
    catalog = _catalog()
    raw: dict[str, Any] = {name: value for name, value in fields.items() if value not in (None, ())}
    raw["categories"] = list(fields["categories"])
    whole = (
        "followers",
        "lead_time_days",
        "production_days",
        "orders_to_date",
        "daily_order_limit",
    )
    for name in whole:
        if name in raw:
            raw[name] = _parse_int(f"--{name.replace('_', '-')}", raw[name])
    if "chinese_share_percent" in raw:
        raw["chinese_share_percent"] = _parse_number(
            "--chinese-share", raw["chinese_share_percent"]
        )
    try:
        profile = parse_profile(raw, catalog)
    except ProfileError as error:
        raise BadArgument(
            "; ".join(f"{_flag(e.field)}: {e.message}" for e in error.errors)
        ) from None

    horizon = _parse_int("--horizon-days", horizon_days)
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise BadArgument(f"--horizon-days: expected 1 to {MAX_HORIZON_DAYS}, got {horizon}")
    zone = profile.timezone or catalog.markets[profile.market].timezone
    today = _parse_date("--today", today_text) or datetime.now(ZoneInfo(zone)).date()
    _check_year("--today", today)

    plan = generate_plan(profile, catalog, today=today, horizon_days=horizon)
    if output_format == "json":
        click.echo(json.dumps(plan.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_plan_table(plan, catalog))


_FLAGS = {"categories": "--category", "chinese_share_percent": "--chinese-share"}


def _flag(field: str) -> str:
    return _FLAGS.get(field, f"--{field.replace('_', '-')}")


def _parse_int(flag: str, value: str) -> int:
    number = whole_number_or_text(str(value))  # digits 0-9 only: not "1_000" or "٣"
    if not isinstance(number, int):
        raise BadArgument(f"{flag}: expected a whole number in digits 0-9, got {value!r}")
    return number


def _parse_number(flag: str, value: str) -> float:
    number = number_or_text(str(value))
    if not isinstance(number, float):
        raise BadArgument(f"{flag}: expected a number in digits 0-9, got {value!r}")
    return number


def _check_year(flag: str, day: date) -> None:
    if day.year not in PLANNABLE_YEARS:
        raise BadArgument(
            f"{flag}: {day.isoformat()} is outside the years the peak calendar covers "
            f"({PLANNABLE_YEARS.start}–{PLANNABLE_YEARS[-1]})"
        )


@click.command("peaks")
@click.option("--market", required=True, help="Market code, e.g. US.")
@click.option("--year", required=True, help="Calendar year, e.g. 2026.")
@_format_option(default="table")
def peaks_command(market: str, year: str, output_format: str) -> None:
    """List a market's peaks in a year, with their warm-up start."""
    catalog = _catalog()
    code = _market_code(catalog, market)
    number = _parse_int("--year", year)
    if number not in SUPPORTED_YEARS:
        raise BadArgument(
            f"--year: {number} is outside the peak calendar "
            f"({SUPPORTED_YEARS.start}–{SUPPORTED_YEARS[-1]})"
        )
    peaks = peaks_in_year(catalog.peaks, code, number)
    if output_format == "json":
        click.echo(json.dumps([peak.to_json() for peak in peaks], indent=2))
    else:
        click.echo(render_peaks_table(peaks, catalog.markets[code], number))


@click.command("advise")
@click.option(
    "--answers",
    "answers_file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="JSON file of questionnaire answers, or - for standard input.",
)
@click.option("--market", default=None, help="Market code: say if it does not offer the result.")
@_format_option(default="json")
def advise_command(answers_file: IO[str], market: str | None, output_format: str) -> None:
    """Recommend an operating model from the questionnaire's answers, with the reasons."""
    catalog = _catalog()
    name = "standard input" if answers_file.name == "<stdin>" else answers_file.name
    try:
        text = answers_file.read()
        raw = json.loads(text)
        check_json(raw)  # too deep, a NUL or a lone surrogate
    except json.JSONDecodeError as error:
        raise BadArgument(f"--answers {name}: not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise BadArgument(f"--answers {name}: not UTF-8 text") from None
    except RecursionError:
        raise BadArgument(f"--answers {name}: nested too deep") from None
    except InputError as error:
        raise BadArgument(f"--answers {name}: {error}") from None
    try:
        answers = parse_answers(raw, catalog.advisor)
    except AnswerError as error:
        raise BadArgument(f"--answers {name}: {error}") from None
    code = _market_code(catalog, market) if market is not None else None
    advice = advise(answers, catalog.advisor)
    note = None
    if code is not None:
        note = market_note_for(advice, code, catalog)
    out = advice.to_json(market_note=note)
    if advice.tie:
        out["tie_break"] = {"why": catalog.advisor.tie.why, "source": catalog.advisor.tie.source}
    if output_format == "json":
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        click.echo(render_advice_table(out, catalog))
