"""Feed autodiscovery and feed sniffing (used by the sources package when an admin adds a site)."""

from __future__ import annotations

import pytest

from curator.parse.discover import DiscoveredFeed, discover_feeds, looks_like_feed
from tests.conftest import FIXTURES


def test_discovers_rss_atom_and_json_feeds_in_page_order() -> None:
    html = b"""<!doctype html><html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/atom+xml" title=" Atom  feed " href="/feed.atom">
    <link rel="alternate" hreflang="cy" href="/cy">
    <link rel="Alternate" type="application/RSS+XML" href="https://cdn.example/rss.xml">
    <link rel="alternate" type="application/feed+json" href="feed.json">
    <link rel="alternate" type="application/atom+xml" href="https://site.example/feed.atom">
    <link rel="alternate" type="text/html" href="/other">
    <link rel="alternate" type="application/json" href="https://site.example/wp-json/wp/v2/pages/7">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body>
    <a rel="alternate" type="application/rss+xml" href="/not-a-link-tag"></a>
    </body></html>"""
    assert discover_feeds(html, "https://site.example/news/index.html") == [
        DiscoveredFeed("https://site.example/feed.atom", "Atom feed", "application/atom+xml"),
        DiscoveredFeed("https://cdn.example/rss.xml", None, "application/rss+xml"),
        DiscoveredFeed("https://site.example/news/feed.json", None, "application/feed+json"),
    ]


def test_discovery_honours_base_href_and_deduplicates() -> None:
    page = (FIXTURES / "pages" / "hmiprobation-inspections-listing-built.html").read_bytes()
    found = discover_feeds(
        page, "https://www.justiceinspectorates.gov.uk/hmiprobation/inspections/"
    )
    assert [f.url for f in found] == [
        "https://www.justiceinspectorates.gov.uk/hmiprobation/feed/",
        "https://www.justiceinspectorates.gov.uk/hmiprobation/comments/feed/",
    ]
    assert found[0].title == "HM Inspectorate of Probation » Feed"


def test_page_without_feeds() -> None:
    page = (FIXTURES / "feeds" / "awkward-not-a-feed-html.html").read_bytes()
    assert discover_feeds(page, "https://x.example/") == []


FEED_FIXTURES = sorted(
    p
    for p in (FIXTURES / "feeds").iterdir()
    if p.suffix in {".xml", ".atom", ".rss"} and "illformed-incomplete" not in p.name
)


@pytest.mark.parametrize("path", FEED_FIXTURES, ids=lambda p: p.name)
def test_every_feed_fixture_looks_like_a_feed(path: object) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    assert looks_like_feed(path.read_bytes(), None)


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        ((FIXTURES / "feeds" / "awkward-not-a-feed-html.html").read_bytes(), "text/html", False),
        ((FIXTURES / "pages" / "other-sqlite-releases-listing.html").read_bytes(), None, False),
        # servers lie: the bytes decide
        (b'<?xml version="1.0"?><rss version="2.0"></rss>', "text/html", True),
        (b"<!DOCTYPE html><html></html>", "application/rss+xml", False),
        (b"\xef\xbb\xbf  <feed xmlns='http://www.w3.org/2005/Atom'/>", "text/plain", True),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', None, True),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', None, True),
        (b'{"hello": 1}', "application/json", False),
        (b"<sitemap/>", "application/xml", False),
        (b"", "application/rss+xml", False),
        ('<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16"), None, True),
        # only prolog in the first 2 kB: the Content-Type breaks the tie
        (b"<!--" + b"x" * 3000 + b"--><rss/>", "application/rss+xml", True),
        (b"<!--" + b"x" * 3000 + b"--><rss/>", "text/html", False),
    ],
)
def test_looks_like_feed(content: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(content, content_type) is expected
