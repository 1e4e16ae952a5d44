"""The poller: what a pass needs (the model, the parser processes, a worker id) kept across
ticks, and one pass wired from the stages (``curator.pipeline.stages``)."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from curator.config import Settings
from curator.errors import FetchError
from curator.fetch import FetchSettings
from curator.parse.pool import ParsePool
from curator.pipeline.classify import Classify, PollModel
from curator.pipeline.decide import DEFAULT_BACKFILL, Decider
from curator.pipeline.describe import Describe
from curator.pipeline.records import PollReport
from curator.pipeline.stages import Intake, SourceStore, StoreLoop
from curator.records import FetchResult, SourceConfig
from curator.store import source_state as state_store
from curator.store.handles import Engine
from curator.worker import worker_id

log = logging.getLogger("curator.pipeline")


class Poller:
    """Polls sources into the store. One instance may be reused across ticks."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        classifier: PollModel | None = None,
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
        self.decider = Decider(rng=rng or random.Random(), backfill=backfill)
        self.worker = worker or worker_id()  # host:pid:start, unique to this process's life
        self.fetch_settings = fetch_settings or FetchSettings.from_settings(settings)
        self._classifier = classifier
        self._load_model = load_model and classifier is None
        self.model_warning: str | None = None
        self._synced: frozenset[tuple[str, str, bool]] = frozenset()
        self.parse_pool = parse_pool or ParsePool.configured(settings)

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
    def classifier(self) -> PollModel | None:
        if self._classifier is None and self._load_model:
            self._load_model = False
            from curator.classify import load_classifier_or_warning

            self._classifier, self.model_warning = load_classifier_or_warning(
                self.settings.model_dir,
                "{error}; every new item is shown to editors meanwhile",
            )
        return self._classifier

    def source_store(
        self, report: PollReport, states: dict[str, state_store.SourceState]
    ) -> SourceStore:
        """The stage that stores one pass's sources and counts them in ``report``."""
        s = self.settings
        channel = s.slack_channel if s.slack_enabled and s.slack_channel else None
        describe = None
        if s.describe_pages:
            describe = Describe(
                engine=self.engine,
                decider=self.decider,
                parse_pool=self.parse_pool,
                fetch_settings=self.fetch_settings,
                states=states,
                clock=self.clock,
                limit=s.describe_pages,
            )
        return SourceStore(
            engine=self.engine,
            decider=self.decider,
            classify=Classify(lambda: self.classifier, self.decider, channel),
            parse_pool=self.parse_pool,
            report=report,
            states=states,
            worker=self.worker,
            clock=self.clock,
            describe=describe,
        )

    def poll(
        self,
        sources: Sequence[SourceConfig],
        *,
        force: bool = False,
        force_blocked: bool = True,
        on_start: Callable[[int], None] | None = None,
        on_progress: Callable[[SourceConfig, str], None] | None = None,
        stop: threading.Event | None = None,
        in_file: Sequence[SourceConfig] | None = None,
    ) -> PollReport:
        """Poll the due sources among ``sources`` (all of them with ``force``; a blocked source
        only when due unless ``force_blocked``) once. When ``stop`` is set the fetches in flight
        are abandoned, what was fetched is stored, and the other claims are released.
        ``in_file``: every source of the sources file in force (``curator run``'s, or
        ``CURATOR_SOURCES_FILE`` for ``curator poll``): a source renamed in it takes the state
        and items of its old id. None (a trial file, a test): no rename is carried, since every
        source of the database missing from such a file is not a source renamed."""
        from curator.fetch import FetchRequest, fetch_many

        enabled = [s for s in sources if s.enabled]
        renamed: list[state_store.Renamed] = []
        # Only when the list changed: a tick of 1,000 sources need not rewrite 1,000 rows.
        listed = frozenset((s.id, s.url, s.enabled) for s in sources)
        if listed != self._synced:
            with self.engine.begin() as conn:
                if in_file is not None:
                    renamed = state_store.carry_renamed(conn, in_file)
                state_store.sync_sources(conn, enabled)
                # A disabled source enabled again starts afresh: its next document is its first.
                state_store.forget_documents(conn, [s.id for s in sources if not s.enabled])
            self._synced = listed
        now = self.clock()
        with self.engine.begin() as conn:
            orphaned = state_store.orphaned_claims(conn, [s.id for s in enabled], now)
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
        report.recovered = {k: v for k, v in orphaned.items() if k in claimed}
        for r in renamed:
            report.warnings.append({"id": r.new, "warning": renamed_warning(r)})
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
        # Load the model before the network work starts, not on the store thread.
        _ = self.classifier

        # A fetched document goes to the parser processes as soon as it arrives; storing and
        # classifying run on a thread of their own, so the event loop keeps fetching other
        # sources meanwhile.
        store = StoreLoop(self.source_store(report, states), on_progress)
        intake = Intake(store.arrivals, states, self.parse_pool, self.clock)
        thread = threading.Thread(target=store.run, name="poll-store", daemon=True)
        thread.start()
        done: set[str] = set()

        def arrived(req: FetchRequest, outcome: FetchResult | FetchError) -> None:
            done.add(req.source.id)
            intake(req, outcome)

        try:
            fetch_many(requests, self.fetch_settings, on_result=arrived, stop=stop)
        finally:
            store.end()
            thread.join()
        if len(done) < len(todo):  # stopped: the rest is for the next pass
            report.abandoned = [s.id for s in todo if s.id not in done]
            report.sources -= len(report.abandoned)
            with self.engine.begin() as conn:
                state_store.release_claims(conn, report.abandoned, self.worker)
        if self.model_warning:
            report.warnings.append({"id": "-", "warning": self.model_warning})
        return report


def renamed_warning(renamed: state_store.Renamed) -> str:
    """What a poll says of a source whose id changed in sources.yaml."""
    count = f"{renamed.items} item{'' if renamed.items == 1 else 's'}"
    return (
        f"was {renamed.old!r} in sources.yaml (the same url): its state and its {count} "
        f"stored under {renamed.old!r} now go by {renamed.new!r}"
    )
