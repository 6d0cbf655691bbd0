"""The browser tests' server survives clients that drop their connection mid-answer."""

from __future__ import annotations

import gc
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

from tests.live import fresh_app, serving


def test_a_dropped_connection_leaves_no_file_open(tmp_path: Path) -> None:
    """A client that resets while a static file is served leaves nothing for the GC to warn of.

    Found in CI: Chromium dropped the favicon's connection and the open file failed whichever
    browser test was running when it was collected.
    """
    left_open: list[Any] = []
    hook = sys.unraisablehook
    sys.unraisablehook = left_open.append
    try:
        with fresh_app(tmp_path) as app, serving(app) as server:
            for _ in range(200):
                client = socket.create_connection(("127.0.0.1", server.server_port))
                # Linger 0: close() sends a reset, as a browser abandoning a request can.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.sendall(b"GET /static/favicon.svg HTTP/1.1\r\nHost: test\r\n\r\n")
                time.sleep(0.002)
                client.close()
            # Let the server's threads finish with the dropped connections before counting.
            time.sleep(0.5)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert [repr(u.exc_value) for u in left_open] == []
