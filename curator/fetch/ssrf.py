"""SSRF guard: which addresses a source may resolve to (sources can be added from Slack, so a
source URL is untrusted).

``address_problem`` is pure; ``check_url`` resolves the host and applies it to every address
returned, and is called before the first request and again before every redirect hop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Non-public networks that Python's ``ipaddress`` tables miss on some builds (3.11.7 says
#: ``fec0::1`` is global): refused by name, before those tables are asked.
_NAMED: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (
        ipaddress.IPv6Network("fec0::/10"),
        "a site-local address (fec0::/10, deprecated by RFC 3879)",
    ),
    (ipaddress.IPv6Network("3fff::/20"), "a documentation address (3fff::/20, RFC 9637)"),
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _classify(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        for network, name in _NAMED:
            if ip in network:
                return name
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "not a public address"
    return None


def address_problem(ip: IPAddress | str, *, allowed: Iterable[IPNetwork] = ()) -> str | None:
    """Why ``ip`` must not be fetched (e.g. "10.0.0.1 is a private address"), or ``None`` if it is
    a public address or falls inside one of the ``allowed`` networks."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
        addr = ipaddress.IPv6Address(str(addr).split("%", 1)[0])
    allowed = tuple(allowed)
    if any(addr.version == net.version and addr in net for net in allowed):
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is the IPv4 address itself (the IPv6 rules call all of ::/8 reserved)
        mapped = addr.ipv4_mapped
        if any(mapped in net for net in allowed if net.version == 4):
            return None
        reason = _classify(mapped)
        return None if reason is None else f"{addr} is {reason} ({mapped})"
    reason = _classify(addr)
    if reason is None and isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_ipv4(addr)
        if inner is not None and not any(inner in n for n in allowed if n.version == 4):
            inner_reason = _classify(inner)
            if inner_reason is not None:
                reason = f"{inner_reason} ({inner} inside IPv6)"
    return None if reason is None else f"{addr} is {reason}"


@dataclass(frozen=True)
class AddressPolicy:
    """What the guard lets through. ``allow_all`` is CURATOR_ALLOW_PRIVATE_NETWORKS=true;
    ``allowed`` lets chosen networks through with the guard still on (tests allow 127.0.0.0/8)."""

    allow_all: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def build(cls, allow_all: bool, allowed: Iterable[str]) -> AddressPolicy:
        return cls(allow_all, tuple(ipaddress.ip_network(n, strict=False) for n in allowed))


class Refused(Exception):
    """Raised by :func:`check_url`; the client turns it into a ``BlockedAddress``."""


class Unresolvable(Exception):
    """The host name does not resolve."""


async def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses ``host`` resolves to (an IP literal resolves to itself, without DNS)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"cannot resolve host {host!r}: {exc}") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def check_url(url: httpx.URL, policy: AddressPolicy) -> None:
    """Raise :class:`Refused` unless ``url`` is http(s) and every address its host resolves to is
    allowed by ``policy``; raise :class:`Unresolvable` when the host does not resolve."""
    if url.scheme not in ALLOWED_SCHEMES:
        raise Refused(f"only http and https URLs are fetched, not {url.scheme or 'no scheme'}")
    if not url.host:
        raise Refused("the URL has no host")
    if policy.allow_all:
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    # raw_host is the ASCII (punycode) form, as the connection will use it
    for addr in await resolve(url.raw_host.decode("ascii"), port):
        problem = address_problem(addr, allowed=policy.allowed)
        if problem is not None:
            raise Refused(problem)
