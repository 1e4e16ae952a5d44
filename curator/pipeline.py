"""One poll pass: claim due sources, fetch, parse, store once, classify, queue candidates.

The I/O shell around the pure rooms (reader's Pipeline vs Decider split): every decision about
*what* to do lives in ``schedule``, ``parse``, ``dedupe`` and ``classify``; this module does it.
Each source's results are committed in one transaction together with its new state, so a crash
mid-poll loses nothing already committed and a re-poll creates no duplicate.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, bindparam, insert, update

from curator.config import Settings
from curator.errors import CuratorError, ModelError
from curator.fetch import BlockedBySite, FetchSettings
from curator.parse.fingerprint import fingerprint
from curator.parse.pool import ParseJob, ParsePool
from curator.records import Entry, FetchResult, ParsedFeed, SourceConfig
from curator.schedule import next_check_at
from curator.store import source_state as state_store
from curator.store.items import PublisherTitles, StoreReport, store_entries
from curator.store.schema import items, predictions
from curator.worker import worker_id

if TYPE_CHECKING:
    from curator.classify import Classifier
    from curator.fetch import FetchRequest

log = logging.getLogger(__name__)

#: How far back a publication may date and still be shown to editors (older ones are stored,
#: so they never come back as new, but not queued: a new source's archive is not news).
DEFAULT_BACKFILL = timedelta(days=45)


@dataclass
class PollReport:
    sources: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    duplicates: int = 0
    candidates: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_items": self.new_items,
            "duplicates": self.duplicates,
            "candidates": self.candidates,
            "errors": self.errors,
            "warnings": self.warnings,
        }


#: Statements run for every source of a poll, built once (SQLAlchemy then compiles each once and
#: need not build and hash a new statement object per source).
_INSERT_PREDICTIONS = insert(predictions)
_QUEUE_ITEMS = (
    update(items).where(items.c.id.in_(bindparam("ids", expanding=True))).values(status="queued")
)

#: Sources that arrived together are stored in one transaction and their new items classified
#: in one model call: a call has a fixed cost, about a third of the work for one feed's 20 items.
#: A transaction takes up to STORE_GROUP sources, and stops adding them once it holds
#: STORE_BATCH_ENTRIES entries: larger batches are no faster to classify, take more memory
#: (every item's character n-grams at once) and hold the database's write lock longer. A batch
#: is stored as soon as it is full, so what is left to store once the last document is parsed
#: is one batch at most.
STORE_GROUP = 50
STORE_BATCH_ENTRIES = 200

#: One fetched source on its way to the store: the request, what the fetch returned, and the
#: parse of the document when there is one to parse.
_Arrival = tuple["FetchRequest", FetchResult | CuratorError, "Future[ParsedFeed] | None"]


_Parsed = tuple[SourceConfig, FetchResult, ParsedFeed]


def _unchanged(result: FetchResult, states: dict[str, state_store.SourceState]) -> bool:
    """A 304, or a 200 with the very document last parsed and stored for the source."""
    if result.not_modified:
        return True
    state = states.get(result.source_id)
    return (
        result.body_hash is not None and state is not None and result.body_hash == state.body_hash
    )


def _batches(
    parsed: Iterable[_Parsed], entries: int, sources: int = STORE_GROUP
) -> Iterator[list[_Parsed]]:
    """Consecutive runs of parsed sources, each handed on as soon as it holds ``entries``
    entries or ``sources`` sources (the rest at the end). Lazy: a batch is stored while the
    sources after it are still being parsed."""
    batch: list[_Parsed] = []
    held = 0
    for one in parsed:
        batch.append(one)
        held += len(one[2].entries)
        if held >= entries or len(batch) >= sources:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class Poller:
    """Polls sources into the store. One instance may be reused across ticks."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        classifier: Classifier | None = None,
        load_model: bool = True,
        clock: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        worker: str | None = None,
        backfill: timedelta = DEFAULT_BACKFILL,
        fetch_settings: FetchSettings | None = None,
        parse_pool: ParsePool | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random()
        self.worker = worker or worker_id()  # host:pid:start, unique to this process's life
        self.backfill = backfill
        self.fetch_settings = fetch_settings or FetchSettings.from_settings(settings)
        self._classifier = classifier
        self._load_model = load_model and classifier is None
        self.model_warning: str | None = None
        self._synced: frozenset[tuple[str, str]] = frozenset()
        # Publishers' recent titles for near-duplicate checks, read once per poll (not per feed).
        self._titles = PublisherTitles()
        self.parse_pool = parse_pool or ParsePool(
            settings.parse_workers, timeout=settings.parse_timeout
        )

    def warm_up(self) -> None:
        """Load the model and start the parser processes now rather than during the first poll
        (``curator run`` at start-up; benchmarks before the timed pass)."""
        _ = self.classifier
        self.parse_pool.start()

    def close(self) -> None:
        """Stop the parser processes. The poller can be used again afterwards (they restart)."""
        self.parse_pool.close()

    def __enter__(self) -> Poller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reload_classifier(self) -> None:
        """Load the model again on next use (after a retrain swapped a new one in)."""
        self._classifier = None
        self._load_model = True
        self.model_warning = None

    @property
    def classifier(self) -> Classifier | None:
        if self._classifier is None and self._load_model:
            self._load_model = False
            from curator.classify import load_classifier

            try:
                self._classifier = load_classifier(self.settings.model_dir)
            except ModelError as exc:
                self.model_warning = f"{exc}; every new item is shown to editors meanwhile"
                log.warning("%s", self.model_warning)
        return self._classifier

    def poll(
        self,
        sources: Sequence[SourceConfig],
        *,
        force: bool = False,
        force_blocked: bool = True,
        on_start: Callable[[int], None] | None = None,
        on_progress: Callable[[SourceConfig, str], None] | None = None,
    ) -> PollReport:
        """Poll the due sources among ``sources`` (all of them with ``force``; a blocked source
        only when due unless ``force_blocked``) once."""
        from curator.fetch import FetchRequest, fetch_many

        enabled = [s for s in sources if s.enabled]
        # Only when the list changed: a tick of 1,000 sources need not rewrite 1,000 rows.
        listed = frozenset((s.id, s.url) for s in enabled)
        if listed != self._synced:
            with self.engine.begin() as conn:
                state_store.sync_sources(conn, enabled)
            self._synced = listed
        now = self.clock()
        with self.engine.begin() as conn:
            claimed = set(
                state_store.claim_due(
                    conn,
                    [s.id for s in enabled],
                    now,
                    self.worker,
                    force=force,
                    force_blocked=force_blocked,
                )
            )
        todo = [s for s in enabled if s.id in claimed]
        report = PollReport(sources=len(todo))
        self._titles = PublisherTitles()  # fresh each pass: other workers store items too
        if on_start:
            on_start(len(todo))
        if not todo:
            return report
        with self.engine.connect() as conn:
            states = state_store.load_states(conn)
        requests = [
            FetchRequest(s, etag=states[s.id].etag, last_modified=states[s.id].last_modified)
            for s in todo
        ]
        # Load the model before the network work starts, not inside the first callback.
        _ = self.classifier

        # A fetched document goes to the parser processes as soon as it arrives; storing and
        # classifying run on a worker thread, so the event loop keeps fetching other sources
        # meanwhile. Results are stored one source at a time, in the order they arrived.
        results: queue.Queue[_Arrival | None] = queue.Queue()

        def arrived(req: FetchRequest, result: FetchResult | CuratorError) -> None:
            parsing = None
            if isinstance(result, FetchResult) and not result.not_modified:
                result = replace(
                    result,
                    body_hash=fingerprint(req.source, result.url, result.headers, result.content),
                )
            # With parser processes, hand the document over now; in-process parsing waits for
            # the store thread (never on the event loop, which must keep fetching).
            if (
                self.parse_pool.workers > 0
                and isinstance(result, FetchResult)
                and not _unchanged(result, states)
            ):
                parsing = self.parse_pool.submit(
                    ParseJob(
                        content=result.content,
                        source=req.source,
                        url=result.url,
                        headers=result.headers,
                        now=self.clock(),
                    )
                )
            results.put((req, result, parsing))

        def consume() -> None:
            finished = False
            while not finished:
                # Everything that has arrived so far: the 304s among it are recorded together
                # in one transaction (a warm poll is mostly 304s), the rest one source each.
                jobs = [results.get()]
                while True:
                    try:
                        jobs.append(results.get_nowait())
                    except queue.Empty:
                        break
                if jobs[-1] is None:  # the end marker is put last, after every result
                    finished = True
                unchanged: list[tuple[SourceConfig, FetchResult]] = []
                changed: list[_Arrival] = []
                for arrival in jobs:
                    if arrival is None:
                        continue
                    req, result, _ = arrival
                    if isinstance(result, FetchResult) and _unchanged(result, states):
                        unchanged.append((req.source, result))
                    else:
                        changed.append(arrival)
                if unchanged:
                    self._record_not_modified(unchanged, report, states)
                    if on_progress:
                        for src, result in unchanged:
                            on_progress(src, "not modified" if result.not_modified else "unchanged")
                for src, outcome in self._handle_group(changed, report, states):
                    if on_progress:
                        on_progress(src, outcome)

        worker = threading.Thread(target=consume, name="poll-store", daemon=True)
        worker.start()
        try:
            fetch_many(requests, self.fetch_settings, on_result=arrived)
        finally:
            results.put(None)
            worker.join()
        if self.model_warning:
            report.warnings.append({"id": "-", "warning": self.model_warning})
        return report

    def _record_not_modified(
        self,
        sources: list[tuple[SourceConfig, FetchResult]],
        report: PollReport,
        states: dict[str, state_store.SourceState],
    ) -> None:
        """Record several 304s in one transaction; if that fails, one source at a time (so a
        failure is recorded against the right source)."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                for src, result in sources:
                    self._succeeded(conn, src, now, result, new_items=0)
        except Exception:
            log.warning("recording %d unchanged sources at once failed; one by one", len(sources))
            for src, result in sources:
                self._not_modified_one(src, states[src.id].consecutive_failures, result, report)
            return
        report.not_modified += len(sources)

    # -- one source -------------------------------------------------------------------------

    def _handle_group(
        self,
        arrivals: Sequence[_Arrival],
        report: PollReport,
        states: dict[str, state_store.SourceState],
    ) -> Iterator[tuple[SourceConfig, str]]:
        """Store sources that arrived together, yielding each one's outcome once it is recorded.
        Each one that failed (fetch or parse) is recorded on its own; the rest are stored in
        batches (:func:`_batches`), each in one transaction with the sources' new states and
        one model call for their new items. If a batch's transaction fails, its sources are
        stored again one at a time, so a failure is recorded against the source that caused it.
        """
        failed: list[tuple[SourceConfig, str]] = []

        def parsed() -> Iterator[_Parsed]:
            for req, result, parsing in arrivals:
                src = req.source
                try:
                    if isinstance(result, CuratorError):
                        raise result
                    feed = self._parsed(src, result, parsing)
                except Exception as exc:
                    state = states[src.id]
                    outcome = self._failed(
                        src,
                        state.consecutive_failures,
                        exc,
                        report,
                        blocks=state.consecutive_blocks,
                    )
                    failed.append((src, outcome))
                    continue
                yield src, result, feed

        for batch in _batches(parsed(), STORE_BATCH_ENTRIES):
            yield from failed
            failed.clear()
            yield from self._store_batch(batch, report, states)
        yield from failed

    def _store_batch(
        self,
        batch: list[_Parsed],
        report: PollReport,
        states: dict[str, state_store.SourceState],
    ) -> list[tuple[SourceConfig, str]]:
        """:meth:`_store` the batch in one transaction; if that fails, one source at a time."""
        if len(batch) > 1:
            try:
                return self._store(batch, report)
            except Exception:
                self._titles = PublisherTitles()  # the rolled-back transaction's titles
                log.warning("storing %d sources at once failed; one by one", len(batch))
        outcomes: list[tuple[SourceConfig, str]] = []
        for src, result, feed in batch:
            try:
                outcomes += self._store([(src, result, feed)], report)
            except Exception as exc:
                self._titles = PublisherTitles()
                failures = states[src.id].consecutive_failures
                outcomes.append((src, self._failed(src, failures, exc, report)))
        return outcomes

    def _not_modified_one(
        self, src: SourceConfig, failures: int, result: FetchResult, report: PollReport
    ) -> None:
        """Record one source's 304 on its own (when recording several at once failed)."""
        try:
            with self.engine.begin() as conn:
                self._succeeded(conn, src, self.clock(), result, new_items=0)
            report.not_modified += 1
        except Exception as exc:
            self._failed(src, failures, exc, report)

    def _parsed(
        self, src: SourceConfig, result: FetchResult, parsing: Future[ParsedFeed] | None
    ) -> ParsedFeed:
        """The parse of a fetched document: handed to the parser processes on arrival, or now."""
        if parsing is None:
            parsing = self.parse_pool.submit(
                ParseJob(result.content, src, result.url, result.headers, self.clock())
            )
        return self.parse_pool.result(parsing, src)

    def _store(
        self, parsed: Sequence[_Parsed], report: PollReport
    ) -> list[tuple[SourceConfig, str]]:
        """Store the entries of parsed sources and each source's new state in one transaction,
        and classify their new items in one batch. The report is updated once it committed."""
        now = self.clock()
        with self.engine.begin() as conn:
            stored: list[StoreReport] = []
            for src, result, feed in parsed:
                done = store_entries(conn, feed.entries, now, titles=self._titles)
                self._succeeded(
                    conn,
                    src,
                    now,
                    result,
                    new_items=len(done.new_ids),
                    feed_title=feed.title,
                    read=("; ".join(feed.source_warnings) or None, feed.degraded),
                )
                stored.append(done)
            new = [(src, done.new) for (src, _, _), done in zip(parsed, stored, strict=True)]
            candidates = self._classify(conn, new, now)
        outcomes: list[tuple[SourceConfig, str]] = []
        for (src, _, feed), done in zip(parsed, stored, strict=True):
            report.ok += 1
            report.new_items += len(done.new_ids)
            report.duplicates += done.duplicates
            for warning in feed.warnings:
                report.warnings.append({"id": src.id, "warning": warning})
            outcomes.append((src, f"{len(done.new_ids)} new"))
        report.candidates += len(candidates)
        report.candidate_ids.extend(candidates)
        return outcomes

    def _failed(
        self,
        src: SourceConfig,
        failures: int,
        exc: Exception,
        report: PollReport,
        *,
        blocks: int = 0,
    ) -> str:
        """Record a failed source and when to try it again (backing off; once a day when the
        site has refused us ``blocks`` + this time in a row); one broken source never stops the
        pass."""
        now = self.clock()
        if not isinstance(exc, CuratorError):
            log.error("%s: unexpected error while polling", src.id, exc_info=exc)
        retry_after = getattr(exc, "retry_after", None)
        status = getattr(exc, "status", None)
        text = str(exc) if isinstance(exc, CuratorError) else f"internal error: {exc!r}"
        message = text if text.startswith(src.id) else f"{src.id}: {text}"
        blocked = isinstance(exc, BlockedBySite)
        with self.engine.begin() as conn:
            state_store.record_failure(
                conn,
                src.id,
                now=now,
                error=message,
                status=status,
                blocked=blocked,
                next_check_at=next_check_at(
                    now,
                    every=src.every,
                    consecutive_failures=failures + 1,
                    consecutive_blocks=blocks + 1 if blocked else 0,
                    retry_after=retry_after,
                    jitter=src.jitter,
                    rng=self.rng,
                ),
            )
            state_store.release(conn, src.id, self.worker)
        report.failed += 1
        report.errors.append({"id": src.id, "error": message})
        return "failed"

    def _succeeded(
        self,
        conn: Connection,
        src: SourceConfig,
        now: datetime,
        result: FetchResult,
        *,
        new_items: int,
        feed_title: str | None = None,
        read: tuple[str | None, bool] | None = None,
    ) -> None:
        """Record a successful fetch (a 304 too) with the next check it earned; release it.
        A 200's fingerprint is kept with it (the next poll that gets the same document need not
        parse it); a failed parse never reaches here, so its document is parsed again. ``read``:
        the parsed document's source warnings and whether it was read ``degraded``."""
        state_store.record_success(
            conn,
            src.id,
            now=now,
            next_check_at=next_check_at(
                now,
                every=src.every,
                retry_after=result.retry_after,
                max_age=result.max_age,
                jitter=src.jitter,
                rng=self.rng,
            ),
            status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            new_items=new_items,
            feed_title=feed_title,
            not_modified=result.not_modified,
            release_from=self.worker,
            body_hash=result.body_hash,
            read=read,
        )

    def _classify(
        self,
        conn: Connection,
        new_entries: Sequence[tuple[SourceConfig, Sequence[tuple[int, Entry]]]],
        now: datetime,
    ) -> list[int]:
        """Store predictions for the new items of one or more sources (one model call) and queue
        the candidates; returns their ids."""
        todo = [(src, item_id, entry) for src, new in new_entries for item_id, entry in new]
        if not todo:
            return []
        classifier = self.classifier
        queued: list[int] = []
        if classifier is None:
            queued = [i for _, i, e in todo if self._recent(e, now)]
        else:
            from curator.classify import ClassifyInput

            preds = classifier.predict(
                [
                    ClassifyInput(
                        title=e.title,
                        publisher=e.publisher,
                        summary=e.summary,
                        url=e.original_url,
                        document_type=e.document_type,
                        sector_hint=src.sector_hint,
                    )
                    for src, _, e in todo
                ]
            )
            pred_rows: list[dict[str, Any]] = []
            for (_, item_id, entry), pred in zip(todo, preds, strict=True):
                pred_rows.append(
                    {
                        "item_id": item_id,
                        "model_version": pred.model_version,
                        "relevant": pred.relevant,
                        "relevance": pred.relevance,
                        "sector": pred.sector,
                        "sector_confidence": pred.sector_confidence,
                        "category": pred.category,
                        "category_confidence": pred.category_confidence,
                        "uncertain": pred.uncertain,
                        "created_at": now,
                    }
                )
                if (pred.relevant or pred.uncertain) and self._recent(entry, now):
                    queued.append(item_id)
            conn.execute(_INSERT_PREDICTIONS, pred_rows)  # one executemany, not one per row
        if queued:
            conn.execute(_QUEUE_ITEMS, {"ids": queued})
            if self.settings.slack_enabled and self.settings.slack_channel:
                from curator.store.outbox import enqueue

                for item_id in queued:
                    enqueue(conn, item_id, self.settings.slack_channel, now)
        return queued

    def _recent(self, entry: Entry, now: datetime) -> bool:
        return entry.published_at is None or entry.published_at >= now - self.backfill
