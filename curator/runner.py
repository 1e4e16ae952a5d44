"""``curator run``: the main job, unattended for months. This module is its wiring only.

One process: an APScheduler 3.x tick (claim due sources → poll → classify → queue → post to Slack),
cron jobs (open the month's edition, nightly retrain, weekly source-health report), the Slack
Socket Mode listener when configured, ``/healthz`` and ``/metrics`` (curator/web.py, served by
uvicorn in a thread) on ``CURATOR_HTTP_HOST:CURATOR_HTTP_PORT``, reload of
``sources.yaml`` on change or SIGHUP, and a clean stop on SIGTERM within 10 seconds.

What each job does lives elsewhere: the poll in ``curator.pipeline``, the other jobs in
``curator.jobs``, the ``/healthz`` rule in ``curator.liveness``, candidates logged without Slack
in ``curator.terminal``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator import daily as lane_jobs
from curator import jobs
from curator.config import Settings
from curator.errors import CuratorError, DatabaseGone
from curator.liveness import Ticks, health_body, overrun_line
from curator.memory import release_free_memory
from curator.metrics import Metrics
from curator.normalise.text import counted
from curator.pipeline import Poller, PollReport
from curator.records import SourceConfig
from curator.refused_jobs import RefusedJobs
from curator.store.dbfile import DatabaseFile
from curator.store.handles import Engine

if TYPE_CHECKING:
    from curator.classify.retrain import RetrainOutcome
    from curator.web import WebServer

log = logging.getLogger("curator.run")
STOP_TIMEOUT = 8.0  # seconds to finish in-flight work on SIGTERM (the promise is 10)


@dataclass(frozen=True)
class _FileStamp:
    mtime_ns: int
    size: int


def _stamp(path: Path) -> _FileStamp | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return _FileStamp(st.st_mtime_ns, st.st_size)


class SourceList:
    """The sources in force: reloaded when the file changes; an invalid file is refused and the
    last good list keeps running."""

    def __init__(self, path: Path) -> None:
        from curator.sources import load_sources

        self.path = path
        self.sources: list[SourceConfig] = load_sources(path)  # at start, invalid is fatal
        self._stamp = _stamp(path)
        self.last_error: str | None = None

    def reload_if_changed(self, *, force: bool = False) -> bool:
        from curator.sources import SourcesError, load_sources

        stamp = _stamp(self.path)
        if not force and stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            sources = load_sources(self.path)
        except SourcesError as exc:
            self.last_error = str(exc)
            log.error("refused the new %s; still running the last good list:\n%s", self.path, exc)
            return False
        from curator.sources.changes import source_changes

        changes = source_changes(self.sources, sources)
        self.sources = sources
        self.last_error = None
        log.info("reloaded %s: %d sources (%s)", self.path, len(sources), changes)
        return True


class Runner:
    def __init__(
        self,
        settings: Settings,
        sources_file: Path,
        *,
        engine: Engine | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from curator.store.db import open_engine, sqlite_file

        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.engine = engine or open_engine(settings.database_url)
        self.database_file = DatabaseFile.opened(sqlite_file(settings.database_url))
        self.database_error: str | None = None
        self.sources = SourceList(sources_file)
        self.metrics = Metrics()
        self.poller = Poller(self.engine, settings, clock=self.clock)
        self.stop_event = threading.Event()
        self.reload_requested = threading.Event()
        self._tick_lock = threading.Lock()
        self.last_tick_at: datetime | None = None
        self.tick_started_at: datetime | None = None
        self.last_tick_error: str | None = None
        self._scheduler: Any = None
        self._http: WebServer | None = None
        self._socket: Any = None
        self._slack_client: Any = None
        self._model_warning_logged: str | None = None
        self._overrun_said: datetime | None = None
        self._failed_ticks = 0

    # -- jobs --------------------------------------------------------------------------------

    def tick(self) -> PollReport | None:
        """One scheduler tick: reload sources if changed, poll the due ones, post to Slack."""
        if not self._tick_lock.acquire(blocking=False):  # the previous tick is still running
            since = self.tick_started_at
            if since is not None and since != self._overrun_said:
                self._overrun_said = since  # once per long tick, not at every interval
                log.info("%s", overrun_line(since, self.clock(), self.settings.tick_seconds))
            return None
        started = time.monotonic()
        self.tick_started_at = self.clock()
        try:
            if self._database_gone():
                return None
            self.sources.reload_if_changed(force=self.reload_requested.is_set())
            self.reload_requested.clear()
            sources = self.sources.sources
            report = self.poller.poll(sources, stop=self.stop_event, in_file=sources)
            self._count(report)
            if self.settings.slack_enabled:
                self.post_outbox()
            elif report.candidate_ids:
                from curator.terminal import log_candidates

                log_candidates(self.engine, report.candidate_ids)
            if report.new_items:
                release_free_memory()  # a pass that stored items freed more than it keeps
            # the parser process (~38 MB) lives while a tick parses, not between ticks
            self.poller.parse_pool.release_idle()
            if self._failed_ticks:
                log.info("ticks succeed again, after %d that failed", self._failed_ticks)
            self.last_tick_error, self._failed_ticks = None, 0
            return report
        except DatabaseGone:  # deleted mid-tick: said as at the start of the next one
            self._database_gone()
            return None
        except Exception as exc:  # never let one bad tick stop the scheduler
            if repr(exc) != self.last_tick_error:  # a traceback per new error, not per tick
                log.exception("tick failed (said once until it changes or ticks succeed)")
            self.last_tick_error = repr(exc)
            self._failed_ticks += 1
            return None
        finally:
            self.last_tick_at = self.clock()
            self.metrics.ticks.inc()
            self.metrics.tick_duration.observe(time.monotonic() - started)
            self._tick_lock.release()

    def _database_gone(self) -> bool:
        """True (said once) when the SQLite file opened at start is no longer at its path."""
        gone = self.database_file.problem()
        if gone is None:
            return False
        problem = f"{gone}. Its ticks (polling, posting cards) are paused meanwhile"
        if problem != self.database_error:
            log.error("%s", problem)
        self.database_error = self.last_tick_error = problem
        return True

    def _count(self, report: PollReport) -> None:
        m = self.metrics
        m.polls.labels("ok").inc(report.ok)
        m.polls.labels("not_modified").inc(report.not_modified)
        m.polls.labels("failed").inc(report.failed)
        m.items.inc(report.new_items)
        m.candidates.inc(report.candidates)
        m.described.inc(report.described)
        m.ruled_quiet.inc(report.ruled_quiet)
        m.reopened.inc(report.reopened)
        for holder in sorted(set(report.recovered.values())):
            ids = sorted(k for k, v in report.recovered.items() if v == holder)
            log.warning(
                "took over %s that %s, a curator run of this host that no longer runs "
                "(killed or crashed mid-poll), left claimed: %s; polling %s now",
                counted(len(ids), "source"),
                holder,
                ", ".join(ids),
                "it" if len(ids) == 1 else "them",
            )
        if report.abandoned:
            log.info(
                "stopping: left %s unfetched for the next pass: %s",
                counted(len(report.abandoned), "claimed source"),
                ", ".join(report.abandoned),
            )
        if report.sources:
            log.info(
                "polled %s: %d ok, %d not modified, %d failed; %d new, %d candidates",
                counted(report.sources, "source"),
                report.ok,
                report.not_modified,
                report.failed,
                report.new_items,
                report.candidates,
            )
        offline = report.offline()
        if offline:
            log.warning("%s", offline)
        for err in report.errors:
            log.warning("source failed: %s", err["error"], extra={"source": err["id"]})
        for note, line in zip(report.warnings, report.warning_lines(), strict=True):
            if note["id"] != "-":
                log.warning("source warning: %s", line, extra={"source": note["id"]})
            elif line != self._model_warning_logged:  # each pass carries it: logged once
                log.warning("%s", line)
                self._model_warning_logged = line
        if report.new_items and all(note["id"] != "-" for note in report.warnings):
            self._model_warning_logged = None  # classified with a model: say it again if lost

    def post_outbox(self) -> None:
        from curator.slack.outbox import drain, make_client

        if self._slack_client is None:
            self._slack_client = make_client(self.settings)
        channel = self.settings.slack_channel
        assert channel is not None
        # Leave room for the next tick: a long backlog drains over several ticks at 1 msg/s.
        deadline = time.monotonic() + max(5.0, self.settings.tick_seconds * 0.8)
        report = drain(
            self.engine, self._slack_client, channel, deadline=deadline, stop=self.stop_event.is_set
        )
        self.metrics.posts.inc(report.posted)
        self.metrics.post_failures.inc(report.failed)

    def open_current_edition(self) -> None:
        jobs.open_current_edition(self.engine, self.clock(), self.settings.timezone)

    def weekly_report(self) -> str | None:
        post = self._post_text if self.settings.slack_enabled else None
        return jobs.weekly_report(self.engine, self.sources.sources, self.clock(), post)

    def _post_text(self, text: str) -> None:
        from curator.slack.outbox import make_client

        client = self._slack_client or make_client(self.settings)
        client.chat_postMessage(channel=str(self.settings.slack_channel), text=text)

    def nightly_retrain(self) -> RetrainOutcome | None:
        """Retrain (in a child process) once a day; the poller loads a model swapped in."""
        outcome = jobs.nightly_retrain(self.engine, self.settings, self.clock())
        if outcome is not None and outcome.swapped:
            self.poller.reload_classifier()
        return outcome

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        tz = self.settings.timezone
        self.open_current_edition()
        self._start_http()
        if self.settings.slack_enabled and self.settings.slack_app_token:
            from curator.slack.app import build_app
            from curator.slack.socket import start_socket_mode

            app = build_app(self.engine, self.settings, sources_file=self.sources.path)
            self._socket = start_socket_mode(app, self.settings)
            log.info("Slack Socket Mode connected")
        sched = BackgroundScheduler(timezone=tz)
        sched.add_job(
            self.tick,
            IntervalTrigger(seconds=self.settings.tick_seconds),
            id="tick",
            # The scheduler's own refusal of a second instance is a warning at every interval
            # of a long tick; tick() declines it instead, and says so once.
            max_instances=2,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        sched.add_job(
            self.open_current_edition,
            CronTrigger(day=1, hour=0, minute=5, timezone=tz),
            id="open-edition",
            coalesce=True,
        )
        sched.add_job(
            self.nightly_retrain,
            CronTrigger(hour=3, minute=0, timezone=tz),
            id="retrain",
            coalesce=True,
            max_instances=1,
        )
        sched.add_job(
            self.weekly_report,
            CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=tz),
            id="health-report",
            coalesce=True,
        )
        lane_jobs.schedule(self, sched)  # the digest lane's roll-up, candidates' expiry
        RefusedJobs().guard_jobs(sched)  # the database file gone: each job says so once
        sched.start()
        self._scheduler = sched
        mode = "Slack" if self.settings.slack_enabled else "terminal (no Slack configured)"
        log.info(
            "curator run: %s from %s, tick every %ds, candidates to %s, health on %s",
            counted(len(self.sources.sources), "source"),
            self.sources.path,
            self.settings.tick_seconds,
            mode,
            self._http.url("/healthz") if self._http else "-",
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the jobs and the servers; False when a tick was still running at ``timeout``
        (``run_forever`` then ends the process rather than wait for it)."""
        deadline = time.monotonic() + timeout
        self.stop_event.set()  # a tick abandons its fetches and posts no more cards
        if self._http is not None:
            self._http.request_stop()  # winds down while the tick finishes
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        # Let an in-flight tick finish its current source; what is not committed is rolled back
        # by the database when the process ends.
        finished = self._tick_lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        if finished:
            self._tick_lock.release()
        else:
            log.warning(
                "stopping with a tick still running (for %.0f s): what it has not committed is "
                "rolled back, and the sources it holds are polled again at the next start",
                (self.clock() - (self.tick_started_at or self.clock())).total_seconds(),
            )
        if self._socket is not None:
            try:
                self._socket.close()
                from curator.slack.app import close_app

                close_app(self._socket.app)  # its reader of publications
            except Exception:  # pragma: no cover - best effort on the way out
                log.exception("closing Socket Mode")
        if self._http is not None:
            self._http.stop()
        self.poller.close()
        log.info("curator run stopped")
        return finished

    def run_forever(self) -> int:
        signal.signal(signal.SIGTERM, lambda *_: self.stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: self.stop_event.set())
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, lambda *_: self._request_reload())
        self.start()
        while not self.stop_event.wait(1.0):
            pass
        if not self.stop():
            # The tick's thread would hold the interpreter's exit until it ends (a Slack call
            # of 15 s, a document parsing for a minute): end now, as kill -9 would, which loses
            # nothing committed (README, "Running it").
            logging.shutdown()
            os._exit(0)
        return 0

    def _request_reload(self) -> None:
        self.reload_requested.set()
        # Reload now, outside the signal handler, rather than waiting for the next tick.
        threading.Thread(target=self._reload_now, daemon=True).start()

    def _reload_now(self) -> None:
        self.sources.reload_if_changed(force=True)
        self.reload_requested.clear()

    # -- /healthz and /metrics ---------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        """The ``/healthz`` answer (``curator.liveness``)."""
        ticks = Ticks(
            last_tick_at=self.last_tick_at,
            tick_started_at=self.tick_started_at,
            running=self._tick_lock.locked(),
            last_tick_error=self.last_tick_error,
            failed_in_a_row=self._failed_ticks,
        )
        return health_body(
            ticks,
            self.clock(),
            tick_seconds=self.settings.tick_seconds,
            sources=len(self.sources.sources),
            sources_file_error=self.sources.last_error,
            database_error=self.database_error,
        )

    def _refresh_gauges(self) -> None:
        from curator.store.item_reads import queued_count
        from curator.store.outbox import pending_count

        with self.engine.connect() as conn:
            queued = queued_count(conn)
            pending = pending_count(conn)
            lane_jobs.refresh_gauges(conn, self.metrics, self.clock())
        self.metrics.queue.labels("items_queued").set(queued)
        self.metrics.queue.labels("outbox_pending").set(pending)

    def _start_http(self) -> None:
        from curator.web import WebServer, build_app

        app = build_app(
            health=self.health, metrics=lambda: self.metrics.render(self._refresh_gauges)
        )
        try:
            self._http = WebServer(
                app,
                host=self.settings.http_host,
                port=self.settings.http_port,
                request_timeout=self.settings.http_request_timeout,
            ).start()
        except CuratorError as exc:
            raise CuratorError(
                f"{exc} (for /healthz and /metrics); set CURATOR_HTTP_PORT to a free port, or "
                "CURATOR_HTTP_HOST to an address of this machine"
            ) from exc

    @property
    def http_port(self) -> int:
        assert self._http is not None
        return self._http.port
