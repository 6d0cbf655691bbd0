"""The ``tracker`` command line as an outside check sees it: processes, output, exit codes.

Every test runs the installed console script in a scratch folder, with the
scheduler off and a fixed secret key, so nothing is written to the project.
Outputs several tests read are produced once per module to keep the number of
processes down.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

TRACKER = Path(sys.executable).with_name("tracker")
TIMEOUT_SECONDS = 60

TASK_KEYS = {
    "key",
    "title",
    "phase",
    "due_on",
    "recurrence",
    "depends_on",
    "gate",
    "peak",
    "critical",
    "source",
}
RECURRENCE_UNITS = {"day", "week", "month", "quarter"}
MODELS = {"pop", "full_managed"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The profile most tests plan for: a Chinese seller's self-operated US store.
TODAY = date(2026, 9, 10)
INSPECTION_ENDS_ON = date(2026, 10, 15)
US_PLAN = (
    "plan",
    "preview",
    "--model",
    "pop",
    "--market",
    "US",
    "--opened-on",
    "2026-09-01",
    "--inspection-ends-on",
    INSPECTION_ENDS_ON.isoformat(),
    "--today",
    TODAY.isoformat(),
)
PLAN = ("plan", "preview", "--model", "pop", "--market", "US", "--opened-on", "2026-09-01")

# The phase headings of the table, as the seeds name the phases.
PHASE_HEADINGS = {
    "Before launch": "pre_launch",
    "Onboarding": "onboarding",
    "Growth": "growth",
    "Routine": "routine",
    "Peaks and campaigns": "peak",
}

Run = Callable[..., subprocess.CompletedProcess[str]]


def _env() -> dict[str, str]:
    # Drop settings the caller's shell may carry, so every run sees the same app.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FLASK_", "TRACKER_"))
        and name not in ("DATABASE_URL", "SECRET_KEY")
    }
    env.update(TRACKER_SCHEDULER="off", SECRET_KEY="cli-tests-secret-key-0123456789abcdef")
    return env


def _runner(cwd: Path) -> Run:
    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(TRACKER), *args],
            cwd=cwd,
            env=_env(),
            input=input,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )

    return run


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run ``tracker ARGS...`` in the test's scratch folder and return the finished process."""
    return _runner(tmp_path)


@pytest.fixture(scope="module")
def run_shared(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same runner for module-scoped outputs several tests read."""
    return _runner(tmp_path_factory.mktemp("cli"))


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    """Check that the command succeeded quietly and return the JSON it printed."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def ok_text(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def by_key(plan: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [task for task in plan["tasks"] if task["key"] == key]


def warning_codes(plan: dict[str, Any]) -> list[str]:
    return [warning["code"] for warning in plan["warnings"]]


@pytest.fixture(scope="module")
def us_plan_result(run_shared: Run) -> subprocess.CompletedProcess[str]:
    return run_shared(*US_PLAN, "--format", "json")


@pytest.fixture(scope="module")
def us_plan(us_plan_result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return ok_json(us_plan_result)


@pytest.fixture(scope="module")
def us_table(run_shared: Run) -> str:
    return ok_text(run_shared(*US_PLAN))


@pytest.fixture(scope="module")
def us_peaks_2026(run_shared: Run) -> list[dict[str, Any]]:
    return ok_json(run_shared("peaks", "--market", "US", "--year", "2026", "--format", "json"))


# --- plan preview --format json -----------------------------------------------------------------


def test_plan_preview_json_is_one_object_with_store_warnings_and_tasks(us_plan_result):
    assert us_plan_result.returncode == 0, us_plan_result.stderr
    assert us_plan_result.stderr == ""
    plan = json.loads(us_plan_result.stdout)
    assert isinstance(plan, dict)
    assert {"store", "warnings", "tasks"} <= plan.keys()
    assert isinstance(plan["store"], dict)
    assert isinstance(plan["warnings"], list)
    assert isinstance(plan["tasks"], list)
    assert plan["tasks"], "a new US store has work to do"
    for warning in plan["warnings"]:
        assert isinstance(warning["code"], str) and warning["code"]
        assert isinstance(warning["message"], str) and warning["message"]


def test_plan_preview_echoes_the_profile_it_planned_for(us_plan):
    store = us_plan["store"]
    assert store["model"] == "pop"
    assert store["market"] == "US"
    assert store["entity"] == "CN"
    assert store["inspection_ends_on"] == INSPECTION_ENDS_ON.isoformat()


def test_every_planned_task_has_the_contract_fields_with_their_types(us_plan, us_peaks_2026):
    peak_keys = {peak["key"] for peak in us_peaks_2026}
    for task in us_plan["tasks"]:
        assert task.keys() >= TASK_KEYS, task
        assert isinstance(task["key"], str) and task["key"], task
        assert isinstance(task["title"], str) and task["title"], task
        assert isinstance(task["phase"], str) and task["phase"] in PHASE_HEADINGS.values(), task
        assert ISO_DATE.match(task["due_on"]), task
        date.fromisoformat(task["due_on"])
        recurrence = task["recurrence"]
        if recurrence is not None:
            assert recurrence["every"] in RECURRENCE_UNITS, task
            assert type(recurrence["interval"]) is int and recurrence["interval"] >= 1, task
        assert isinstance(task["depends_on"], list), task
        assert all(isinstance(key, str) for key in task["depends_on"]), task
        gate = task["gate"]
        if gate is not None:
            assert isinstance(gate, dict), task
            assert isinstance(gate["reason"], str) and gate["reason"], task
        assert task["peak"] is None or task["peak"] in peak_keys, task
        assert type(task["critical"]) is bool, task
        assert isinstance(task["source"], str) and task["source"], task


def test_plan_has_recurring_tasks_and_peak_tasks(us_plan):
    assert any(task["recurrence"] for task in us_plan["tasks"])
    assert any(task["peak"] == "black_friday" for task in us_plan["tasks"])
    assert any(task["gate"] for task in us_plan["tasks"])


def test_a_chinese_licence_selling_in_the_us_is_a_cross_border_store(us_plan):
    assert us_plan["store"]["store_type"] == "cross_border"


def test_a_us_licence_selling_in_the_us_is_a_local_store(run):
    plan = ok_json(run(*US_PLAN, "--entity", "US", "--chinese-share", "0", "--format", "json"))
    assert plan["store"]["entity"] == "US"
    assert plan["store"]["store_type"] == "local"
    # TikTok Shop US is mostly local sellers: no eligibility warning for them.
    assert plan["warnings"] == []


def test_a_us_entity_mostly_chinese_held_is_a_cross_border_store_with_sea_freight(run):
    plan = ok_json(run(*US_PLAN, "--entity", "US", "--chinese-share", "60", "--format", "json"))
    assert plan["store"]["store_type"] == "cross_border"
    assert plan["store"]["freight_mode"] == "sea"
    assert "store_type_mismatch" not in warning_codes(plan)
    assert "entity_not_eligible" not in warning_codes(plan)
    assert by_key(plan, "xb.state_delivery_times")
    chosen = ok_json(
        run(
            *US_PLAN,
            "--entity",
            "US",
            "--chinese-share",
            "60",
            "--store-type",
            "cross_border",
            "--format",
            "json",
        )
    )
    assert "store_type_mismatch" not in warning_codes(chosen)


def test_the_same_profile_prints_the_same_plan_twice(run, us_plan_result, us_plan):
    again = run(*US_PLAN, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert again.stdout == us_plan_result.stdout
    keys = [task["key"] for task in json.loads(again.stdout)["tasks"]]
    assert keys == [task["key"] for task in us_plan["tasks"]]


def test_channel_accounts_are_bound_after_the_given_inspection_period(us_plan):
    (task,) = by_key(us_plan, "accounts.bind_channel")
    assert date.fromisoformat(task["due_on"]) > INSPECTION_ENDS_ON
    assert task["gate"] is not None
    assert task["gate"]["after"] == INSPECTION_ENDS_ON.isoformat()


def test_pop_in_the_uk_still_prints_the_plan_with_a_warning(run):
    plan = ok_json(
        run(
            "plan",
            "preview",
            "--model",
            "pop",
            "--market",
            "UK",
            "--opened-on",
            "2026-09-01",
            "--today",
            "2026-09-01",
            "--format",
            "json",
        )
    )
    assert "model_not_offered_in_market" in warning_codes(plan)
    assert plan["store"]["market"] == "UK"
    assert plan["tasks"]


def test_an_invitation_only_category_warns_and_adds_a_task_to_apply(run):
    plan = ok_json(
        run(
            "plan",
            "preview",
            "--model",
            "pop",
            "--market",
            "TH",
            "--category",
            "jewelry",
            "--opened-on",
            "2026-09-01",
            "--today",
            "2026-09-01",
            "--format",
            "json",
        )
    )
    assert "invitation_category" in warning_codes(plan)
    assert by_key(plan, "eligibility.apply_invitation_category")
    assert plan["store"]["categories"] == ["jewelry"]


def test_no_task_is_due_after_today_plus_the_default_horizon(us_plan):
    last_day = TODAY + timedelta(days=120)
    assert us_plan["today"] == TODAY.isoformat()
    assert max(date.fromisoformat(task["due_on"]) for task in us_plan["tasks"]) <= last_day
    # Recurring work is listed at its next occurrence, never in the past.
    for task in us_plan["tasks"]:
        if task["recurrence"]:
            assert date.fromisoformat(task["due_on"]) >= TODAY, task


def test_a_shorter_horizon_lists_only_the_tasks_due_within_it(run, us_plan):
    short = ok_json(run(*US_PLAN, "--horizon-days", "30", "--format", "json"))
    last_day = TODAY + timedelta(days=30)
    assert short["horizon_ends_on"] == last_day.isoformat()
    dated = {(task["key"], task["due_on"]) for task in short["tasks"]}
    assert all(date.fromisoformat(due_on) <= last_day for _, due_on in dated)
    expected = {
        (task["key"], task["due_on"])
        for task in us_plan["tasks"]
        if date.fromisoformat(task["due_on"]) <= last_day
    }
    assert dated == expected
    assert len(short["tasks"]) < len(us_plan["tasks"])


def test_without_today_the_plan_is_dated_today_in_the_markets_zone(run):
    before = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    plan = ok_json(run(*PLAN, "--format", "json"))
    after = datetime.now(ZoneInfo("America/Los_Angeles")).date()
    assert plan["today"] in {before.isoformat(), after.isoformat()}


# --- plan preview as a table --------------------------------------------------------------------


def relative(due_on: date, today: date) -> str:
    days = (due_on - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 0:
        return f"in {days} days"
    return "1 day overdue" if days == -1 else f"{-days} days overdue"


def sections(table: str) -> dict[str, list[str]]:
    """Split the table into its blank-line separated sections, by heading."""
    out: dict[str, list[str]] = {}
    for block in table.strip("\n").split("\n\n"):
        heading, *body = block.split("\n")
        out[heading] = body
    return out


def test_the_table_groups_tasks_under_phase_headings(us_table, us_plan):
    found = {}
    for heading, body in sections(us_table).items():
        match = re.fullmatch(r"(.+) \((\d+)\)", heading)
        if match is None or match[1] not in PHASE_HEADINGS:
            continue
        phase = PHASE_HEADINGS[match[1]]
        expected = [task["key"] for task in us_plan["tasks"] if task["phase"] == phase]
        assert int(match[2]) == len(expected), heading
        listed = [
            line.split(";")[0].strip()
            for line in body
            if re.fullmatch(r" {33}[a-z_]+\.[a-z_.]+(;.*)?", line)
        ]
        assert sorted(listed) == sorted(expected), heading
        found[match[1]] = phase
    assert {"Onboarding", "Routine"} <= found.keys()


def test_the_table_shows_each_task_with_its_date_and_how_far_off_it_is(us_table, us_plan):
    lines = us_table.splitlines()
    for task in us_plan["tasks"]:
        due_on = date.fromisoformat(task["due_on"])
        when, title = re.escape(relative(due_on, TODAY)), re.escape(task["title"])
        pattern = re.compile(rf"\s+{task['due_on']}\s+{when}\s+\*?\s*{title}")
        assert any(pattern.fullmatch(line) for line in lines), task
    assert re.search(r"\b\d+ days? overdue\b", us_table)
    assert re.search(r"\bin \d+ days\b", us_table)


def test_the_table_marks_the_ads_task_locked_and_says_why(us_table, us_plan):
    (ads,) = by_key(us_plan, "ads.launch")
    assert ads["gate"] is not None
    flat = " ".join(us_table.split())
    assert f"ads.launch LOCKED: {' '.join(ads['gate']['reason'].split())}" in flat


def test_the_table_lists_warnings_by_code(run):
    table = ok_text(
        run(
            "plan",
            "preview",
            "--model",
            "pop",
            "--market",
            "UK",
            "--opened-on",
            "2026-09-01",
            "--today",
            "2026-09-01",
        )
    )
    assert "[model_not_offered_in_market]" in table


# --- peaks -------------------------------------------------------------------------------------


def test_peaks_json_lists_key_name_date_and_warmup_sorted_by_date(us_peaks_2026):
    assert isinstance(us_peaks_2026, list) and us_peaks_2026
    for peak in us_peaks_2026:
        assert {"key", "name", "date", "warmup_starts_on"} <= peak.keys()
        assert isinstance(peak["name"], str) and peak["name"]
        assert date.fromisoformat(peak["warmup_starts_on"]) <= date.fromisoformat(peak["date"])
        assert peak["date"].startswith("2026-")
    dates = [peak["date"] for peak in us_peaks_2026]
    assert dates == sorted(dates)


def test_us_black_friday_and_cyber_monday_2026_fall_on_their_days(us_peaks_2026):
    dates = {peak["key"]: peak["date"] for peak in us_peaks_2026}
    assert dates["black_friday"] == "2026-11-27"
    assert dates["cyber_monday"] == "2026-11-30"


@pytest.mark.parametrize("market", ["US", "UK", "SA", "TH", "VN"])
def test_chinese_new_year_is_listed_for_every_market(run_shared, us_peaks_2026, market):
    peaks = (
        us_peaks_2026
        if market == "US"
        else ok_json(run_shared("peaks", "--market", market, "--year", "2026", "--format", "json"))
    )
    assert "chinese_new_year" in [peak["key"] for peak in peaks]


def test_ramadan_2027_starts_on_8_february_in_saudi_arabia(run):
    peaks = ok_json(run("peaks", "--market", "SA", "--year", "2027", "--format", "json"))
    assert {"key": "ramadan", "date": "2027-02-08"}.items() <= next(
        peak for peak in peaks if peak["key"] == "ramadan"
    ).items()


NEW_PEAKS_2027 = {
    "ID": {"ramadan": "2027-02-08", "hari_raya": "2027-03-10", "double_3": "2027-03-03"},
    "MY": {
        "ramadan": "2027-02-08",
        "hari_raya": "2027-03-10",
        "cny_sales": "2027-02-06",
        "double_7": "2027-07-07",
    },
    "VN": {"tet": "2027-02-06", "double_6": "2027-06-06"},
    "SG": {"cny_sales": "2027-02-06", "double_1": "2027-01-01"},
}


@pytest.mark.parametrize("market", sorted(NEW_PEAKS_2027))
def test_peaks_lists_each_markets_own_festivals(run_shared, market):
    peaks = ok_json(run_shared("peaks", "--market", market, "--year", "2027", "--format", "json"))
    dates = {peak["key"]: peak["date"] for peak in peaks}
    assert NEW_PEAKS_2027[market].items() <= dates.items()
    assert [peak["date"] for peak in peaks] == sorted(peak["date"] for peak in peaks)
    table = ok_text(run_shared("peaks", "--market", market, "--year", "2027"))
    assert all(day in table for day in NEW_PEAKS_2027[market].values())


def test_an_indonesian_store_gets_its_plan(run):
    plan = ok_json(
        run(
            "plan", "preview", "--model", "pop", "--market", "ID", "--entity", "ID",
            "--category", "apparel", "--opened-on", "2026-12-01", "--today", "2026-12-01",
            "--format", "json",
        )
    )  # fmt: skip
    assert plan["store"]["store_type"] == "local"
    assert plan["store"]["timezone"] == "Asia/Jakarta"
    assert set(warning_codes(plan)) <= {"peak_deadline_before_opening"}
    assert {"ramadan", "hari_raya"} <= {task["peak"] for task in plan["tasks"]}
    cross_border = ok_json(
        run(
            "plan", "preview", "--model", "pop", "--market", "ID", "--entity", "CN",
            "--opened-on", "2026-12-01", "--today", "2026-12-01", "--format", "json",
        )
    )  # fmt: skip
    assert "entity_not_eligible" in warning_codes(cross_border)


def test_peaks_table_names_each_peak_with_its_date(run, us_peaks_2026):
    table = ok_text(run("peaks", "--market", "US", "--year", "2026"))
    for peak in us_peaks_2026:
        lines = table.splitlines()
        assert any(peak["date"] in line and peak["name"] in line for line in lines), peak


# --- advise ------------------------------------------------------------------------------------

BRAND_BUILDER = {"abilities": 5, "financial_backing": True, "brand_goal": True}
NEWCOMER = {
    "abilities": 0,
    "financial_backing": False,
    "new_to_cross_border": True,
    "bulk_sales": True,
}


def check_advice(advice: dict[str, Any], answers: dict[str, Any]) -> None:
    assert advice["recommended"] in MODELS
    assert advice["scores"].keys() == MODELS
    assert all(type(score) in (int, float) for score in advice["scores"].values())
    assert advice["scores"][advice["recommended"]] == max(advice["scores"].values())
    assert advice["reasons"]
    for reason in advice["reasons"]:
        assert reason["answer"] in answers, reason
        assert reason["favours"] in MODELS, reason
        assert isinstance(reason["why"], str) and reason["why"], reason


def test_advise_reads_answers_from_a_file(run, tmp_path):
    (tmp_path / "answers.json").write_text(json.dumps(BRAND_BUILDER), encoding="utf-8")
    advice = ok_json(run("advise", "--answers", "answers.json"))
    check_advice(advice, BRAND_BUILDER)
    assert advice["recommended"] == "pop"
    assert "market_note" not in advice


def test_advise_reads_answers_from_standard_input(run):
    advice = ok_json(run("advise", "--answers", "-", input=json.dumps(NEWCOMER)))
    check_advice(advice, NEWCOMER)
    assert advice["recommended"] == "full_managed"


def test_advise_notes_when_the_market_does_not_offer_the_recommended_model(run):
    advice = ok_json(run("advise", "--answers", "-", "--market", "TH", input=json.dumps(NEWCOMER)))
    assert advice["recommended"] == "full_managed"
    assert isinstance(advice["market_note"], str) and advice["market_note"]


def test_advise_adds_no_note_when_the_market_offers_the_recommended_model(run):
    advice = ok_json(run("advise", "--answers", "-", "--market", "US", input=json.dumps(NEWCOMER)))
    assert advice["recommended"] == "full_managed"
    assert not advice.get("market_note")


def test_advise_with_no_answers_recommends_nothing_and_names_the_deciding_questions(run):
    advice = ok_json(run("advise", "--answers", "-", "--market", "TH", input="{}"))
    assert advice["recommended"] is None
    assert advice["scores"] == {"pop": 0, "full_managed": 0}
    assert advice["reasons"] == []
    assert "market_note" not in advice
    assert advice["deciding_questions"][:2] == ["abilities", "financial_backing"]
    table = ok_text(run("advise", "--answers", "-", "--format", "table", input="{}"))
    assert "abilities" in table


def test_advise_never_lets_wishes_outweigh_missing_abilities(run):
    answers = {
        "abilities": 0,
        "financial_backing": False,
        "brand_goal": True,
        "content_capacity": True,
    }
    advice = ok_json(run("advise", "--answers", "-", input=json.dumps(answers)))
    assert advice["recommended"] == "full_managed"
    assert advice["scores"]["full_managed"] > advice["scores"]["pop"]
    brand = next(reason for reason in advice["reasons"] if reason["answer"] == "brand_goal")
    assert brand["favours"] == "pop" and brand["weight"] == 0 and brand["note"]


# --- bad arguments -----------------------------------------------------------------------------

ANSWER_FILES = {
    "broken.json": "{not json",
    "unknown_key.json": json.dumps({"abilties": 3}),
    "wrong_type.json": json.dumps({"financial_backing": "yes"}),
}

BAD_ARGUMENTS = [
    pytest.param([*PLAN, "--market", "XX"], "--market", id="unknown-market"),
    pytest.param(
        ["peaks", "--market", "ZZ", "--year", "2026"], "--market", id="peaks-unknown-market"
    ),
    pytest.param([*PLAN, "--opened-on", "2026-13-01"], "--opened-on", id="malformed-opened-on"),
    pytest.param([*PLAN, "--today", "10/09/2026"], "--today", id="malformed-today"),
    pytest.param(
        [*PLAN, "--inspection-ends-on", "soon"],
        "--inspection-ends-on",
        id="malformed-inspection-end",
    ),
    pytest.param([*PLAN, "--model", "dropship"], "--model", id="unknown-model"),
    pytest.param([*PLAN, "--category", "spaceships"], "--category", id="unknown-category"),
    pytest.param([*PLAN, "--horizon-days", "ten"], "--horizon-days", id="non-numeric-horizon"),
    pytest.param([*PLAN, "--horizon-days", "0"], "--horizon-days", id="empty-horizon"),
    pytest.param([*PLAN, "--store-type", "hybrid"], "--store-type", id="unknown-store-type"),
    pytest.param([*PLAN, "--format", "xml"], "--format", id="plan-bad-format"),
    pytest.param(
        ["peaks", "--market", "US", "--year", "2026", "--format", "csv"],
        "--format",
        id="peaks-bad-format",
    ),
    pytest.param(["peaks", "--market", "US", "--year", "1850"], "--year", id="year-too-early"),
    pytest.param(["peaks", "--market", "US", "--year", "2200"], "--year", id="year-too-late"),
    pytest.param(["peaks", "--market", "US", "--year", "next"], "--year", id="year-not-a-number"),
    pytest.param(["advise", "--answers", "broken.json"], "broken.json", id="answers-not-json"),
    pytest.param(
        ["advise", "--answers", "missing.json"], "missing.json", id="answers-file-missing"
    ),
    pytest.param(["advise", "--answers", "unknown_key.json"], "abilties", id="answers-unknown-key"),
    pytest.param(
        ["advise", "--answers", "wrong_type.json"], "financial_backing", id="answers-wrong-type"
    ),
    pytest.param(
        ["advise", "--answers", "-", "--market", "XX"], "--market", id="advise-unknown-market"
    ),
    pytest.param([*PLAN[:-1], "9999-12-31"], "--opened-on", id="opened-on-past-the-calendar"),
]


@pytest.mark.parametrize(("args", "names"), BAD_ARGUMENTS)
def test_a_bad_argument_prints_one_line_naming_it_and_exits_2(run, tmp_path, args, names):
    for name, text in ANSWER_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run(*args, input="{}")
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    message = result.stderr.rstrip("\n")
    assert message.strip(), "the error says something"
    assert "\n" not in message, message
    assert names in message, message


def test_a_horizon_reaching_past_the_peak_calendar_still_prints_the_plan(run):
    result = run(*PLAN, "--today", "2065-01-01", "--horizon-days", "3650", "--format", "json")
    plan = ok_json(result)
    last_day = date.fromisoformat(plan["horizon_ends_on"])
    assert plan["tasks"]
    assert all(date.fromisoformat(task["due_on"]) <= last_day for task in plan["tasks"])


# --- help --------------------------------------------------------------------------------------


def test_tracker_help_lists_the_commands(run):
    text = ok_text(run("--help"))
    commands = text.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.strip()}
    assert {"plan", "peaks", "advise", "run"} <= listed


def test_plan_preview_help_exits_0_and_names_its_flags(run):
    text = ok_text(run("plan", "preview", "--help"))
    for flag in (
        "--model",
        "--market",
        "--store-type",
        "--entity",
        "--category",
        "--opened-on",
        "--inspection-ends-on",
        "--today",
        "--horizon-days",
        "--format",
    ):
        assert flag in text


def test_plan_preview_takes_orders_to_date_and_the_store_s_own_daily_order_limit(run_shared):
    plan = ok_json(
        run_shared(
            *PLAN[:-2],
            "--opened-on",
            "2026-11-01",
            "--today",
            "2026-11-01",
            "--horizon-days",
            "60",
            "--entity",
            "US",
            "--chinese-share",
            "0",
            "--orders-to-date",
            "3",
            "--daily-order-limit",
            "200",
            "--format",
            "json",
        )
    )
    store = plan["store"]
    assert (store["orders_to_date"], store["probation_daily_orders"]) == (3, 200)
    black_friday = [row for row in plan["stock_up"] if row["peak"] == "black_friday"]
    assert black_friday[0]["daily_order_limit"] == 200


def test_plan_preview_refuses_a_daily_order_limit_of_zero_naming_the_flag(run_shared):
    result = run_shared(*PLAN, "--daily-order-limit", "0")
    assert result.returncode == 2
    assert "--daily-order-limit" in result.stderr and "Traceback" not in result.stderr


def test_the_peaks_table_keeps_its_columns_apart_for_long_names(run_shared):
    """Found on review: "Saudi National Day  saudi_national_day2027-09-09" and "Hari Raya
    Aidilfitri (Lebaran)hari_raya": a name or key as long as its column ran into the next."""
    for market in ("SA", "ID"):
        peaks = ok_json(
            run_shared("peaks", "--market", market, "--year", "2027", "--format", "json")
        )
        table = ok_text(run_shared("peaks", "--market", market, "--year", "2027"))
        rows = table.splitlines()[3:]
        assert len(rows) == len(peaks)
        for row, peak in zip(rows, peaks, strict=True):
            columns = row.strip().split("  ")
            cells = [cell.strip() for cell in columns if cell.strip()]
            assert cells[:4] == [peak["date"], peak["name"], peak["key"], cells[3]], row
            assert cells[3].startswith(peak["warmup_starts_on"]), row
