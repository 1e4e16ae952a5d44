"""Turn a URL into a new source in ``sources.yaml``: the one path behind ``curator sources add``
and ``/pulse sources add``.

The URL is checked (shape, GOV.UK's forbidden searches, duplicates), then fetched through the
fetcher (the SSRF guard, size caps, timeouts, the configured User-Agent), and what came back
decides: a feed is added as it is; for a web page, the feeds it advertises are fetched and the
first that works and is not watched yet is added; with selectors, the page itself, if they find
items. The entry is appended (comments and layout kept) only if the whole file still validates.
Callers decide how to show what was found and what to ask (:class:`Choices`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from curator.errors import ConfigError

if TYPE_CHECKING:
    from curator.config import Settings
    from curator.errors import FetchError
    from curator.records import FetchResult, SourceConfig
    from curator.sources import Problem

#: At most this many feeds advertised by one page are fetched to show what they hold.
MAX_DISCOVERED = 5
#: Source id used in messages while probing a URL that has no id yet.
PROBE_ID = "new"


class NotAdded(ConfigError):
    """Nothing was added; the message says why (and ``problems`` lists a file's problems)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


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


@dataclass(frozen=True)
class AddRequest:
    url: str
    path: Path
    source_id: str | None = None
    publisher: str | None = None
    kind: str | None = None  # "page" needs selectors; otherwise found by fetching
    every: str | None = None
    sector_hint: str | None = None
    selectors: Mapping[str, str] | None = None
    notes: str | None = None  # default: "Added with `curator sources add URL` on DATE."


@dataclass(frozen=True)
class Added:
    source_id: str
    publisher: str
    kind: str
    url: str  # what is watched: the feed found, when the URL was a page advertising it
    path: Path
    line: int | None


class Choices(Protocol):
    """How a caller shows what was found and answers the questions."""

    def show(self, candidates: Sequence[Candidate]) -> None: ...

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate: ...

    def publisher(self, suggested: str | None) -> str | None: ...

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool: ...


class NoQuestions:
    """Show nothing, take the first feed that works and the suggested publisher, say yes."""

    def show(self, candidates: Sequence[Candidate]) -> None:
        pass

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate:
        return usable[0]

    def publisher(self, suggested: str | None) -> str | None:
        return suggested

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool:
        return True


def clean_publisher(title: str | None) -> str | None:
    """A publisher name guessed from a feed title ("Ofsted - Activity on GOV.UK" → "Ofsted")."""
    if not title:
        return None
    import re

    name = re.sub(r"\s+-\s+Activity on GOV\.UK$", "", title.strip())
    name = re.sub(r"\s*(?:»|[|–—-])\s*(?:RSS|Atom)?\s*(?:Feed|News|Blog)?\s*$", "", name)
    name = re.sub(r"\s+(?:RSS|Atom)?\s*Feed$", "", name, flags=re.I)
    return name.strip() or None


def _without_id(message: str, source_id: str) -> str:
    prefix = f"{source_id}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


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
        return Candidate(source.url, None, error=_without_id(str(outcome), PROBE_ID))
    try:
        parsed = parse_document(
            outcome.content,
            source=source,
            url=outcome.url,
            headers=outcome.headers,
            now=datetime.now(UTC),
        )
    except CuratorError as exc:
        return Candidate(outcome.url, None, error=_without_id(str(exc), source.id))
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


def add_source(req: AddRequest, settings: Settings, choices: Choices | None = None) -> Added:
    """Fetch ``req.url`` and append the source it gives to ``req.path``; raises
    :class:`NotAdded` (file untouched) when there is nothing usable, or it is already watched."""
    from curator.errors import CuratorError
    from curator.records import PageSelectors, SourceConfig
    from curator.sources import (
        SourcesError,
        append_source,
        load_sources,
        same_url_key,
        suggest_id,
        url_problem,
    )

    ask = choices or NoQuestions()
    url, path = req.url, req.path
    bad = url_problem(url)
    if bad:
        raise NotAdded(bad)
    try:
        existing = load_sources(path)
    except SourcesError as exc:
        raise NotAdded(f"fix {path} first; nothing added", exc.problems) from None
    ids = {c.id for c in existing}

    def refuse_duplicate(candidate_url: str) -> None:
        key = same_url_key(candidate_url)
        c = next((c for c in existing if same_url_key(c.url) == key), None)
        if c is not None:
            raise NotAdded(
                f"{candidate_url} is already watched by source '{c.id}' ({path}:{c.line}); "
                "nothing added"
            )

    if req.source_id is not None and req.source_id in ids:
        line = next(c.line for c in existing if c.id == req.source_id)
        raise NotAdded(
            f"id '{req.source_id}' is already used ({path}:{line}); choose another with --id"
        )
    refuse_duplicate(url)

    (page,) = fetch([url], settings)
    if isinstance(page, CuratorError):
        raise NotAdded(f"could not fetch {url}: {page}")

    probe_id = req.source_id or PROBE_ID
    name = req.publisher or "-"
    if req.kind == "page":
        if not req.selectors:
            raise NotAdded("a page source needs selectors: item=, title= and link=")
        chosen = probe(
            SourceConfig(
                id=probe_id,
                publisher=name,
                kind="page",
                url=url,
                selectors=PageSelectors(**req.selectors),
            ),
            page,
        )
        chosen.url = url
        ask.show([chosen])
        if not chosen.usable:
            raise NotAdded(f"the selectors found no items on {url} ({chosen.error}); nothing added")
        kind = "page"
    else:
        chosen = _feed(req, page, settings, ask, refuse_duplicate, existing)
        kind = "feed"

    publisher = ask.publisher(req.publisher or clean_publisher(chosen.title))
    if not publisher:
        raise NotAdded(
            "the feed has no title: give the publisher's name (curator sources add URL "
            "--publisher NAME, or /pulse sources add URL Publisher name)"
        )
    new_id = req.source_id or suggest_id(chosen.url, ids)
    entry: dict[str, object] = {"id": new_id, "publisher": publisher, "kind": kind}
    entry["url"] = chosen.url
    if req.every:
        entry["every"] = req.every
    if req.sector_hint:
        entry["sector_hint"] = req.sector_hint
    if req.selectors is not None:
        entry["selectors"] = dict(req.selectors)
    entry["verified"] = False
    entry["notes"] = (
        req.notes or f"Added with `curator sources add {url}` on {datetime.now(UTC):%Y-%m-%d}."
    )
    if not ask.confirm(new_id, publisher, path):
        raise NotAdded("nothing added")
    try:
        append_source(path, entry)
    except SourcesError as exc:
        raise NotAdded("nothing added", exc.problems) from None
    line = next((c.line for c in load_sources(path) if c.id == new_id), None)
    return Added(new_id, publisher, kind, chosen.url, path, line)


def _feed(
    req: AddRequest,
    page: FetchResult,
    settings: Settings,
    ask: Choices,
    refuse_duplicate: Callable[[str], None],
    existing: Sequence[SourceConfig],
) -> Candidate:
    """The feed to watch for ``req.url``: the URL itself, or one its page advertises."""
    from curator.parse.discover import discover_feeds, looks_like_feed
    from curator.records import SourceConfig
    from curator.sources import same_url_key

    url, probe_id, name = req.url, req.source_id or PROBE_ID, req.publisher or "-"
    if looks_like_feed(page.content, page.headers.get("content-type")):
        chosen = probe(SourceConfig(id=probe_id, publisher=name, kind="feed", url=url), page)
        ask.show([chosen])
        if not chosen.usable:
            raise NotAdded(f"{url} is a feed but could not be used ({chosen.error}); nothing added")
        refuse_duplicate(chosen.url)  # it may have redirected to a watched feed
        return chosen
    found = discover_feeds(page.content, page.url)[:MAX_DISCOVERED]
    if not found:
        raise NotAdded(
            f'{url} is a web page that advertises no feed (no <link rel="alternate">). '
            "Add it as a page source: curator sources add URL --kind page "
            "--selector item=CSS --selector title=CSS --selector link=CSS"
        )
    watched_keys = {same_url_key(c.url): c.id for c in existing}
    cands: list[Candidate] = []
    watched: list[str] = []
    for feed, res in zip(found, fetch([f.url for f in found], settings), strict=True):
        cand = probe(SourceConfig(id=probe_id, publisher=name, kind="feed", url=feed.url), res)
        cand.url = feed.url
        cand.title = cand.title or feed.title
        already = watched_keys.get(same_url_key(cand.url))
        if cand.usable and already is not None:
            cand.error = f"already watched by source '{already}'"
            watched.append(cand.url)
        cands.append(cand)
    ask.show(cands)
    usable = [c for c in cands if c.usable]
    if not usable and watched:
        refuse_duplicate(watched[0])
    if not usable:
        raise NotAdded(
            f"none of the {len(cands)} feeds found on {url} could be used; nothing added"
        )
    chosen = ask.pick(usable, cands) if len(usable) > 1 else usable[0]
    refuse_duplicate(chosen.url)
    return chosen
