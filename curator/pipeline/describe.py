"""The poll stage that reads a new item's own page when it came without a summary.

An item without a summary is classified at lower lane points, where about half the duds are
carded (``benchmarks/experiments/NO_SUMMARY.md``); the page's own description (its ``<meta
name="description">``, which for GOV.UK is the summary its feeds give) lets the model read it as
it reads any other. So, on the store thread and before a batch's transaction opens (network work
never runs inside one), :class:`Describe`:

1. asks the store which of the batch's entries are already stored (a read);
2. picks the new ones without a summary whose lane is the model's to choose
   (:meth:`~curator.pipeline.decide.Decider.wants_description`), at most ``limit`` pages a pass;
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from curator.fetch import Fetcher, FetchError, FetchSettings
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

    def __call__(self, batch: Sequence[Parsed]) -> tuple[list[Parsed], set[str]]:
        """The batch with descriptions filled in, and the canonical URLs of the entries that
        got one."""
        if self.read >= self.limit or not batch:
            return list(batch), set()
        wanted = self._wanted(batch)
        if not wanted:
            return list(batch), set()
        urls = list(wanted)[: self.limit - self.read]
        self.read += len(urls)
        pages = _fetch_pages(urls, self.fetch_settings, {u: wanted[u].source_id for u in urls})
        found = {url: self._description(url, page) for url, page in pages.items()}
        site = [d for one in batch if (d := self._site_description(one))]
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
        everything = [e for one in batch for e in one.feed.entries]
        with self.engine.connect() as conn:
            stored = stored_urls(conn, everything)
        now = self.clock()
        wanted: dict[str, Entry] = {}
        for one in batch:
            fresh = [e for e in one.feed.entries if e.url not in stored]
            here = self.decider.situation(
                one.source,
                self.states.get(one.source.id),
                now,
                entries=len(one.feed.entries),
                new=len(fresh),
            )
            for entry in fresh:
                if self.decider.wants_description(entry, here):
                    wanted.setdefault(entry.original_url, entry)
        return wanted

    def _description(self, url: str, page: FetchResult | FetchError) -> str | None:
        if isinstance(page, FetchError):
            log.info("%s: no description: %s", url, page)
            return None
        if not _is_html(page.headers):
            return None
        job = DescribeJob(content=page.content, url=page.url, headers=page.headers)
        try:
            return self.parse_pool.call(page_description, job).result()
        except Exception as exc:  # a page that broke its reader costs only its description
            log.info("%s: no description: %s", url, exc)
            return None

    def _site_description(self, one: Parsed) -> str | None:
        """A page source's listing page's own description: the site's, not an item's."""
        if one.source.kind != "page" or not _is_html(one.result.headers):
            return None
        page = one.result
        job = DescribeJob(content=page.content, url=page.url, headers=page.headers)
        try:
            return self.parse_pool.call(page_description, job).result()
        except Exception:
            return None


def _is_html(headers: Mapping[str, str]) -> bool:
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return not ctype or "html" in ctype.lower()


def _fetch_pages(
    urls: Sequence[str], settings: FetchSettings, source_ids: Mapping[str, str]
) -> dict[str, FetchResult | FetchError]:
    """GET each page concurrently (the fetcher's per-host and global caps apply), each error
    kept as the result of its URL. Runs its own event loop: it is called on the store thread."""

    async def run() -> dict[str, FetchResult | FetchError]:
        async with Fetcher(settings) as fetcher:

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
