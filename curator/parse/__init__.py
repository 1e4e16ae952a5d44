"""Bytes → entries. Pure: no network, no database.

``parse_document`` is the one entry point the pipeline calls; it dispatches on the source's kind
to :func:`curator.parse.feeds.parse_feed` or :func:`curator.parse.pages.parse_page`. Every error
is a :class:`curator.errors.ParseError` whose message starts with the source id
(:mod:`curator.parse.errors` has the specific ones, :mod:`curator.parse.discover` finds feeds
on HTML pages).

This module imports no parser: the poller's process imports :mod:`curator.parse.pool`, which
loads this package, and parses in child processes. feedparser, bs4 and lxml are loaded where a
document is parsed (the pool's workers import them as they start).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from curator.errors import ParseError
from curator.records import ParsedFeed, SourceConfig

__all__ = ["parse_document"]


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
        from curator.parse.pages import parse_page

        return parse_page(content, source=source, url=url, headers=headers, now=now)
    if source.kind == "feed":
        from curator.parse.feeds import parse_feed

        return parse_feed(content, source=source, url=url, headers=headers, now=now)
    raise ParseError(f"{source.id}: unknown source kind {source.kind!r}")
