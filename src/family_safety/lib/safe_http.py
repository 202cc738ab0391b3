"""HTTP to URLs that callers name (webhook endpoints), without letting them reach the service's
own network: no loopback, private, link-local, shared, multicast or otherwise reserved address,
except the hosts an operator lists (``host`` or ``host:port``), which may also use ``http``.

The check runs when a URL is accepted (``UrlPolicy.check``) and again on every request, after
DNS resolution: ``GuardedTransport`` resolves the host once, checks every address it resolves to,
and connects to the checked address itself (the TLS name and the ``Host`` header stay the URL's
host), so a name that resolves elsewhere between the check and the connection (DNS rebinding)
gets nowhere. The client it makes follows no redirects and honours no proxy variables.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlNotAllowed(Exception):
    """This URL may not be reached; ``reason`` says why, in words for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_public(address: str) -> bool:
    """Whether ``address`` is a global unicast address (an IPv4-mapped IPv6 one as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """Which URLs may be reached: ``https`` ones on public addresses, and any of the hosts
    ``allow_hosts`` names (``host`` for every port, ``host:port`` for one)."""

    allow_hosts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, hosts: Iterable[str]) -> UrlPolicy:
        return cls(frozenset(host.strip().lower() for host in hosts if host.strip()))

    def _allowed(self, url: httpx.URL) -> bool:
        host = url.host.lower()
        port = url.port or DEFAULT_PORTS.get(url.scheme, 0)
        return host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts

    async def check(self, url: str | httpx.URL) -> str:
        """The address to connect to for ``url``; ``UrlNotAllowed`` when it may not be reached."""
        try:
            parsed = httpx.URL(url)
            host = parsed.host  # decoded from IDNA: a malformed label raises here
        except (httpx.InvalidURL, TypeError, ValueError) as exc:  # IDNAError is a ValueError
            raise UrlNotAllowed("not a URL") from exc
        if not host or parsed.scheme not in DEFAULT_PORTS:
            raise UrlNotAllowed("not an http(s) URL with a host")
        if parsed.userinfo:
            raise UrlNotAllowed("a URL may not hold a user name or password")
        allowed = self._allowed(parsed)
        if parsed.scheme != "https" and not allowed:
            raise UrlNotAllowed("the URL must use https")
        port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                parsed.host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            raise UrlNotAllowed(f"{parsed.host} does not resolve") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise UrlNotAllowed(f"{parsed.host} does not resolve")
        if not allowed:
            for address in addresses:
                if not is_public(address):
                    raise UrlNotAllowed(
                        f"{parsed.host} resolves to {address}, not a public address"
                    )
        return addresses[0]


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's transport, connecting only to addresses ``policy`` allows, the one it checked."""

    def __init__(self, policy: UrlPolicy) -> None:
        self._policy = policy
        self._inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        address = await self._policy.check(request.url)
        # The Host header was set from the URL when the request was built; TLS checks the
        # certificate against the URL's host too (``sni_hostname``).
        request.url = request.url.copy_with(host=address)
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def guarded_client(policy: UrlPolicy, timeout_seconds: float) -> httpx.AsyncClient:
    """A client for callers' URLs: checked addresses, no redirects followed, no proxies from
    the environment, ``timeout_seconds`` for each of connecting, writing and each read."""
    return httpx.AsyncClient(
        transport=GuardedTransport(policy),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout_seconds),
    )
