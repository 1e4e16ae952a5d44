"""The poll stage that reads a new item's own page when it came without a summary.

An item without a summary is classified at lower lane points, where about half the duds are
carded (``benchmarks/experiments/NO_SUMMARY.md``); the page's own description (its ``<meta
name="description">``, which for GOV.UK is the summary its feeds give) lets the model read it as
it reads any other. So, on the store thread and before a batch's transaction opens (network work
never runs inside one), :class:`Describe`:

1. asks the store which of the batch's entries are already stored (a read);
2. picks the new ones without a summary whose lane is the model's to choose
   (:meth:`~curator.pipeline.decide.Decider.wants_description`), at most ``limit`` pages a pass
   and a third of them for one source, in turn, one of each source's at a time;
3. fetches their pages concurrently through the polite, SSRF-guarded fetcher (robots.txt
   obeyed) and reads each one's description in a parser process
   (:func:`curator.parse.describe.page_description`);
4. keeps the descriptions that are the publication's own
   (:func:`~curator.pipeline.decide.usable_descriptions`) as the entries' summaries.

A page that cannot be fetched or read costs nothing but its description: the item is stored
and classified as it came, and the poll goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import zip_longest

from curator.fetch import Fetcher, FetchError, FetchSettings
from curator.normalise import content_type, says_more_than
from curator.parse.describe import DescribeJob, page_description
from curator.parse.pool import ParsePool
from curator.pipeline.decide import Decider, KnownState, usable_descriptions
from curator.pipeline.records import Parsed
from curator.records import Entry, FetchResult
from curator.store.handles import Engine
from curator.store.items import stored_urls

log = logging.getLogger("curator.pipeline")

#: A page read for its description only needs its head; the fetcher's cap for sources is larger.
PAGE_BYTES = 2 * 1024 * 1024
#: Seconds one page may take, all told (the fetcher's own timeouts, if shorter, apply): a
#: description is a help, not a need, and the store thread waits for the pages.
PAGE_SECONDS = 15.0


@dataclass
class Describe:
    """Gives a batch's new items without a summary their own page's description, at most
    ``limit`` pages in the pass this stage belongs to (0: none)."""

    engine: Engine
    decider: Decider
    parse_pool: ParsePool
    fetch_settings: FetchSettings
    states: Mapping[str, KnownState]
    clock: Callable[[], datetime]
    limit: int
    read: int = 0  # pages fetched so far this pass
    by_source: Counter[str] = field(default_factory=Counter)  # ... and by each source

    @property
    def per_source(self) -> int:
        """The pages one source may use in a pass: a third of them (at least one), so that one
        source with many new items cannot take the pass's pages from the others."""
        return max(1, self.limit // 3)

    def _take(self, wanted: Mapping[str, Entry]) -> list[str]:
        """The links to read now, in ``wanted``'s order, within the pass's and each source's
        pages left; counted as read."""
        urls: list[str] = []
        for url, entry in wanted.items():
            if self.read >= self.limit:
                break
            if self.by_source[entry.source_id] < self.per_source:
                self.by_source[entry.source_id] += 1
                self.read += 1
                urls.append(url)
        return urls

    def __call__(self, batch: Sequence[Parsed]) -> tuple[list[Parsed], set[str]]:
        """The batch with descriptions filled in, and the canonical URLs of the entries that
        got one."""
        if self.read >= self.limit or not batch:
            return list(batch), set()
        wanted = self._wanted(batch)
        if not wanted:
            return list(batch), set()
        urls = self._take(wanted)
        if not urls:
            return list(batch), set()
        pages = _fetch_pages(urls, self.fetch_settings, {u: wanted[u].source_id for u in urls})
        found = self._descriptions(pages)
        if not any(found.values()):
            return list(batch), set()
        # A page source's listing page's own description is the site's, not an item's.
        listings = {one.result.url: one.result for one in batch if one.source.kind == "page"}
        site = [d for d in self._descriptions(listings).values() if d]
        titles = {url: wanted[url].title for url in found}
        usable = usable_descriptions(found, titles, site)
        if not usable:
            return list(batch), set()
        described: set[str] = set()
        out: list[Parsed] = []
        for one in batch:
            entries = []
            for entry in one.feed.entries:
                text = usable.get(entry.original_url) if entry.original_url in wanted else None
                if text is not None:
                    entry = replace(entry, summary=text)
                    described.add(entry.url)
                entries.append(entry)
            out.append(replace(one, feed=replace(one.feed, entries=entries)))
        return out, described

    def _wanted(self, batch: Sequence[Parsed]) -> dict[str, Entry]:
        """The new entries to describe, by the link their page is fetched from."""
        # Most feeds give summaries: only the sources with an entry without one cost a query.
        asking = [
            one
            for one in batch
            if any(not says_more_than(e.summary, e.title) for e in one.feed.entries)
        ]
        if not asking:
            return {}
        with self.engine.connect() as conn:
            stored = stored_urls(conn, [e for one in asking for e in one.feed.entries])
        now = self.clock()
        per_source: list[list[Entry]] = []
        for one in asking:
            fresh = [e for e in one.feed.entries if e.url not in stored]
            here = self.decider.situation(
                one.source,
                self.states.get(one.source.id),
                now,
                entries=len(one.feed.entries),
                new=len(fresh),
            )
            per_source.append([e for e in fresh if self.decider.wants_description(e, here)])
        # In turn, one of each source's: when the pass's pages run short, no source takes them
        # all, and the pages read at once are spread over more hosts.
        wanted: dict[str, Entry] = {}
        for row in zip_longest(*per_source):
            for entry in row:
                if entry is not None:
                    wanted.setdefault(entry.original_url, entry)
        return wanted

    def _descriptions(self, pages: Mapping[str, FetchResult | FetchError]) -> dict[str, str | None]:
        """Each page's description, read in the parser processes (all handed over at once)."""
        found: dict[str, str | None] = dict.fromkeys(pages)
        reading: dict[str, Future[str | None]] = {}
        for url, page in pages.items():
            if isinstance(page, FetchError):
                log.info("%s: no description: %s", url, page)
            elif _is_html(page.headers):
                job = DescribeJob(content=page.content, headers=page.headers)
                reading[url] = self.parse_pool.call(page_description, job)
        for url, future in reading.items():
            try:
                found[url] = future.result()
            except Exception as exc:  # a page that broke its reader costs only its description
                log.info("%s: no description: %s", url, exc)
        return found


def _is_html(headers: Mapping[str, str]) -> bool:
    ctype = content_type(headers)
    return not ctype or "html" in ctype.lower()


def _fetch_pages(
    urls: Sequence[str], settings: FetchSettings, source_ids: Mapping[str, str]
) -> dict[str, FetchResult | FetchError]:
    """GET each page concurrently (the fetcher's per-host and global caps apply), each error
    kept as the result of its URL. Runs its own event loop: it is called on the store thread."""

    quick = replace(
        settings,
        total_timeout=min(settings.total_timeout, PAGE_SECONDS),
        read_timeout=min(settings.read_timeout, PAGE_SECONDS),
    )

    async def run() -> dict[str, FetchResult | FetchError]:
        async with Fetcher(quick) as fetcher:

            async def one(url: str) -> FetchResult | FetchError:
                try:
                    return await fetcher.fetch_url(
                        url, source_id=source_ids[url], max_bytes=PAGE_BYTES, robots=True
                    )
                except FetchError as exc:
                    return exc

            results = await asyncio.gather(*(one(u) for u in urls))
        return dict(zip(urls, results, strict=True))

    return asyncio.run(run())
