"""What a URL would give as a source: fetch it through the fetcher (the SSRF guard, size caps,
timeouts, the configured User-Agent) and read what came back as the poller would, into a
:class:`Candidate` a person can judge (title, entries, newest entry, or the problem)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from curator.sources.model import without_id

if TYPE_CHECKING:
    from curator.config import Settings
    from curator.errors import FetchError
    from curator.records import FetchResult, SourceConfig

#: Source id used in messages while probing a URL that has no id yet.
PROBE_ID = "new"
#: What separates a page's own name from its site's in a ``<title>``: "Research | Site".
_TITLE_SEPARATOR = re.compile(r"\s+[|–—-]\s+")


@dataclass
class Candidate:
    """A feed (or page) that could be watched, with what a fetch of it showed."""

    url: str
    title: str | None
    entries: int = 0
    newest_title: str | None = None
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None and self.entries > 0


def clean_publisher(title: str | None) -> str | None:
    """A publisher name guessed from a feed title ("Ofsted - Activity on GOV.UK" → "Ofsted")."""
    if not title:
        return None
    name = re.sub(r"\s+-\s+Activity on GOV\.UK$", "", title.strip())
    name = re.sub(r"\s*(?:»|[|–—-])\s*(?:RSS|Atom)?\s*(?:Feed|News|Blog)?\s*$", "", name)
    name = re.sub(r"\s+(?:RSS|Atom)?\s*Feed$", "", name, flags=re.I)
    return name.strip() or None


def page_publisher(title: str | None) -> str | None:
    """A publisher name guessed from a web page's title: the site's name after the last
    separator ("Our publications | Prison Reform Trust" → "Prison Reform Trust")."""
    if not title or not title.strip():
        return None
    return _TITLE_SEPARATOR.split(title.strip())[-1].strip() or None


async def _fetch_all(urls: Sequence[str], settings: Settings) -> list[FetchResult | FetchError]:
    import asyncio

    from curator.errors import FetchError as BaseFetchError
    from curator.fetch import Fetcher, FetchSettings

    async with Fetcher(FetchSettings.from_settings(settings)) as fetcher:

        async def one(url: str) -> FetchResult | FetchError:
            try:
                return await fetcher.fetch_url(url, source_id=PROBE_ID)
            except BaseFetchError as exc:
                return exc

        return list(await asyncio.gather(*(one(u) for u in urls)))


def fetch(urls: Sequence[str], settings: Settings) -> list[FetchResult | FetchError]:
    """Fetch ``urls`` at once, politely; each result is the document or the error."""
    import asyncio

    return asyncio.run(_fetch_all(urls, settings))


def probe(source: SourceConfig, outcome: FetchResult | FetchError) -> Candidate:
    """What a fetch of ``source`` holds: its title, entries and newest entry, or the problem."""
    from curator.errors import CuratorError
    from curator.parse import parse_document

    if isinstance(outcome, CuratorError):
        return Candidate(source.url, None, error=without_id(str(outcome), PROBE_ID))
    try:
        parsed = parse_document(
            outcome.content,
            source=source,
            url=outcome.url,
            headers=outcome.headers,
            now=datetime.now(UTC),
        )
    except CuratorError as exc:
        return Candidate(outcome.url, None, error=without_id(str(exc), source.id))
    newest = max(
        parsed.entries,
        key=lambda e: e.published_at or datetime.min.replace(tzinfo=UTC),
        default=None,
    )
    return Candidate(
        url=outcome.url,
        title=parsed.title,
        entries=len(parsed.entries),
        newest_title=newest.title if newest else None,
        error=None if parsed.entries else "no entries",
    )
