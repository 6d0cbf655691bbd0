"""A total deadline for one send: its sockets are cut when the time is up.

Timeouts in requests and smtplib bound each socket operation, not the whole exchange: a
receiver that answers one byte a second keeps a send going for minutes, past the lease that
keeps other dispatchers off the reminder. A `SendDeadline` notes every socket the send opens
and, when its time is up, shuts them down, so the blocked read returns at once.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class SendDeadline:
    """Shut down every socket of one send once `seconds` have passed since it began."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> SendDeadline:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        """Cut this socket when the time is up (at once, if it already is)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _cut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to cut
        sock.shutdown(socket.SHUT_RDWR)


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose every new connection is watched by one send's deadline."""

    def __init__(
        self,
        deadline: SendDeadline,
        *,
        connections: tuple[type[HTTPConnection], type[HTTPSConnection]] = (
            HTTPConnection,
            HTTPSConnection,
        ),
        **kwargs: Any,
    ) -> None:
        # Before HTTPAdapter.__init__, which builds the pools. ``connections``: the classes
        # that open the sockets (the guard's, which reach public addresses only, or plain).
        self.deadline, self.connections = deadline, connections
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        deadline = self.deadline
        plain, tls = self.connections

        class Watched(plain):  # type: ignore[valid-type,misc]
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                deadline.watch(sock)
                return sock

        class WatchedTLS(tls):  # type: ignore[valid-type,misc]
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                deadline.watch(sock)  # the TLS socket shares it: cutting it cuts both
                return sock

        class Pool(HTTPConnectionPool):
            ConnectionCls = Watched

        class TLSPool(HTTPSConnectionPool):
            ConnectionCls = WatchedTLS

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": TLSPool}


class WatchedSMTP(smtplib.SMTP):
    """An SMTP client whose connection is watched by one send's deadline.

    Build it without a host, set ``deadline``, then ``connect``.
    """

    deadline: SendDeadline | None = None

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        if self.deadline is not None:
            self.deadline.watch(sock)
        return sock


class WatchedSMTPS(smtplib.SMTP_SSL):
    """An SMTP-over-TLS client whose connection is watched by one send's deadline.

    Build it without a host, set ``deadline``, then ``connect``.
    """

    deadline: SendDeadline | None = None

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        if self.deadline is not None:
            self.deadline.watch(sock)
        return sock
