"""Lines for pytest's terminal summary that reach it from pytest-xdist workers too.

A test or fixture adds a line under a section (``add_line``); with ``-n`` each worker hands its
lines to the controller when it finishes (``tests/conftest.py``), which prints them once.
"""

from __future__ import annotations

import pytest

SUMMARY = pytest.StashKey[dict[str, list[str]]]()


def add_line(config: pytest.Config, section: str, line: str) -> None:
    """Print ``line`` under ``section`` at the end of the run."""
    config.stash.setdefault(SUMMARY, {}).setdefault(section, []).append(line)
