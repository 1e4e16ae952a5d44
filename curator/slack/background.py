"""The slow work a Slack interaction starts, done after its ack: reading a publication takes
seconds (a page, a report PDF, the parser process), and Slack wants an answer within three.

One worker thread, so publications are read one at a time whatever the number of clicks, and
one parser pool, started for the first read and stopped once nothing waits: a hostile PDF that
hangs or kills its parser process costs its own item only (the parse timeout), and an idle
app holds no parser process. The thread is a daemon: stopping ``curator run`` or ``curator
slack serve`` never waits for a read in progress (what it had not stored yet is simply not
there; an editor adds the link again).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from curator.config import Settings
from curator.enrich import ReaderSettings
from curator.errors import DatabaseGone
from curator.fetch import FetchSettings
from curator.items.propose import Reader
from curator.parse.pool import ParsePool

log = logging.getLogger(__name__)

_Job = tuple[str, Callable[[], None]]


class Background:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pool: ParsePool | None = None
        self._closed = False

    def submit(self, what: str, job: Callable[[], None]) -> None:
        """Run ``job`` after the work already waiting; ``what`` names it in the log if it
        fails (a job tells the user about its own failures: this is the last resort)."""
        with self._lock:
            if self._closed:
                log.warning("not done, the app is stopping: %s", what)
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="pulse-reader", daemon=True)
                self._thread.start()
        self._jobs.put((what, job))

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            what, job = item
            try:
                job()
            except DatabaseGone as exc:  # said as it is: no traceback
                log.error("%s: not done: %s", what, exc)
            except Exception:
                log.exception("%s failed", what)
            finally:
                if self._jobs.empty():
                    self._stop_pool()

    def reader(self, reader_settings: ReaderSettings | None = None) -> Reader:
        """A reader on the parser pool (started now if it is not running). For jobs only."""
        with self._lock:
            if self._pool is None:
                self._pool = ParsePool.configured(self.settings)
            pool = self._pool
        return Reader(FetchSettings.from_settings(self.settings), pool, reader_settings)

    def _stop_pool(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def close(self) -> None:
        """Take no more work, drop what waits, and stop the parser processes."""
        with self._lock:
            self._closed = True
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)
        self._stop_pool()
