"""The browser tests' fixtures (a live server, headless Chromium), shared with tests/web."""

from tests.web.test_browser import browser, live_server  # noqa: F401
