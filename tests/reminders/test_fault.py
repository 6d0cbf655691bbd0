"""The outbox under faults: dispatchers killed mid-delivery, racing, and a sink that fails.

Every test runs real ``tracker`` processes against a scratch PostgreSQL database of its own
and a local webhook sink that notes each request's ``Idempotency-Key``. The scenarios live in
``benchmarks/reminder_fault.py`` (the same run, as a script, for the issue's numbers); set
``TRACKER_FAULT_REPORT`` to a file name to get the counts as JSON too.

The tests wait for the outbox to drain however slowly a loaded machine gets there (they give
up only when nothing moved for minutes) and report the rate they saw: speed is the
benchmark's business, not a reason for these tests to fail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import fault_scenario
from tracker.reminders.dispatch import OUTCOMES_PER_COMMIT, DispatchSettings

pytestmark = [pytest.mark.postgresql]

# Enough reminders that delivery outlasts the kills (a kill every 0.2-1.5 s, ten of them);
# the benchmark runs the same scenarios with 5,000 for the figures.
REMINDERS = 2000
KILLS = 10
FLAKY_REMINDERS = 300


fault = fault_scenario.load()
_reports: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def fault_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A scratch PostgreSQL database at the current schema, and a folder for process logs."""
    yield from fault_scenario.scratch_database(tmp_path_factory, "fault")


def _record(report: Any, record_property: Callable[[str, object], None]) -> None:
    """Show the counts under ``pytest -s``, in the JUnit report and in TRACKER_FAULT_REPORT."""
    record_property("reminders_per_second", round(report.throughput, 1))
    record_property("seconds", round(report.seconds, 1))
    print()
    print(report.summary())
    _reports[report.scenario] = report.as_dict()
    target = os.environ.get("TRACKER_FAULT_REPORT")
    if target:
        Path(target).write_text(json.dumps(_reports, indent=2))


def _assert_everything_delivered(report: Any, reminders: int) -> None:
    assert report.drained, f"the outbox stopped moving with work left: {report.states}"
    assert report.missing == [], f"{len(report.missing)} reminders never reached the sink"
    assert report.delivered == reminders
    assert report.foreign_keys == 0
    assert report.states == {"sent": reminders}
    assert report.tracebacks == [], report.tracebacks[0]


def test_scheduler_killed_at_random_moments_loses_nothing(
    fault_database: tuple[str, Path], record_property: Callable[[str, object], None]
) -> None:
    url, folder = fault_database
    report = fault.run_kill_scenario(url, folder / "kill", reminders=REMINDERS, kills=KILLS)
    _record(report, record_property)

    _assert_everything_delivered(report, REMINDERS)
    assert report.kills == KILLS
    # A kill can leave reminders sent but not yet recorded: the sends under way and the
    # outcomes waiting for their batched commit. The next dispatcher sends those again once
    # the lease runs out (with the same Idempotency-Key), so each duplicate must follow a kill
    # and there can be no more of them than a killed process could have had unrecorded.
    unrecorded_per_kill = DispatchSettings().senders + OUTCOMES_PER_COMMIT
    assert report.duplicate_deliveries <= report.kills * unrecorded_per_kill
    assert report.unexplained_duplicates == []
    assert report.explained_duplicates == report.duplicate_deliveries
    assert report.exit_codes == [0, 0], "a scheduler did not stop cleanly on SIGTERM"


def test_concurrent_dispatch_sends_nothing_twice(
    fault_database: tuple[str, Path], record_property: Callable[[str, object], None]
) -> None:
    url, folder = fault_database
    report = fault.run_dispatch_scenario(url, folder / "dispatch", reminders=REMINDERS)
    _record(report, record_property)

    _assert_everything_delivered(report, REMINDERS)
    assert report.duplicate_deliveries == 0
    assert report.sink_requests == REMINDERS
    assert set(report.exit_codes) == {0}


def test_flaky_sink_still_gets_everything_with_retries_on_record(
    fault_database: tuple[str, Path], record_property: Callable[[str, object], None]
) -> None:
    url, folder = fault_database
    report = fault.run_kill_scenario(
        url,
        folder / "flaky",
        reminders=FLAKY_REMINDERS,
        kills=0,
        schedulers=1,
        fail_rate=0.5,
        seed=11,
    )
    _record(report, record_property)

    _assert_everything_delivered(report, FLAKY_REMINDERS)
    assert report.sink_errors > FLAKY_REMINDERS // 4, "the sink should fail about half"
    # A key answered 500 always came back later and got its 2xx.
    assert report.failed_then_missing == []
    assert report.duplicate_deliveries == 0
    # The retries are on record: each row counts every request the sink saw for it.
    assert report.attempts_mismatch == 0
    assert report.attempts_total == report.sink_requests > FLAKY_REMINDERS
    assert report.rows_retried > 0
    assert set(report.exit_codes) == {0}
