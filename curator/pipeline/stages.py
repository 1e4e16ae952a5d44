"""The stages of a poll pass that do the work: each one a named object with one job, none of
them deciding anything (the rules are ``curator.pipeline.decide``'s)::

    Intake       on the event loop, as each fetch finishes: fingerprint the document, hand it
                 to the parser processes, pass it to the store thread
    StoreLoop    the store thread: takes everything that has arrived; unchanged sources are
                 recorded together, the rest stored as a group
    SourceStore  stores a pass's sources: in batches, one transaction each (entries, states,
                 predictions, the queue), one source at a time when a batch fails
    Describe     (``curator.pipeline.describe``) before a batch is stored: new items without a
                 summary get their own page's description
    Classify     (``curator.pipeline.classify``) one model call for a batch's new items;
                 predictions stored, each item's lane stored (cards queued with the outbox,
                 digest items queued, quiet ones not)

Each source's results are committed together with its new state, so a crash mid-poll loses
nothing already committed and a re-poll creates no duplicate.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from curator.errors import CuratorError, HostUnresolved
from curator.parse.fingerprint import fingerprint
from curator.parse.pool import ParseJob, ParsePool
from curator.pipeline.classify import Classify
from curator.pipeline.decide import Checked, Decider, flood_warning, unchanged
from curator.pipeline.describe import Describe
from curator.pipeline.records import Arrival, Fetched, NewItem, Outcome, Parsed, PollReport
from curator.pipeline.relisted import reopen
from curator.records import FetchResult, Listing, ParsedFeed, SourceConfig
from curator.store import source_state as state_store
from curator.store.handles import Connection, Engine
from curator.store.items import PublisherTitles, store_entries

if TYPE_CHECKING:
    from curator.fetch import FetchRequest

log = logging.getLogger("curator.pipeline")

#: Sources that arrived together are stored in one transaction and their new items classified
#: in one model call: a call has a fixed cost, about a third of the work for one feed's 20 items.
#: A transaction takes up to STORE_GROUP sources, and stops adding them once it holds
#: STORE_BATCH_ENTRIES entries: larger batches are no faster to classify, take more memory
#: (every item's character n-grams at once) and hold the database's write lock longer. A batch
#: is stored as soon as it is full, so what is left to store once the last document is parsed
#: is one batch at most.
STORE_GROUP = 50
STORE_BATCH_ENTRIES = 200

States = Mapping[str, state_store.SourceState]


def batches(
    parsed: Iterable[Parsed], entries: int, sources: int = STORE_GROUP
) -> Iterator[list[Parsed]]:
    """Consecutive runs of parsed sources, each handed on as soon as it holds ``entries``
    entries or ``sources`` sources (the rest at the end). Lazy: a batch is stored while the
    sources after it are still being parsed."""
    batch: list[Parsed] = []
    held = 0
    for one in parsed:
        batch.append(one)
        held += len(one.feed.entries)
        if held >= entries or len(batch) >= sources:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


@dataclass(frozen=True)
class Intake:
    """Called on the event loop as each fetch finishes: fingerprints a fetched document and,
    with parser processes, hands it to them at once; then passes it to the store thread.
    In-process parsing waits for the store thread (never on the event loop, which must keep
    fetching)."""

    arrivals: queue.Queue[Arrival | None]
    states: States
    parse_pool: ParsePool
    clock: Callable[[], datetime]

    def __call__(self, request: FetchRequest, result: FetchResult | CuratorError) -> None:
        parsing = None
        if isinstance(result, FetchResult) and not result.not_modified:
            result = replace(
                result,
                body_hash=fingerprint(request.source, result.url, result.headers, result.content),
            )
        if (
            self.parse_pool.workers > 0
            and isinstance(result, FetchResult)
            and not unchanged(result, self.states.get(result.source_id))
        ):
            parsing = self.parse_pool.submit(
                ParseJob(
                    content=result.content,
                    source=request.source,
                    url=result.url,
                    headers=result.headers,
                    now=self.clock(),
                )
            )
        self.arrivals.put(Arrival(request, result, parsing))


class StoreLoop:
    """The store thread: runs until :meth:`end`, storing sources in the order they arrived.
    Each time round it takes everything that has arrived so far: the unchanged sources among it
    are recorded together in one transaction (a warm poll is mostly 304s), the rest stored as a
    group (:meth:`SourceStore.store_group`)."""

    def __init__(
        self, store: SourceStore, on_progress: Callable[[SourceConfig, str], None] | None = None
    ) -> None:
        self.store = store
        self.on_progress = on_progress
        self.arrivals: queue.Queue[Arrival | None] = queue.Queue()

    def end(self) -> None:
        """No more arrivals: the loop stops once it has stored what came before."""
        self.arrivals.put(None)

    def run(self) -> None:
        finished = False
        while not finished:
            taken = [self.arrivals.get()]
            while True:
                try:
                    taken.append(self.arrivals.get_nowait())
                except queue.Empty:
                    break
            if taken[-1] is None:  # the end marker is put last, after every result
                finished = True
            same: list[Fetched] = []
            changed: list[Arrival] = []
            for arrival in taken:
                if arrival is None:
                    continue
                result = arrival.result
                moved = (
                    result.moved_warning(arrival.source.url)
                    if isinstance(result, FetchResult)
                    else None
                )
                if moved is not None:
                    self.store.report.warnings.append({"id": arrival.source.id, "warning": moved})
                if isinstance(result, FetchResult) and unchanged(
                    result, self.store.states.get(result.source_id)
                ):
                    same.append(Fetched(arrival.source, result))
                else:
                    changed.append(arrival)
            if same:
                self._progress(self.store.record_unchanged(same))
            self._progress(self.store.store_group(changed))

    def _progress(self, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            if self.on_progress:
                self.on_progress(outcome.source, outcome.text)


@dataclass(kw_only=True)
class SourceStore:
    """Stores the sources of one pass and records each one's check (``report`` counts them).
    One broken source never stops the pass: its failure is recorded against it alone."""

    engine: Engine
    decider: Decider
    classify: Classify
    parse_pool: ParsePool
    report: PollReport
    states: States
    worker: str
    clock: Callable[[], datetime]
    #: Publishers' recent titles for near-duplicate checks, read once per pass (not per feed);
    #: a new one after a rollback, which takes back the titles it added.
    titles: PublisherTitles = field(default_factory=PublisherTitles)
    #: Reads new items' pages for a description when they came without a summary (None: never).
    describe: Describe | None = None
    #: The canonical URLs of the entries :attr:`describe` gave a description this pass.
    described: set[str] = field(default_factory=set)

    # -- sources that need no parsing ------------------------------------------------------

    def record_unchanged(self, fetched: Sequence[Fetched]) -> list[Outcome]:
        """Record several 304s (or unchanged documents) in one transaction; if that fails, one
        source at a time (so a failure is recorded against the right source)."""
        now = self.clock()
        outcomes: list[Outcome] = []
        try:
            with self.engine.begin() as conn:
                for one in fetched:
                    check = self.decider.checked(one.source, one.result, now)
                    self._record(conn, check)
                    outcomes.append(Outcome(one.source, check.progress))
        except Exception:
            log.warning("recording %d unchanged sources at once failed; one by one", len(fetched))
            return [self._unchanged_one(one) for one in fetched]
        self.report.not_modified += len(fetched)
        return outcomes

    def _unchanged_one(self, one: Fetched) -> Outcome:
        try:
            with self.engine.begin() as conn:
                check = self.decider.checked(one.source, one.result, self.clock())
                self._record(conn, check)
        except Exception as exc:
            return self.fail(one.source, exc)
        self.report.not_modified += 1
        return Outcome(one.source, check.progress)

    # -- sources with a document to store ---------------------------------------------------

    def store_group(self, arrivals: Sequence[Arrival]) -> Iterator[Outcome]:
        """Store sources that arrived together, yielding each one's outcome once it is
        recorded. Each one that failed (fetch or parse) is recorded on its own; the rest are
        stored in batches (:func:`batches`), each in one transaction with the sources' new
        states and one model call for their new items. If a batch's transaction fails, its
        sources are stored again one at a time, so a failure is recorded against the source
        that caused it."""
        failed: list[Outcome] = []
        for batch in batches(self._parse(arrivals, failed), STORE_BATCH_ENTRIES):
            yield from failed
            failed.clear()
            if self.describe is not None:
                batch = self._described(batch)
            yield from self._store_batch(batch)
        yield from failed

    def _described(self, batch: list[Parsed]) -> list[Parsed]:
        """The batch with its new items' descriptions; as it came if reading them failed (a
        description is a help: it never costs the batch)."""
        assert self.describe is not None
        try:
            described, urls = self.describe(batch)
        except Exception:
            log.warning("reading new items' pages for descriptions failed", exc_info=True)
            return batch
        self.described |= urls
        return described

    def _parse(self, arrivals: Sequence[Arrival], failed: list[Outcome]) -> Iterator[Parsed]:
        """The parsed sources among ``arrivals``, lazily; the failed ones go to ``failed``."""
        for arrival in arrivals:
            src, result = arrival.source, arrival.result
            if isinstance(result, CuratorError):
                failed.append(self.fail(src, result))
                continue
            try:
                feed = self._parsed(src, result, arrival.parsing)
            except Exception as exc:
                failed.append(self.fail(src, exc))
                continue
            yield Parsed(src, result, feed)

    def _parsed(
        self, src: SourceConfig, result: FetchResult, parsing: Future[ParsedFeed] | None
    ) -> ParsedFeed:
        """The parse of a fetched document: handed to the parser processes on arrival, or now."""
        if parsing is None:
            parsing = self.parse_pool.submit(
                ParseJob(result.content, src, result.url, result.headers, self.clock())
            )
        return self.parse_pool.result(parsing, src)

    def _store_batch(self, batch: list[Parsed]) -> list[Outcome]:
        """:meth:`_store` the batch in one transaction; if that fails, one source at a time."""
        if len(batch) > 1:
            try:
                return self._store(batch)
            except Exception:
                self.titles = PublisherTitles()  # the rolled-back transaction's titles
                log.warning("storing %d sources at once failed; one by one", len(batch))
        outcomes: list[Outcome] = []
        for one in batch:
            try:
                outcomes += self._store([one])
            except Exception as exc:
                self.titles = PublisherTitles()
                outcomes.append(self.fail(one.source, exc))
        return outcomes

    def _store(self, parsed: Sequence[Parsed]) -> list[Outcome]:
        """Store the entries of parsed sources and each source's new state in one transaction,
        and classify their new items in one batch. The report is updated once it committed."""
        now = self.clock()
        with self.engine.begin() as conn:
            new: list[NewItem] = []
            relisted: list[NewItem] = []
            outcomes: list[Outcome] = []
            duplicates = 0
            floods: list[tuple[str, int]] = []
            for one in parsed:
                done = store_entries(conn, one.feed.entries, now, titles=self.titles)
                here = self.decider.situation(
                    one.source,
                    self.states.get(one.source.id),
                    now,
                    entries=len(one.feed.entries),
                    new=len(done.new),
                )
                check = self.decider.checked(
                    one.source,
                    one.result,
                    now,
                    feed=one.feed,
                    new_items=len(done.new),
                    flood=here.flood,
                    listing=Listing.of(len(one.feed.entries), done.elsewhere),
                )
                self._record(conn, check)
                new += [NewItem(here, item_id, entry) for item_id, entry in done.new]
                relisted += [NewItem(here, i, entry) for i, entry in done.ruled_elsewhere]
                duplicates += done.duplicates
                outcomes.append(Outcome(one.source, check.progress))
                if here.flood:
                    floods.append((one.source.id, here.flood))
            laned = self.classify(conn, new, now)
            reopened = reopen(conn, self.classify, relisted, now) if relisted else None
        report = self.report
        report.ok += len(parsed)
        report.new_items += len(new)
        report.described += sum(1 for n in new if n.entry.url in self.described)
        report.ruled_quiet += len(laned.quiet_rules)
        report.duplicates += duplicates
        for one in parsed:
            for warning in one.feed.warnings:
                report.warnings.append({"id": one.source.id, "warning": warning})
        for source_id, count in floods:
            report.warnings.append({"id": source_id, "warning": flood_warning(count)})
        report.count(laned.lanes)
        if reopened is not None:
            report.count_reopened(reopened)
        return outcomes

    # -- recording a check ------------------------------------------------------------------

    def fail(self, src: SourceConfig, exc: BaseException) -> Outcome:
        """Record a failed source and when to try it again, and release it (one UPDATE)."""
        verdict = self.decider.failed(src, self.states[src.id], exc, self.clock())
        if verdict.unexpected:
            log.error("%s: unexpected error while polling", src.id, exc_info=exc)
        try:
            with self.engine.begin() as conn:
                state_store.record_failure(
                    conn,
                    src.id,
                    now=verdict.now,
                    error=verdict.error,
                    status=verdict.status,
                    blocked=verdict.blocked,
                    next_check_at=verdict.next_check_at,
                    release_from=self.worker,
                )
        except Exception as lost:  # the database itself fails: count it, the pass goes on
            log.error(
                "%s: could not record the failure either (%s); the source is polled again when "
                "this worker's claim on it runs out (10 minutes)",
                src.id,
                getattr(lost, "orig", None) or lost,
            )
        self.report.failed += 1
        self.report.unresolved += isinstance(exc, HostUnresolved)
        self.report.errors.append({"id": src.id, "error": verdict.error})
        return Outcome(src, verdict.progress)

    def _record(self, conn: Connection, check: Checked) -> None:
        """Record a check that went well, and release the source (one UPDATE)."""
        state_store.record_success(
            conn,
            check.source_id,
            now=check.now,
            next_check_at=check.next_check_at,
            status=check.status,
            etag=check.etag,
            last_modified=check.last_modified,
            new_items=check.new_items,
            feed_title=check.feed_title,
            not_modified=check.not_modified,
            release_from=self.worker,
            body_hash=check.body_hash,
            read=check.read,
            flood=check.flood,
            moved_to=check.moved_to,
            listing=check.listing,
        )
