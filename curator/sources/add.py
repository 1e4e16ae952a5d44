"""Turn a URL into a new source in ``sources.yaml``: the one path behind ``curator sources add``
and ``/pulse sources add``.

The URL is checked (shape, GOV.UK's forbidden searches, duplicates), then fetched through the
fetcher (see :mod:`curator.sources.probe`), and what came back decides: a feed is added as it is;
for a web page, the feeds it advertises are fetched and the first that works and is not watched
yet is added; with selectors, the page itself, if they find items. A page that advertises no
feed is read without selectors (the automatic listing reader): the first publications found
are shown, and it is added as ``kind: page`` without selectors when the caller accepts (a person
at a terminal, or the request says so). The entry is appended (comments and layout kept) only if
the whole file still validates. Callers decide how to show what was found and what to ask
(:class:`Choices`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from curator.errors import ConfigError
from curator.sources.model import MAX_DISCOVERED, without_id
from curator.sources.probe import PROBE_ID, Candidate, clean_publisher, fetch, page_publisher, probe

if TYPE_CHECKING:
    from curator.config import Settings
    from curator.parse.listing import ListedItem
    from curator.records import FetchResult, SourceConfig
    from curator.sources.model import Problem

#: How many of the publications a page read without selectors lists are shown.
MAX_LISTED = 5
#: How to give a page source its selectors, for messages.
SELECTORS_HINT = "--kind page --selector item=CSS --selector title=CSS --selector link=CSS"


def listed_date(item: ListedItem) -> str:
    """The date of a publication found on a page, as the page gave it: "2024-06-20", or
    "June 2024" when it gave only a month; "" when it gave none."""
    if item.published_at is None:
        return ""
    return item.published_at.strftime("%B %Y" if item.month_only else "%Y-%m-%d")


class NotAdded(ConfigError):
    """Nothing was added; the message says why (and ``problems`` lists a file's problems)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class AddRequest:
    url: str
    path: Path
    source_id: str | None = None
    publisher: str | None = None
    #: "page": with ``selectors``, or read without them if ``without_selectors``; otherwise
    #: found by fetching.
    kind: str | None = None
    every: str | None = None
    sector_hint: str | None = None
    selectors: Mapping[str, str] | None = None
    #: A page that advertises no feed (or any page, with ``kind="page"``) may be added as
    #: ``kind: page`` read without selectors, without asking.
    without_selectors: bool = False
    notes: str | None = None  # default: "Added with `curator sources add URL` on DATE."


@dataclass(frozen=True)
class Added:
    source_id: str
    publisher: str
    kind: str
    url: str  # what is watched: the feed found, when the URL was a page advertising it
    path: Path
    line: int | None
    #: For a page read without selectors: the first publications found on it.
    listed: tuple[ListedItem, ...] = ()


class Choices(Protocol):
    """How a caller shows what was found and answers the questions."""

    def show(self, candidates: Sequence[Candidate]) -> None: ...

    def show_listing(self, page: Candidate, items: Sequence[ListedItem]) -> None:
        """Show the first ``items`` found on ``page`` read without selectors."""

    def accept_listing(self, page: Candidate) -> bool:
        """Whether a page with no feed may be added read without selectors (asked only when the
        request does not already say so)."""
        ...

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate: ...

    def publisher(self, suggested: str | None) -> str | None: ...

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool: ...


class NoQuestions:
    """Show nothing, take the first feed that works and the suggested publisher, say yes; a page
    is read without selectors only when the request says so."""

    def show(self, candidates: Sequence[Candidate]) -> None:
        pass

    def show_listing(self, page: Candidate, items: Sequence[ListedItem]) -> None:
        pass

    def accept_listing(self, page: Candidate) -> bool:
        return False

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate:
        return usable[0]

    def publisher(self, suggested: str | None) -> str | None:
        return suggested

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool:
        return True


def add_source(req: AddRequest, settings: Settings, choices: Choices | None = None) -> Added:
    """Fetch ``req.url`` and append the source it gives to ``req.path``; raises
    :class:`NotAdded` (file untouched) when there is nothing usable, or it is already watched."""
    from curator.errors import CuratorError
    from curator.sources.edit import append_source
    from curator.sources.load import load_sources
    from curator.sources.model import SourcesError
    from curator.sources.urls import same_url_key, suggest_id, url_problem

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
        raise NotAdded(f"could not fetch {url}: {without_id(str(page), PROBE_ID)}")

    listed: tuple[ListedItem, ...] = ()
    if req.kind == "page" and req.selectors:
        chosen, kind = _page_with_selectors(req, page, ask), "page"
    elif req.kind == "page":
        (chosen, listed), kind = _page_read_automatically(req, page, ask, asked=True), "page"
    else:
        found = _feed(req, page, settings, ask, refuse_duplicate, existing)
        if found is None:
            (chosen, listed), kind = _page_read_automatically(req, page, ask), "page"
        else:
            chosen, kind = found, "feed"

    guess = clean_publisher(chosen.title) if kind == "feed" else page_publisher(chosen.title)
    publisher = ask.publisher(req.publisher or guess)
    if not publisher:
        raise NotAdded(
            f"the {kind} has no title: give the publisher's name (curator sources add URL "
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
    return Added(new_id, publisher, kind, chosen.url, path, line, listed)


def _page_source(req: AddRequest, *, with_selectors: bool) -> SourceConfig:
    from curator.records import PageSelectors, SourceConfig

    selectors = PageSelectors(**req.selectors) if with_selectors and req.selectors else None
    return SourceConfig(
        id=req.source_id or PROBE_ID,
        publisher=req.publisher or "-",
        kind="page",
        url=req.url,
        selectors=selectors,
    )


def _page_with_selectors(req: AddRequest, page: FetchResult, ask: Choices) -> Candidate:
    chosen = probe(_page_source(req, with_selectors=True), page)
    chosen.url = req.url
    ask.show([chosen])
    if not chosen.usable:
        raise NotAdded(f"the selectors found no items on {req.url} ({chosen.error}); nothing added")
    return chosen


def _page_read_automatically(
    req: AddRequest, page: FetchResult, ask: Choices, *, asked: bool = False
) -> tuple[Candidate, tuple[ListedItem, ...]]:
    """``req.url`` read as the poller reads a page source without selectors, with its first
    publications; ``asked``: the request named ``kind: page`` (else the page has no feed)."""
    from curator.parse.listing import first_items

    chosen = probe(_page_source(req, with_selectors=False), page)
    chosen.url = req.url
    if asked:
        lead = f"read without selectors, {req.url}"
    else:
        lead = (
            f'{req.url} is a web page that advertises no feed (no <link rel="alternate">); '
            "read without selectors, it"
        )
    again = f"curator sources add {shlex.quote(req.url)}"  # to copy and paste, as typed
    if not chosen.usable:
        raise NotAdded(
            f"{lead} gives nothing to watch ({chosen.error}). Add it as a page source with "
            f"selectors: {again} {SELECTORS_HINT}"
        )
    items = tuple(first_items(page.url, page.content, limit=MAX_LISTED))
    ask.show_listing(chosen, items)
    if not (req.without_selectors or ask.accept_listing(chosen)):
        raise NotAdded(
            f"{lead} lists {chosen.entries} publications. To watch it that way: {again} "
            f"--without-selectors; to give it selectors: {again} {SELECTORS_HINT}; nothing added"
        )
    return chosen, items


def _feed(
    req: AddRequest,
    page: FetchResult,
    settings: Settings,
    ask: Choices,
    refuse_duplicate: Callable[[str], None],
    existing: Sequence[SourceConfig],
) -> Candidate | None:
    """The feed to watch for ``req.url``: the URL itself, or one its page advertises; None when
    the URL is a web page that advertises no feed."""
    from curator.parse.discover import discover_feeds, looks_like_feed
    from curator.records import SourceConfig
    from curator.sources.urls import same_url_key

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
        return None
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
