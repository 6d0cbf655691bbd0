"""Report how many cases the API fuzzer ran, in pytest's terminal summary."""

from __future__ import annotations

from typing import Any

import pytest

# One line per fuzz run (database and caller), filled by tests/api/test_fuzz.py.
FUZZ_RUNS = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print each fuzz run: its cases, operations and the statuses the app answered."""
    runs = config.stash.get(FUZZ_RUNS, [])
    if runs:
        terminalreporter.section("API fuzzing (schemathesis)")
        for line in runs:
            terminalreporter.write_line(line)
