"""Feed autodiscovery: which feeds an HTML page advertises, and whether bytes look like a feed.

Pure (bytes in, values out); the sources package calls these when an admin adds a site.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from curator.normalise import html_soup, is_http_url
from curator.parse.entries import join_url

#: ``<link rel="alternate" type=…>`` values that mean "a feed of this page".
FEED_TYPES: frozenset[str] = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
    }
)
# Not "application/json": WordPress puts <link rel="alternate" type="application/json"> to its
# REST API (/wp-json/wp/v2/pages/N) on every page; that is not a feed.
_FEED_CONTENT_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/xml",
    "text/xml",
)
_SNIFF_BYTES = 2048
_PROLOG = re.compile(rb"^(\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>)*", re.S | re.I)
_FEED_ROOT = re.compile(rb"^<(?:[\w.-]+:)?(rss|feed|RDF)[\s>/]", re.I)
# An Atom <feed> inside an XHTML page, as some servers really send it (feedparser reads it).
_EMBEDDED_ATOM = re.compile(rb"<(?:\w+:)?feed\s[^>]*=\s*[\"']http://www\.w3\.org/2005/Atom", re.I)
_EMBEDDED_SNIFF_BYTES = 65536


@dataclass(frozen=True)
class DiscoveredFeed:
    """A feed advertised by a page."""

    url: str
    title: str | None
    type: str


def discover_feeds(html: bytes, base_url: str) -> list[DiscoveredFeed]:
    """Feeds a page advertises with ``<link rel="alternate" type="application/rss+xml|atom+xml|
    feed+json">``: absolute URLs (``<base href>`` honoured), de-duplicated, in page order."""
    soup = html_soup(html)
    base_tag = soup.find("base", href=True)
    base = base_url
    if base_tag is not None:
        base = join_url(base_url, str(base_tag["href"])) or base_url
    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for link in soup.find_all("link", href=True):
        rel: object = link.get("rel") or []
        tokens = rel.split() if isinstance(rel, str) else list(rel) if isinstance(rel, list) else []
        rels = {str(r).lower() for r in tokens}
        kind = str(link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rels or kind not in FEED_TYPES:
            continue
        url = join_url(base, str(link["href"]).strip())
        if url is None or not is_http_url(url) or url in seen:
            continue
        seen.add(url)
        title = " ".join(str(link.get("title") or "").split()) or None
        found.append(DiscoveredFeed(url=url, title=title, type=kind))
    return found


def _head(content: bytes) -> bytes:
    head = content[:_SNIFF_BYTES]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            head = head[len(bom) :]
    if head[:2] in (b"<\x00", b"\x00<"):  # UTF-16 without a BOM: good enough to sniff
        head = head.replace(b"\x00", b"")
    return head


def _is_json_feed(content: bytes) -> bool:
    if b"jsonfeed.org/version" in content[:_SNIFF_BYTES]:
        return True
    try:
        data = json.loads(content)
    except ValueError:
        return False
    return isinstance(data, dict) and "jsonfeed.org" in str(data.get("version", ""))


def looks_like_html(content: bytes) -> bool:
    """True when the bytes are an HTML page (doctype or ``<html>`` before any feed root)."""
    rest = _head(content)
    lowered = rest.lower()
    if _FEED_ROOT.match(_PROLOG.sub(b"", rest, count=1)):
        return False
    return b"<!doctype html" in lowered or b"<html" in lowered


def looks_like_feed(content: bytes, content_type: str | None) -> bool:
    """True when the bytes are RSS, Atom, RSS 1.0 (RDF) or JSON Feed.

    The bytes decide (servers often send feeds as ``text/html`` or ``text/plain``); the
    Content-Type only counts when the first 2 kB are all prolog (comments, declarations).
    """
    head = _head(content)
    stripped = head.lstrip()
    if not stripped:
        return False
    if stripped.startswith(b"{"):
        return _is_json_feed(content)
    body = _PROLOG.sub(b"", head, count=1)
    if body.startswith((b"<!DOCTYPE", b"<!doctype")):
        # a DOCTYPE longer than the sniff window: its root name says what the document is
        return bool(_FEED_ROOT.match(b"<" + body[9:].lstrip()))
    if body and not body.startswith((b"<!", b"<?")):
        if _FEED_ROOT.match(body):
            return True
        return bool(_EMBEDDED_ATOM.search(content[:_EMBEDDED_SNIFF_BYTES]))
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in _FEED_CONTENT_TYPES
