"""A local webhook sink for the reminder tests."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Sink:
    """Records what webhooks receive; ``answer`` decides each reply's status."""

    url: str = ""
    # Each reminder's own key (the Idempotency-Key after the install id) and the install ids.
    keys: Counter[str] = field(default_factory=Counter)
    installs: set[str] = field(default_factory=set)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    answer: Callable[[str], int] = lambda key: 200
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def sink() -> Iterator[Sink]:
    """A webhook receiver on 127.0.0.1 that records every Idempotency-Key it is sent.

    A key is ``<install id>/<the reminder's own key>``: ``keys`` counts the reminders' own.
    """
    record = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            install, _, key = self.headers.get("Idempotency-Key", "").rpartition("/")
            status = record.answer(key)
            with record.lock:
                record.installs.add(install)
                if 200 <= status < 300:
                    record.keys[key] += 1
                    record.bodies.append(body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    record.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield record
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def local_sinks_allowed(request: pytest.FixtureRequest) -> None:
    """Let channels reach the sinks on 127.0.0.1 (TRACKER_ALLOW_PRIVATE_TARGETS=1)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["TRACKER_ALLOW_PRIVATE_TARGETS"] = True
