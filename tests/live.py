"""One way to serve the app on a real local port for the browser tests.

Werkzeug's development server leaves a response's body open when the client drops the
connection while the server drains it (it reads the socket before it closes the body, and that
read raises). A browser that navigates away mid-request does exactly that, and the open static
file then surfaces as a ``ResourceWarning`` in whichever test is running when it is collected.
So the served app hands the server a finished body: it reads the app's answer and closes it
itself, before the server writes a byte.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from tracker import create_app
from tracker.extensions import db


@contextmanager
def fresh_app(folder: Path, **config: Any) -> Iterator[Any]:
    """An app on a new SQLite file in ``folder``, CSRF on as in production, no scheduler;
    its connections closed when the block ends."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "live-server-" + "k" * 32,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
            "TRACKER_SCHEDULER": "off",
            **config,
        }
    )
    with app.app_context():
        db.create_all()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def closing_body(app: Any) -> Any:
    """Wrap a WSGI app so its answer is read whole and closed before the server sends it."""

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return serve


@contextmanager
def serving(app: Any, name: str = "live-server") -> Iterator[BaseWSGIServer]:
    """Serve ``app`` on a free port of 127.0.0.1 from a background thread until the block ends."""
    server = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
