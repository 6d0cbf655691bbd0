"""A total deadline for one send: its sockets are cut when the time is up.

Timeouts in requests and smtplib bound each socket operation, not the whole exchange: a
receiver that answers one byte a second keeps a send going for minutes, past the lease that
keeps other dispatchers off the reminder. A `SendDeadline` notes every socket the send opens
and, when its time is up, shuts them down, so the blocked read returns at once.

A dispatcher keeps one HTTP session (keep-alive) for all its sends: its adapter watches, for
each request, the socket it uses (new or reused) with the deadline of the send running on that
thread (``SendDeadline.current``).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import smtplib
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_running = threading.local()


class _Watchdog:
    """One thread for every send's deadline (not a timer thread each): the earliest first."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, SendDeadline]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: SendDeadline, seconds: float) -> None:
        when = time.monotonic() + seconds
        with self._wake:
            earliest = not self._due or when < self._due[0][0]
            heapq.heappush(self._due, (when, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="send-deadlines", daemon=True
                )
                self._thread.start()
            if earliest:  # else it wakes in time for the earlier one anyway
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._due:
                    self._wake.wait()
                when, _, deadline = self._due[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._due)
            deadline._expire()


_watchdog = _Watchdog()


class SendDeadline:
    """Shut down every socket of one send once `seconds` have passed since it began."""

    @staticmethod
    def current() -> SendDeadline | None:
        """The deadline of the send under way on this thread, if any."""
        return getattr(_running, "deadline", None)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._finished = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._outer: SendDeadline | None = None

    def __enter__(self) -> SendDeadline:
        self._outer = SendDeadline.current()
        _running.deadline = self
        _watchdog.watch(self, self.seconds)
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._finished = True  # its time running out later cuts nothing
            self._sockets.clear()  # a kept-alive socket is no longer this send's
        _running.deadline = self._outer

    def watch(self, sock: socket.socket) -> None:
        """Cut this socket when the time is up (at once, if it already is)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _cut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to cut
        sock.shutdown(socket.SHUT_RDWR)


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections are watched by a send's deadline.

    With a ``deadline``, every new connection is watched by it (a session for one send).
    Without, each request's socket, new or kept alive, is watched by the deadline of the send
    running on its thread (one session shared by a dispatcher's senders).
    """

    def __init__(
        self,
        deadline: SendDeadline | None = None,
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
        fixed = self.deadline
        plain, tls = self.connections

        def watch(sock: socket.socket | None) -> None:
            deadline = fixed or SendDeadline.current()
            if deadline is not None and sock is not None:
                deadline.watch(sock)

        class Watched(plain):  # type: ignore[valid-type,misc]
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                watch(sock)
                return sock

            def request(self, *args: Any, **kwargs: Any) -> None:
                watch(self.sock)  # a kept-alive connection: its socket is this send's now
                super().request(*args, **kwargs)

        class WatchedTLS(tls):  # type: ignore[valid-type,misc]
            def _new_conn(self) -> socket.socket:
                sock = super()._new_conn()
                watch(sock)  # the TLS socket shares it: cutting it cuts both
                return sock

            def request(self, *args: Any, **kwargs: Any) -> None:
                watch(self.sock)
                super().request(*args, **kwargs)

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
