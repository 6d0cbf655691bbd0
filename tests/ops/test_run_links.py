"""`tracker run` on another address: the links it sends open where it serves.

TRACKER_BASE_URL defaults to http://127.0.0.1:5000 (CONTRACT.md). Before, `tracker run
--port 8000` without it sent every reminder, e-mail and calendar link to port 5000, where
nothing answers (left open in earlier notes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from flask import current_app

import tracker.console as console
from tracker.console import main


@pytest.fixture
def served(monkeypatch, tmp_path: Path) -> list[str]:
    """Run `tracker run` up to the point it would serve; collect the base address it uses."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "run-links-secret-key-0123456789abcdef")
    monkeypatch.setenv("TRACKER_SCHEDULER", "off")
    monkeypatch.delenv("TRACKER_BASE_URL", raising=False)
    seen: list[str] = []

    def serve(**_: Any) -> None:
        seen.append(current_app.config["TRACKER_BASE_URL"])

    monkeypatch.setattr(console, "run_command", click.Command("run", callback=serve))
    return seen


def _run(args: list[str]) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["run", *args])
    assert ended.value.code == 0


def test_links_point_where_tracker_run_serves(served, capsys):
    _run(["--port", "8123"])
    assert served == ["http://127.0.0.1:8123"]
    said = capsys.readouterr().err
    assert "http://127.0.0.1:8123" in said and "TRACKER_BASE_URL" in said


def test_the_default_address_says_nothing(served, capsys):
    _run([])
    assert served == ["http://127.0.0.1:5000"]
    assert "TRACKER_BASE_URL" not in capsys.readouterr().err


def test_a_host_name_and_an_ipv6_address_are_kept(served):
    _run(["--host", "localhost", "--port", "8124"])
    _run(["--host", "::1", "--port", "8125"])
    assert served == ["http://localhost:8124", "http://[::1]:8125"]


def test_every_interface_links_to_this_machine_and_says_to_set_one(served, capsys):
    """Served on every interface, the links pointed to port 5000, where nothing answered even
    on the machine itself (found trying it): they now open there at least."""
    _run(["--host", "0.0.0.0", "--port", "8126"])
    assert served == ["http://127.0.0.1:8126"]
    said = capsys.readouterr().err
    assert "TRACKER_BASE_URL is not set" in said and "http://127.0.0.1:8126" in said


def test_a_set_address_is_kept_whatever_the_port(served, monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.example.com")
    _run(["--port", "8127"])
    assert served == ["https://tracker.example.com"]
    assert "TRACKER_BASE_URL" not in capsys.readouterr().err
