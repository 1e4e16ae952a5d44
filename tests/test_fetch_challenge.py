"""Telling a site that refuses automated clients from one that is broken or fine: the pure rule,
then the fetcher on a real loopback server."""

from __future__ import annotations

import pytest

from curator.fetch import BlockedBySite, FetchRequest, FetchSettings, HTTPStatusError, fetch_many
from curator.fetch.challenge import challenge, refusal
from curator.records import FetchResult, SourceConfig
from tests.conftest import FIXTURES
from tests.support.httpserver import LocalServer

HTML = {"Content-Type": "text/html; charset=utf-8"}
CLOUDFLARE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta name="robots" content="noindex,nofollow"></head><body></body></html>'
)
CLOUDFLARE_BLOCK = b"<html><head><title>Attention Required! | Cloudflare</title></head></html>"
INCAPSULA_REFUSAL = (
    b"<html><body>Request unsuccessful. Incapsula incident ID: 123000450012345678-1</body></html>"
)
INCAPSULA_CHALLENGE = (
    b'<html><head><META NAME="robots" CONTENT="noindex,nofollow">'
    b'<script src="/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4"></script>'
    b"</head><body></body></html>"
)
AKAMAI = (
    b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have "
    b"permission to access this server.<P>Reference&#32;&#35;18.4c2b3b17.1733920000.2f1e</BODY>"
)


@pytest.mark.parametrize(
    ("headers", "body", "what"),
    [
        ({"CF-Mitigated": "challenge"}, b"", "a Cloudflare challenge page"),
        ({"x-amzn-waf-action": "challenge"}, b"", "an AWS WAF challenge"),
        ({"x-amzn-waf-action": "captcha"}, b"", "an AWS WAF CAPTCHA"),
        (HTML, CLOUDFLARE, "a Cloudflare challenge page"),
        ({}, CLOUDFLARE, "a Cloudflare challenge page"),  # found by its doctype, no header
        (HTML, CLOUDFLARE_BLOCK, "a Cloudflare block page"),
        (HTML, INCAPSULA_REFUSAL, "an Imperva (Incapsula) refusal page"),
        (HTML, INCAPSULA_CHALLENGE, "an Imperva (Incapsula) challenge page"),
        (HTML, b"<html><title>DDoS-Guard</title></html>", "a DDoS-Guard challenge page"),
        (HTML, AKAMAI.replace(b"&#32;&#35;", b" #"), "an Akamai refusal page"),
    ],
)
def test_challenge_markers(headers: dict[str, str], body: bytes, what: str) -> None:
    assert challenge(headers, body) == what


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        # a real listing page and a real feed
        (HTML, (FIXTURES / "pages" / "other-sqlite-releases-listing.html").read_bytes()),
        (
            {"Content-Type": "application/rss+xml"},
            (FIXTURES / "feeds" / "uk-guardian-rss-media-rss.xml").read_bytes(),
        ),
        # a feed whose item is titled like a challenge page is still a feed
        (
            {"Content-Type": "text/html"},
            b'<?xml version="1.0"?><rss><channel><item><title>Just a moment...</title>'
            b"</item></channel></rss>",
        ),
        # an ordinary page that loads Imperva's or Cloudflare's scripts is not a challenge
        (
            HTML,
            b'<html><script src="/_Incapsula_Resource?SWJIYLWA=1"></script>'
            + b"<p>publication</p>" * 400
            + b"</html>",
        ),
        (
            HTML,
            b'<html><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></html>',
        ),
        ({"cf-mitigated": "block"}, b""),  # not a challenge value: judged by its status
        ({"Server": "cloudflare", "CF-RAY": "8fcb3f8a0cc56750-LHR"}, b"<html></html>"),
    ],
)
def test_ordinary_answers_are_not_challenges(headers: dict[str, str], body: bytes) -> None:
    assert challenge(headers, body) is None


def test_refusal_is_a_challenge_or_401_403_only() -> None:
    assert refusal(403, {}) == "access forbidden, most likely bot protection"
    assert refusal(401, {}) == "the server asks for credentials"
    assert refusal(503, {"cf-mitigated": "challenge"}) == "a Cloudflare challenge page"
    assert refusal(200, HTML, CLOUDFLARE) == "a Cloudflare challenge page"
    for status in (200, 404, 429, 500, 503):
        assert refusal(status, {}) is None


def _fetch(server: LocalServer, path: str) -> FetchResult | Exception:
    source = SourceConfig(id="lga", publisher="LGA", kind="feed", url=server.url(path))
    settings = FetchSettings(allow_private_networks=True)
    (outcome,) = fetch_many([FetchRequest(source)], settings)
    return outcome


def test_the_fetcher_names_a_refusal_and_keeps_other_errors_apart(server: LocalServer) -> None:
    server.add("/forbidden", b"", status=403)
    server.add("/challenge", CLOUDFLARE, headers=HTML)
    server.add("/waf", b"", status=202, headers={"x-amzn-waf-action": "challenge"})
    server.add("/down", b"", status=503)
    server.add("/feed", (FIXTURES / "feeds" / "uk-guardian-rss-media-rss.xml").read_bytes())

    forbidden = _fetch(server, "/forbidden")
    assert isinstance(forbidden, BlockedBySite) and forbidden.status == 403
    assert str(forbidden) == (
        f"lga: HTTP 403 from {server.url('/forbidden')}: access forbidden, most likely bot "
        "protection; the site refuses automated clients (check it by hand)"
    )
    page = _fetch(server, "/challenge")
    assert isinstance(page, BlockedBySite) and page.status == 200
    assert page.reason == "a Cloudflare challenge page"
    waf = _fetch(server, "/waf")
    assert isinstance(waf, BlockedBySite) and waf.reason == "an AWS WAF challenge"
    down = _fetch(server, "/down")
    assert isinstance(down, HTTPStatusError) and not isinstance(down, BlockedBySite)
    assert isinstance(_fetch(server, "/feed"), FetchResult)
