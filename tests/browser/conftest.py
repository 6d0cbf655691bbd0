"""Fixtures for the whole-app browser tests: one Chromium and one app server per module, axe-core.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded one);
the tests skip with a reason when it is missing. axe-core comes from npm: it is installed once
into a cache folder (``TRACKER_AXE_DIR``, else ``~/.cache/tracker-tests/axe-core-<version>``)
and the tests skip with a reason when npm is missing or cannot fetch it (they fail instead
when ``TRACKER_REQUIRE_AXE=1``, as in CI).

Screenshots go under ``TRACKER_SCREENSHOTS`` (else a temporary folder); the end of the run
says where.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import summary
from tests.live import fresh_app, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
AXE_VERSION = "4.11.0"
WIDTHS = (1280, 390)

_screenshot_folders: list[Path] = []


@dataclass
class Server:
    """The app served on a free local port from a background thread."""

    app: Any
    url: str


def serve(folder: Path, **config: Any) -> Iterator[Server]:
    """Serve a fresh app on a fresh SQLite file in ``folder``; CSRF stays on, as in production."""
    with fresh_app(folder, **config) as app, serving(app, name="browser-server") as server:
        url = f"http://127.0.0.1:{server.server_port}"
        # Links in reminders are built from TRACKER_BASE_URL: this server's own address.
        if "TRACKER_BASE_URL" not in config:
            app.config["TRACKER_BASE_URL"] = url
        yield Server(app=app, url=url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright, one per test module."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Any, *, width: int = 1280, **options: Any) -> Any:
    """A page in a context of its own (its own cookies), ``width`` px wide."""
    options.setdefault("viewport", {"width": width, "height": 900})
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


@dataclass
class Axe:
    """axe-core's script, or why there is none (the page checks then run without it)."""

    script: str = ""
    missing: str = ""

    def violations(self, page: Any) -> list[str]:
        """The page's serious and critical violations; none when axe-core is missing."""
        return axe_violations(page, self.script) if self.script else []

    def skip_if_missing(self) -> None:
        """Call last in a test: say that the accessibility half did not run, and why."""
        if self.missing:
            pytest.skip(f"the page checks passed, but not axe-core's: {self.missing}")


@pytest.fixture(scope="session")
def axe() -> Axe:
    """axe-core, installed from npm into a cache folder when missing.

    Without npm (or when it cannot fetch axe-core) the tests still check the rest and skip at
    the end with the reason; with TRACKER_REQUIRE_AXE=1 (CI) they fail instead.
    """
    try:
        return Axe(script=_axe_script())
    except _NoAxe as error:
        if os.environ.get("TRACKER_REQUIRE_AXE") == "1":
            pytest.fail(f"TRACKER_REQUIRE_AXE=1 but {error}")
        return Axe(missing=str(error))


class _NoAxe(Exception):
    pass


def _axe_script() -> str:
    """The text of axe.min.js, installed from npm into a cache folder when missing."""
    folder = Path(
        os.environ.get("TRACKER_AXE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "tracker-tests"
        / f"axe-core-{AXE_VERSION}"
    )
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if script.is_file():
        return script.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        raise _NoAxe("npm is missing, so axe-core cannot be installed: apt-get install -y npm")
    folder.mkdir(parents=True, exist_ok=True)
    # One installer at a time: pytest-xdist workers (or two runs) share the cache folder.
    with (folder / ".installing").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not script.is_file():
            _npm_install(npm, folder, script)
    return script.read_text(encoding="utf-8")


def _npm_install(npm: str, folder: Path, script: Path) -> None:
    """Install axe-core into ``folder`` with npm, or say why it could not."""
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(folder),
            "--no-audit",
            "--no-fund",
            "--no-save",
            f"axe-core@{AXE_VERSION}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not script.is_file():
        raise _NoAxe(f"npm could not install axe-core@{AXE_VERSION}: {done.stderr[-500:]}")


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests keep their screenshots (TRACKER_SCREENSHOTS, else a temp folder)."""
    chosen = os.environ.get("TRACKER_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    _screenshot_folders.append(folder)
    return folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Say where the screenshots are, at the end of the run."""
    for folder in _screenshot_folders:
        shots = sorted(folder.glob("*.png"))
        if shots:
            summary.add_line(session.config, "browser screenshots", f"{len(shots)} in {folder}")


# axe-core's findings that keep a person from using the page; ``minor`` and ``moderate``
# ones are reported by axe but not failed on.
SERIOUS = ("serious", "critical")


def axe_violations(page: Any, axe_script: str) -> list[str]:
    """Run axe-core on the page; one line per serious or critical violation, with targets."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through the DevTools protocol, which the page's Content-Security-Policy does not govern
        # (an inline <script> tag would be refused, rightly).
        page.evaluate(axe_script + "\n;undefined")
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')).slice(0, 8),
            summary: (v.nodes[0] && v.nodes[0].failureSummary) || '',
          }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'])}"
        f" — {v['summary'].splitlines()[-1].strip() if v['summary'] else ''}"
        for v in found
        if v["impact"] in SERIOUS
    ]


# Every element sticking out past the right edge of the window.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 12)
  .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' → ' + Math.round(el.getBoundingClientRect().right) + 'px')"""


def sideways(page: Any) -> tuple[int, list[str]]:
    """How wide the page scrolls, and what sticks out, when it is wider than the window."""
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    inner = page.evaluate("() => window.innerWidth")
    return width, (page.evaluate(OVERFLOWING) if width > inner else [])
