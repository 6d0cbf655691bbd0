"""The reminder fault benchmark's helpers, shared by the fault and deployment tests.

``benchmarks/reminder_fault.py`` holds the scratch database, the webhook sink and the
process handling; the tests load it once and use the same pieces.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import POSTGRES_URL

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "reminder_fault.py"


def load() -> ModuleType:
    """Load the benchmark script as a module, once per test session."""
    if "reminder_fault" in sys.modules:
        return sys.modules["reminder_fault"]
    spec = importlib.util.spec_from_file_location("reminder_fault", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def scratch_database(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[tuple[str, Path]]:
    """Yield a scratch PostgreSQL database at the current schema, and a folder for logs.

    Skip when PostgreSQL is unreachable; fail instead when TRACKER_REQUIRE_POSTGRES=1.
    """
    fault = load()
    problem = fault.postgres_problem(POSTGRES_URL)
    if problem:
        if os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable: {problem}")
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp(name)
    with fault.scratch_database(POSTGRES_URL) as url:
        fault.upgrade_schema(url, folder)
        yield url, folder
