"""Bytes → entries (issue 2). Pure: no network, no database.

``parse_document`` is the one entry point the pipeline calls; it dispatches on the source's kind
to :func:`curator.parse.feeds.parse_feed` or :func:`curator.parse.pages.parse_page`. Every error
is a :class:`curator.errors.ParseError` whose message starts with the source id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from curator.errors import ParseError
from curator.parse.discover import DiscoveredFeed, discover_feeds, looks_like_feed
from curator.parse.errors import EmptyDocument, FeedEnded, NotAFeed, UnparseableFeed
from curator.parse.feeds import parse_feed
from curator.parse.pages import parse_page, validate_selector
from curator.records import ParsedFeed, SourceConfig

__all__ = [
    "DiscoveredFeed",
    "EmptyDocument",
    "FeedEnded",
    "NotAFeed",
    "ParseError",
    "UnparseableFeed",
    "discover_feeds",
    "looks_like_feed",
    "parse_document",
    "parse_feed",
    "parse_page",
    "validate_selector",
]


def parse_document(
    content: bytes,
    *,
    source: SourceConfig,
    url: str,
    headers: Mapping[str, str],
    now: datetime,
) -> ParsedFeed:
    """Parse a fetched document of ``source``; ``url`` is the final URL after redirects (the
    base for relative links), ``now`` an aware datetime (dates far in the future are dropped)."""
    if source.kind == "page":
        return parse_page(content, source=source, url=url, headers=headers, now=now)
    if source.kind == "feed":
        return parse_feed(content, source=source, url=url, headers=headers, now=now)
    raise ParseError(f"{source.id}: unknown source kind {source.kind!r}")
