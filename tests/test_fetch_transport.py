"""The fetcher's transport keeps one connection pool per origin, reuses connections within it,
and closes them all with the fetcher (``curator/fetch/transport.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from curator.fetch import Fetcher, FetchSettings
from curator.fetch.ssrf import AddressPolicy
from curator.fetch.transport import GuardedTransport, default_ssl_context
from curator.records import FetchResult
from tests.support.fetching import LOOPBACK_ONLY, source
from tests.support.httpserver import LocalServer

FEED = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'


def _recording(server: LocalServer) -> list[int]:
    """Routes /a.xml and /b.xml; returns the list of client ports that asked (one per request)."""
    ports: list[int] = []

    def handler(req: BaseHTTPRequestHandler) -> None:
        ports.append(req.client_address[1])
        req.send_response(200)
        req.send_header("Content-Type", "application/atom+xml")
        req.send_header("Content-Length", str(len(FEED)))
        req.end_headers()
        req.wfile.write(FEED)

    server.add("/a.xml", handler=handler)
    server.add("/b.xml", handler=handler)
    return ports


@pytest.fixture
def two_servers() -> Iterator[tuple[LocalServer, LocalServer]]:
    first, second = LocalServer(), LocalServer()
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


def _fetch_in_turn(
    settings: FetchSettings, transport: GuardedTransport, urls: list[str]
) -> tuple[list[FetchResult], int]:
    """Fetch the URLs one after another; returns the results and the pools open at the end."""

    async def run() -> tuple[list[FetchResult], int]:
        async with Fetcher(settings, transport=transport) as fetcher:
            results = [await fetcher.fetch(source(u, id=f"s{i}")) for i, u in enumerate(urls)]
            return results, transport.origins

    return asyncio.run(run())


def test_one_pool_per_origin_and_connections_reused_within_it(
    two_servers: tuple[LocalServer, LocalServer],
) -> None:
    first, second = two_servers
    first_ports, second_ports = _recording(first), _recording(second)
    policy = AddressPolicy.build(False, ["127.0.0.0/8"])
    transport = GuardedTransport(policy, httpx.Limits(max_connections=4))
    urls = [
        f"{first.base_url}/a.xml",
        f"{second.base_url}/a.xml",
        f"{first.base_url}/b.xml",
        f"{second.base_url}/b.xml",
    ]

    results, pools = _fetch_in_turn(LOOPBACK_ONLY, transport, urls)

    assert [r.status for r in results] == [200, 200, 200, 200]
    assert pools == 2  # one per host:port, however many sources each serves
    # sequential requests to one origin went over one kept-alive connection
    assert len(first_ports) == 2 and len(set(first_ports)) == 1
    assert len(second_ports) == 2 and len(set(second_ports)) == 1
    assert first_ports != second_ports
    assert transport.origins == 0  # the fetcher closed every pool on the way out


def test_without_the_guard_connections_still_go_through_per_origin_pools(
    two_servers: tuple[LocalServer, LocalServer],
) -> None:
    """CURATOR_ALLOW_PRIVATE_NETWORKS=true turns off the address checks, not the pooling."""
    first, second = two_servers
    _recording(first)
    _recording(second)
    settings = FetchSettings(allow_private_networks=True)
    policy = AddressPolicy.build(True, [])
    transport = GuardedTransport(policy, httpx.Limits())

    results, pools = _fetch_in_turn(
        settings, transport, [f"{first.base_url}/a.xml", f"{second.base_url}/a.xml"]
    )

    assert [r.content for r in results] == [FEED, FEED]
    assert pools == 2


def test_the_default_tls_context_is_loaded_once_and_verifies() -> None:
    context = default_ssl_context()
    assert context is default_ssl_context()
    assert context.verify_mode.name == "CERT_REQUIRED"
    assert context.check_hostname


def test_a_cookie_set_on_a_redirect_is_sent_back_within_the_pass() -> None:
    """Some publishers' sites set a cookie and redirect back to the page asked for."""
    server = LocalServer()

    def feed(req: BaseHTTPRequestHandler) -> None:
        if "visited=yes" in (req.headers.get("Cookie") or ""):
            req.send_response(200)
            req.send_header("Content-Length", str(len(FEED)))
            req.end_headers()
            req.wfile.write(FEED)
            return
        req.send_response(302)
        req.send_header("Location", "/set")
        req.send_header("Content-Length", "0")
        req.end_headers()

    def set_cookie(req: BaseHTTPRequestHandler) -> None:
        req.send_response(302)
        req.send_header("Set-Cookie", "visited=yes; Path=/")
        req.send_header("Location", "/feed.xml")
        req.send_header("Content-Length", "0")
        req.end_headers()

    server.add("/feed.xml", handler=feed)
    server.add("/set", handler=set_cookie)
    server.start()
    try:
        policy = AddressPolicy.build(False, ["127.0.0.0/8"])
        transport = GuardedTransport(policy, httpx.Limits())
        (result,), _ = _fetch_in_turn(LOOPBACK_ONLY, transport, [f"{server.base_url}/feed.xml"])
    finally:
        server.stop()
    assert result.content == FEED
    assert [path for _, path, _ in server.requests] == ["/feed.xml", "/set", "/feed.xml"]
