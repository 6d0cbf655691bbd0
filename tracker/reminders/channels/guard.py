"""Keep channel targets off loopback, private and other non-public addresses (SSRF).

A target is checked twice: when it is saved (``host_problem``) and when it is sent, at the
moment of connecting (``PublicOnlyAdapter``): the host is resolved once, every address is
checked, and the socket connects to a checked address, so a name that resolves to a public
address at the check and to a private one a moment later (DNS rebinding) still cannot reach
inside. Every spelling of an address (decimal ``2130706433``, hex ``0x7f000001``, octal,
short ``127.1``, IPv6-mapped ``::ffff:127.0.0.1``) goes through the system resolver, which
reads it as the address the connection would use.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NameResolutionError
from urllib3.util import connection

from tracker.playbook.phrases import phrase

CODE = "target_not_allowed"
# Names that only mean something inside a network (RFC 6761, RFC 6762, RFC 8375, cloud metadata).
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetNotAllowed(Exception):
    """A target resolved to an address that must not be reached.

    Not an OSError on purpose: urllib3 would retry an OSError, and requests would wrap it.
    """

    def __init__(self, host: str, address: str | None = None) -> None:
        self.host, self.address = host, address
        super().__init__(f"{CODE}: {host} is not a public address")


def is_public(address: IpAddress) -> bool:
    """Tell whether an address is publicly routable (not private, loopback, multicast, …)."""
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address inside count as that address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address the system resolver gives for ``host`` (raises socket.gaierror)."""
    found = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        text = str(sockaddr[0]).partition("%")[0]  # drop an IPv6 zone such as fe80::1%eth0
        found.append(ipaddress.ip_address(text))
    return found


def host_problem(host: str, port: int) -> str | None:
    """Say why a target's host may not be used, or None; for saving a channel.

    A name that does not resolve now is accepted unless it is an internal-only name; it is
    checked again when each message is sent.
    """
    name = host.rstrip(".").lower()
    refusal = phrase(
        "%(host)s is not a public address (loopback, private, link-local and internal "
        "addresses are refused: %(code)s)",
        host=host,
        code=CODE,
    )
    try:
        addresses = resolve(name, port)
    except (OSError, UnicodeError, ValueError):
        addresses = []
        if name == "localhost" or name.endswith(INTERNAL_SUFFIXES) or "." not in name:
            return refusal
    if any(not is_public(address) for address in addresses):
        return refusal
    return None


def connect_public(
    host: str,
    port: int,
    timeout: Any,
    source_address: Any = None,
    socket_options: Any = None,
) -> socket.socket:
    """Resolve ``host``, refuse it unless every address is public, then connect to one of them."""
    addresses = resolve(host, port)
    for address in addresses:
        if not is_public(address):
            raise TargetNotAllowed(host, str(address))
    last: OSError | None = None
    for address in addresses:
        try:
            return connection.create_connection(
                (str(address), port),
                timeout,
                source_address=source_address,
                socket_options=socket_options,
            )
        except OSError as error:
            last = error
    raise last or OSError(f"no address for {host}")


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        try:
            return connect_public(
                self._dns_host, self.port, self.timeout, self.source_address, self.socket_options
            )
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error


class _PublicHTTPSConnection(HTTPSConnection):
    # The TLS handshake still names and verifies the original host (SNI, certificate).
    _new_conn = _PublicHTTPConnection._new_conn


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """A requests adapter whose connections only ever reach public addresses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


# The connection classes that reach public addresses only, for adapters that add to them.
PUBLIC_CONNECTIONS = (_PublicHTTPConnection, _PublicHTTPSConnection)
