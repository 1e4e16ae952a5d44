"""Which watched source a link belongs to (pure): its publisher names a publication the page
itself does not name, and its ``sector_hint`` helps the classifier.

A link belongs to a source on the same host (``www.`` aside). When several sources share the
host, the one whose URL shares the most leading path segments with the link wins; a tie between
different publishers is no match. GOV.UK links never match: dozens of publishers' feeds live on
that host, a link's path does not say whose it is, and GOV.UK pages name their organisations.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from curator.normalise import canonical_url
from curator.records import SourceConfig

GOVUK_HOST = "gov.uk"


def _host_and_segments(url: str) -> tuple[str, list[str]]:
    parts = urlsplit(canonical_url(url))
    host = (parts.hostname or "").lower()
    return host.removeprefix("www."), [s for s in parts.path.split("/") if s]


def _shared(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def match_source(sources: Sequence[SourceConfig], url: str) -> SourceConfig | None:
    """The watched source ``url`` belongs to, or None (see the module's docstring)."""
    host, path = _host_and_segments(url)
    if not host or host == GOVUK_HOST:
        return None
    scored: list[tuple[int, SourceConfig]] = []
    for source in sources:
        source_host, source_path = _host_and_segments(source.url)
        if source_host == host:
            # a feed or listing file ("rss.xml", "dhsc.atom") says nothing about the site's paths
            folders = source_path[:-1] if source_path and "." in source_path[-1] else source_path
            scored.append((_shared(path, folders), source))
    if not scored:
        return None
    best = max(score for score, _ in scored)
    winners = [s for score, s in scored if score == best]
    if len({s.publisher for s in winners}) > 1:
        return None
    return winners[0]
