"""SSRF guard (pure address check and on every hop) and robots.txt for page sources."""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator.config import Settings
from curator.fetch import (
    BlockedAddress,
    FetchRequest,
    FetchSettings,
    RobotsDisallowed,
    fetch_many,
)
from curator.fetch.ssrf import AddressPolicy, address_problem
from curator.fetch.transport import GuardedTransport, GuardRefused
from curator.records import FetchResult
from tests.support.fetching import LOOPBACK_ONLY, fetch_one, source
from tests.support.httpserver import LocalServer

GUARDED = FetchSettings()  # the production default: no private networks at all


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a private address"),  # reserved 240/4 is in Python's private list
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    assert address_problem(address) == f"{address} is {kind}"


@pytest.mark.parametrize(
    "address",
    ["::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "2002:a00:1::1"],
)
def test_ipv4_hidden_in_ipv6_is_refused(address: str) -> None:
    assert address_problem(address) is not None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        # Python's ipaddress tables do not call these private on every build (3.11.7's
        # does not know fec0::/10 at all), so the guard names them itself
        ("fec0::1", "a site-local address (fec0::/10, deprecated by RFC 3879)"),
        ("feff:ffff::1", "a site-local address (fec0::/10, deprecated by RFC 3879)"),
        ("fec0::ffff:808:808", "a site-local address (fec0::/10, deprecated by RFC 3879)"),
        ("3fff::1", "a documentation address (3fff::/20, RFC 9637)"),
    ],
)
def test_addresses_old_ipaddress_tables_miss_are_refused(address: str, kind: str) -> None:
    assert address_problem(address) == f"{address} is {kind}"
    assert address_problem(f"{address}%eth0") == f"{address} is {kind}"


def test_a_site_local_literal_is_refused_before_connecting() -> None:
    began = time.monotonic()
    with pytest.raises(BlockedAddress, match=r"fec0::1 is a site-local address"):
        fetch_one(GUARDED, source("http://[fec0::1]:8080/feed.xml"))
    assert time.monotonic() - began < 1.0


@pytest.mark.parametrize("address", ["93.184.215.14", "151.101.0.144", "2a04:4e42::144"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


def test_allowed_networks_let_only_themselves_through() -> None:
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert address_problem("127.0.0.1", allowed=loopback) is None
    assert address_problem("10.0.0.1", allowed=loopback) == "10.0.0.1 is a private address"
    assert address_problem("169.254.169.254", allowed=loopback) is not None


@given(st.ip_addresses(v=4))
def test_every_ipv4_verdict_matches_is_global(ip: ipaddress.IPv4Address) -> None:
    blocked = address_problem(ip) is not None
    assert blocked == (not ip.is_global or ip.is_multicast)
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    assert (address_problem(mapped) is not None) == blocked


def test_loopback_refused_by_default_before_any_request(server: LocalServer) -> None:
    url = server.add("/feed.atom", b"<feed/>")
    with pytest.raises(BlockedAddress) as info:
        fetch_one(GUARDED, source(url))
    assert str(info.value) == (
        f"dhsc: refused to fetch {url}: 127.0.0.1 is a loopback address "
        "(set CURATOR_ALLOW_PRIVATE_NETWORKS=true only for tests)"
    )
    assert server.requests == []


def test_host_names_are_checked_after_resolution(server: LocalServer) -> None:
    port = server.httpd.server_address[1]
    url = f"http://localhost:{port}/feed.atom"
    server.add("/feed.atom", b"<feed/>")
    with pytest.raises(BlockedAddress, match="is a loopback address"):
        fetch_one(GUARDED, source(url))
    assert server.requests == []


def test_environment_switch_allows_private_networks(server: LocalServer) -> None:
    url = server.add("/feed.atom", b"<feed/>")
    settings = FetchSettings.from_settings(Settings())  # conftest sets it to true
    assert settings.allow_private_networks
    assert fetch_one(settings, source(url)).content == b"<feed/>"


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://[::1]:9/"],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    server: LocalServer, target: str
) -> None:
    start = server.add("/feed.atom", status=302, headers={"Location": target})
    began = time.monotonic()
    with pytest.raises(BlockedAddress) as info:
        fetch_one(LOOPBACK_ONLY, source(start))
    # refused at once: no connection attempt (which would hang or fail on these addresses)
    assert time.monotonic() - began < 1.0
    message = str(info.value)
    assert message.startswith(f"dhsc: refused to fetch {target} (redirected from {start}): ")
    assert message.endswith("(set CURATOR_ALLOW_PRIVATE_NETWORKS=true only for tests)")
    assert info.value.url == target


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(BlockedAddress, match="only http and https"):
        fetch_one(LOOPBACK_ONLY, source(url))


def test_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    start = server.add("/x", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(BlockedAddress, match="only http and https URLs are fetched, not file"):
        fetch_one(LOOPBACK_ONLY, source(start))


ROBOTS = b"User-agent: *\nDisallow: /private/\n\nUser-agent: PulseCurator\nDisallow: /news/\n"


def test_robots_disallow_blocks_page_sources_only(server: LocalServer) -> None:
    server.add("/robots.txt", ROBOTS)
    news = server.add("/news/list.html", b"<html></html>")
    other = server.add("/publications.html", b"<html></html>")
    with pytest.raises(RobotsDisallowed) as info:
        fetch_one(LOOPBACK_ONLY, source(news, kind="page"))
    assert str(info.value) == (
        f"dhsc: not fetching {news}: {server.url('/robots.txt')} disallows it for our user agent"
    )
    assert fetch_one(LOOPBACK_ONLY, source(other, kind="page")).status == 200
    assert fetch_one(LOOPBACK_ONLY, source(news, kind="feed")).status == 200
    paths = [p for _, p, _ in server.requests]
    assert "/news/list.html" in paths and paths.count("/news/list.html") == 1  # only the feed


def test_robots_fetched_once_per_host_per_fetcher(server: LocalServer) -> None:
    server.add("/robots.txt", ROBOTS)
    reqs = [
        FetchRequest(source(server.add(f"/p{i}.html", b"<html/>"), kind="page", id=f"p{i}"))
        for i in range(5)
    ]
    results = fetch_many(reqs, LOOPBACK_ONLY)
    assert all(isinstance(r, FetchResult) for r in results)
    assert [p for _, p, _ in server.requests].count("/robots.txt") == 1


def test_robots_not_found_allows(server: LocalServer) -> None:
    url = server.add("/list.html", b"<html/>")  # no /robots.txt route: 404
    assert fetch_one(LOOPBACK_ONLY, source(url, kind="page")).status == 200


def test_robots_server_error_disallows(server: LocalServer) -> None:
    server.add("/robots.txt", b"oops", status=503)
    url = server.add("/list.html", b"<html/>")
    with pytest.raises(RobotsDisallowed, match=r"robots.txt answered HTTP 503.*RFC 9309"):
        fetch_one(LOOPBACK_ONLY, source(url, kind="page"))


def test_robots_can_be_switched_off(server: LocalServer) -> None:
    server.add("/robots.txt", b"User-agent: *\nDisallow: /\n")
    url = server.add("/list.html", b"<html/>")
    settings = dataclasses.replace(LOOPBACK_ONLY, respect_robots=False)
    assert fetch_one(settings, source(url, kind="page")).status == 200


def test_connect_time_guard_refuses_even_without_the_pre_check(server: LocalServer) -> None:
    """The transport checks the address it dials, so a name that changed its answer since the
    pre-hop check (DNS rebinding) is still refused, and nothing reaches the server."""
    server.add("/feed.atom", b"<feed/>")
    port = server.httpd.server_address[1]

    async def run(policy: AddressPolicy) -> int:
        transport = GuardedTransport(policy, httpx.Limits())
        async with httpx.AsyncClient(transport=transport) as client:
            return (await client.get(f"http://localhost:{port}/feed.atom")).status_code

    with pytest.raises(GuardRefused, match="is a loopback address"):
        asyncio.run(run(AddressPolicy()))
    assert server.requests == []
    assert asyncio.run(run(AddressPolicy.build(False, ["127.0.0.0/8", "::1/128"]))) == 200
    assert [p for _, p, _ in server.requests] == ["/feed.atom"]


@pytest.mark.parametrize(
    "url", ["http://0x7f.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://0/"]
)
def test_odd_spellings_of_loopback_are_refused(url: str) -> None:
    with pytest.raises(BlockedAddress, match=r"is an? (loopback|unspecified) address"):
        fetch_one(GUARDED, source(url))
