"""The fetch package against a real loopback server: polite fetching and its bad inputs."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest

from curator.config import Settings
from curator.fetch import (
    BodyTooLarge,
    Fetcher,
    FetchError,
    FetchRequest,
    FetchSettings,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
    fetch_many,
)
from curator.records import FetchResult
from tests.support.fetching import (
    LOOPBACK_ONLY,
    ConcurrencyProbe,
    drip,
    endless,
    fetch_one,
    source,
)
from tests.support.fresh import modules_loaded_by
from tests.support.httpserver import LocalServer

ATOM = b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title></feed>"


def test_200_with_validators_then_304_echoes_them(server: LocalServer) -> None:
    url = server.add(
        "/feed.atom",
        ATOM,
        headers={"Last-Modified": "Wed, 05 Jun 2024 10:00:00 GMT", "Cache-Control": "max-age=600"},
        etag='W/"v1"',
    )
    first = fetch_one(LOOPBACK_ONLY, source(url))
    assert (first.status, first.content, first.not_modified) == (200, ATOM, False)
    assert first.etag == 'W/"v1"'
    assert first.last_modified == "Wed, 05 Jun 2024 10:00:00 GMT"
    assert first.max_age == 600.0
    assert first.url == url and first.source_id == "dhsc"

    second = fetch_one(
        LOOPBACK_ONLY, source(url), etag=first.etag, last_modified=first.last_modified
    )
    assert (second.status, second.not_modified, second.content) == (304, True, b"")
    assert second.etag == 'W/"v1"'
    sent = server.requests[-1][2]
    assert sent["If-None-Match"] == 'W/"v1"'  # verbatim, weak prefix and quotes kept
    assert sent["If-Modified-Since"] == "Wed, 05 Jun 2024 10:00:00 GMT"
    assert "If-None-Match" not in server.requests[0][2]


def test_user_agent_identifies_us(server: LocalServer) -> None:
    url = server.add("/feed.atom", ATOM)
    settings = FetchSettings.from_settings(Settings(contact_url="https://example.org/contact"))
    fetch_one(dataclasses.replace(settings, allowed_networks=("127.0.0.0/8",)), source(url))
    ua = server.requests[-1][2]["User-Agent"]
    assert ua.startswith("PulseCurator/") and "+https://example.org/contact" in ua


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_statuses_raise_naming_source_and_url(server: LocalServer, status: int) -> None:
    url = server.add("/gone", b"nope", status=status)
    with pytest.raises(HTTPStatusError) as info:
        fetch_one(LOOPBACK_ONLY, source(url))
    assert info.value.status == status
    assert str(info.value) == f"dhsc: HTTP {status} from {url}"
    assert (info.value.source_id, info.value.url, info.value.retry_after) == ("dhsc", url, None)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        ("90", "retry after 90 s"),
        ("120", "retry after 120 s, 2 minutes"),
        ("7200", "retry after 7200 s, 2 hours"),
        ("174362", "retry after 174362 s, about 2 days"),
    ],
)
def test_429_retry_after_seconds(server: LocalServer, seconds: str, said: str) -> None:
    url = server.add("/busy", status=429, headers={"Retry-After": seconds})
    with pytest.raises(HTTPStatusError) as info:
        fetch_one(LOOPBACK_ONLY, source(url))
    assert info.value.retry_after == float(seconds)
    assert str(info.value) == f"dhsc: HTTP 429 from {url} ({said})"


def test_503_retry_after_http_date(server: LocalServer) -> None:
    when = datetime.now(UTC) + timedelta(seconds=300)
    url = server.add("/busy", status=503, headers={"Retry-After": format_datetime(when, True)})
    with pytest.raises(HTTPStatusError) as info:
        fetch_one(LOOPBACK_ONLY, source(url))
    assert info.value.retry_after is not None
    assert 290 <= info.value.retry_after <= 300


def test_total_timeout_stops_a_server_dripping_a_byte_a_second(server: LocalServer) -> None:
    url = server.add("/drip", handler=drip(total=100, interval=0.5))
    settings = dataclasses.replace(LOOPBACK_ONLY, read_timeout=5.0, total_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as info:
        fetch_one(settings, source(url))
    assert time.monotonic() - started < 2.5
    assert str(info.value) == f"dhsc: no complete response from {url} within 1 s (total timeout)"


def test_read_timeout(server: LocalServer) -> None:
    url = server.add("/stall", handler=drip(total=10, interval=2.0))
    settings = dataclasses.replace(LOOPBACK_ONLY, read_timeout=0.3, total_timeout=10.0)
    with pytest.raises(FetchTimeout, match=r"sent nothing for 0\.3 s \(read timeout\)"):
        fetch_one(settings, source(url))


def test_gzip_bomb_stops_at_the_cap_after_decompression(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (4 * 1024 * 1024))
    assert len(bomb) < 10_000
    url = server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=1024 * 1024)
    with pytest.raises(BodyTooLarge) as info:
        fetch_one(settings, source(url))
    assert str(info.value).startswith(f"dhsc: the body from {url} is larger than 1048576 bytes")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_under_the_cap_are_decoded(server: LocalServer, encoding: str) -> None:
    body = ATOM * 200
    if encoding == "gzip":
        wire = gzip.compress(body)
    elif encoding == "deflate":
        wire = zlib.compress(body)
    else:
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        wire = packer.compress(body) + packer.flush()
    header = "gzip" if encoding == "gzip" else "deflate"
    url = server.add("/z", wire, headers={"Content-Encoding": header})
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=len(body))
    assert fetch_one(settings, source(url)).content == body


def test_body_over_cap_without_content_length(server: LocalServer) -> None:
    url = server.add("/big", handler=endless())
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=256 * 1024)
    with pytest.raises(BodyTooLarge, match="larger than 262144 bytes"):
        fetch_one(settings, source(url))


def test_body_over_cap_with_content_length_is_refused_early(server: LocalServer) -> None:
    url = server.add("/big", b"z" * 5000)
    settings = dataclasses.replace(LOOPBACK_ONLY, max_bytes=4999)
    with pytest.raises(BodyTooLarge):
        fetch_one(settings, source(url))
    exact = dataclasses.replace(LOOPBACK_ONLY, max_bytes=5000)
    assert len(fetch_one(exact, source(url)).content) == 5000


def test_redirect_loop(server: LocalServer) -> None:
    a = server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=301, headers={"Location": a})
    with pytest.raises(TooManyRedirects) as info:
        fetch_one(LOOPBACK_ONLY, source(a))
    assert str(info.value).startswith(f"dhsc: more than 5 redirects starting at {a}")
    assert len(server.requests) == 6  # the first request and five redirects, no more


def test_redirects_are_followed_up_to_the_limit(server: LocalServer) -> None:
    final = server.add("/final", ATOM)
    for i in range(5):
        nxt = final if i == 4 else f"/hop{i + 1}"
        server.add(f"/hop{i}", status=307, headers={"Location": nxt})
    result = fetch_one(LOOPBACK_ONLY, source(server.url("/hop0")))
    assert (result.url, result.content) == (final, ATOM)
    tight = dataclasses.replace(LOOPBACK_ONLY, max_redirects=4)
    with pytest.raises(TooManyRedirects):
        fetch_one(tight, source(server.url("/hop0")))


@pytest.mark.parametrize(
    ("hops", "moved"),
    [
        ([301], "/h1"),
        ([308, 301], "/h2"),
        ([301, 302], "/h1"),  # the permanent part of the way only
        ([302, 301], None),  # a temporary first step: the source's URL is still the one to ask
        ([307], None),
    ],
)
def test_a_permanent_move_is_reported(
    server: LocalServer, hops: list[int], moved: str | None
) -> None:
    server.add(f"/h{len(hops)}", ATOM)
    for i, status in enumerate(hops):
        server.add(f"/h{i}", status=status, headers={"Location": f"/h{i + 1}"})
    asked = server.url("/h0")
    result = fetch_one(LOOPBACK_ONLY, source(asked))
    assert result.moved_to == (None if moved is None else server.url(moved))
    warning = result.moved_warning(asked)
    assert (
        warning is None
        if moved is None
        else warning
        == (
            f"{asked} has moved permanently (HTTP 301/308) to {server.url(moved)}; "
            "set the source's url to the new address"
        )
    )


def test_empty_body_is_a_result(server: LocalServer) -> None:
    url = server.add("/empty", b"")
    result = fetch_one(LOOPBACK_ONLY, source(url))
    assert (result.status, result.content) == (200, b"")


def test_per_host_cap_holds_at_the_server(server: LocalServer) -> None:
    probe = ConcurrencyProbe(hold=0.15)
    server.add("/slow", handler=probe)
    reqs = [FetchRequest(source(server.url(f"/slow?n={i}"), id=f"s{i}")) for i in range(6)]
    results = fetch_many(reqs, LOOPBACK_ONLY)
    assert all(isinstance(r, FetchResult) for r in results)
    assert probe.peak == 2

    probe.peak = 0
    wider = dataclasses.replace(LOOPBACK_ONLY, per_host_limit=3)
    fetch_many(reqs, wider)
    assert probe.peak == 3


def test_global_cap_holds_across_hosts() -> None:
    probe = ConcurrencyProbe(hold=0.15)
    servers = [LocalServer().start() for _ in range(3)]
    try:
        reqs = []
        for n, srv in enumerate(servers):
            srv.add("/slow", handler=probe)
            reqs += [FetchRequest(source(srv.url(f"/slow?{i}"), id=f"h{n}-{i}")) for i in range(3)]
        settings = dataclasses.replace(LOOPBACK_ONLY, global_limit=4, per_host_limit=2)
        results = fetch_many(reqs, settings)
        assert all(isinstance(r, FetchResult) for r in results)
        assert probe.peak == 4
    finally:
        for srv in servers:
            srv.stop()


def test_fetch_many_keeps_input_order_and_reports_each(server: LocalServer) -> None:
    ok = server.add("/ok", ATOM)
    bad = server.add("/bad", status=500)
    reqs = [FetchRequest(source(ok, id="a")), FetchRequest(source(bad, id="b"))]
    seen: list[str] = []
    results = fetch_many(reqs, LOOPBACK_ONLY, on_result=lambda req, _: seen.append(req.source.id))
    assert isinstance(results[0], FetchResult) and results[0].source_id == "a"
    assert isinstance(results[1], HTTPStatusError) and results[1].source_id == "b"
    assert isinstance(results[1], FetchError)
    assert sorted(seen) == ["a", "b"]


def test_connection_refused_names_the_source() -> None:
    srv = LocalServer().start()
    url = srv.url("/feed")
    srv.stop()  # nothing listens on that port any more
    [outcome] = fetch_many([FetchRequest(source(url))], LOOPBACK_ONLY)
    assert isinstance(outcome, FetchError)
    assert str(outcome).startswith(f"dhsc: connection to {url} failed")


def test_a_busy_host_does_not_hold_global_slots_others_could_use() -> None:
    probe = ConcurrencyProbe(hold=0.2)
    busy, quiet = LocalServer().start(), LocalServer().start()
    try:
        busy.add("/slow", handler=probe)
        quiet.add("/slow", handler=probe)
        reqs = [FetchRequest(source(busy.url(f"/slow?{i}"), id=f"busy{i}")) for i in range(6)]
        reqs += [FetchRequest(source(quiet.url(f"/slow?{i}"), id=f"quiet{i}")) for i in range(2)]
        finished: list[str] = []
        settings = dataclasses.replace(LOOPBACK_ONLY, global_limit=4, per_host_limit=2)
        fetch_many(reqs, settings, on_result=lambda req, _: finished.append(req.source.id))
        # the quiet host's two sources run in the first round, beside two of the busy host's
        assert {"quiet0", "quiet1"} <= set(finished[:4])
    finally:
        busy.stop()
        quiet.stop()


def test_fetch_url_ignores_robots_and_sends_no_validators(server: LocalServer) -> None:
    server.add("/robots.txt", b"User-agent: *\nDisallow: /\n")
    url = server.add("/page.html", b"<html/>", etag='"e"')

    async def run() -> FetchResult:
        async with Fetcher(LOOPBACK_ONLY) as fetcher:
            return await fetcher.fetch_url(url)

    result = asyncio.run(run())
    assert (result.status, result.source_id, result.etag) == (200, "-", '"e"')
    assert [p for _, p, _ in server.requests] == ["/page.html"]


def test_user_agent_override_from_the_environment(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CURATOR_USER_AGENT", "EditorsBot/2 (+mailto:editors@example.org)")
    settings = FetchSettings.from_settings(Settings())
    url = server.add("/feed.atom", ATOM)
    fetch_one(dataclasses.replace(settings, allowed_networks=("127.0.0.0/8",)), source(url))
    assert server.requests[-1][2]["User-Agent"] == "EditorsBot/2 (+mailto:editors@example.org)"


def test_server_hints_are_reported_on_success_and_on_304(server: LocalServer) -> None:
    hints = {"Cache-Control": "public, max-age=7200", "Retry-After": "60"}
    url = server.add("/feed.atom", ATOM, headers=hints)
    first = fetch_one(LOOPBACK_ONLY, source(url))
    assert (first.max_age, first.retry_after) == (7200.0, 60.0)

    def not_modified(req: BaseHTTPRequestHandler) -> None:
        req.send_response(304)
        req.send_header("Cache-Control", "max-age=900")
        req.end_headers()

    url = server.add("/same.atom", handler=not_modified)
    result = fetch_one(LOOPBACK_ONLY, source(url), etag='"abc"', last_modified="Mon, 03 Jun 2024")
    assert (result.status, result.not_modified, result.max_age) == (304, True, 900.0)
    # no validators in the 304: the ones sent are still the ones to keep
    assert (result.etag, result.last_modified) == ('"abc"', "Mon, 03 Jun 2024")


def test_fetching_loads_no_httpx_command_line_client() -> None:
    # httpx imports its CLI (click, rich, pygments) when they are installed: ~5 MB of the
    # poller's process for nothing (curator/fetch/__init__.py)
    loaded, printed = modules_loaded_by(
        "import curator.fetch, curator.pipeline, curator.sources, curator.store.db, httpx\n"
        "print(callable(httpx.main), httpx.Client.__name__)"
    )
    assert printed == "True Client"
    assert "httpx" in loaded and not loaded & {"click", "rich", "pygments"}
