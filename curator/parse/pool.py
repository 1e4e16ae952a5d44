"""Parsing in child processes: a poll's CPU work spread over the cores, and a hostile document
kept away from the poller.

feedparser is pure Python, so one process parses one document at a time however many sources
answer at once; on a cold poll of 200 feeds, parsing is the biggest share of the CPU time
(``benchmarks/poll.py``). :class:`ParsePool` runs :func:`curator.parse.parse_document` in
``CURATOR_PARSE_WORKERS`` spawned processes (pebble's ``ProcessPool``) while the poller's own
process fetches, stores and classifies. Each document gets ``CURATOR_PARSE_TIMEOUT`` seconds: a
parse that takes longer has its worker stopped, and a worker that dies (a crash, the kernel's
OOM killer) fails only the document it was reading. Either way the source gets a clear error and
the pool carries on with a fresh worker; no other source is affected.

``workers=0`` parses in the calling process instead (no child processes, no timeout).
"""

from __future__ import annotations

import multiprocessing
import threading
import traceback
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from curator.errors import ParseError
from curator.records import ParsedFeed, SourceConfig

#: Default seconds one document may take to parse before its worker is stopped. A 15 MiB feed
#: takes a few seconds; a minute means something is wrong with the document.
DEFAULT_TIMEOUT = 60.0
#: Jobs a worker runs before it is replaced by a fresh one (bounds any slow leak in a parser).
MAX_TASKS_PER_WORKER = 2000
#: Default cap, in MB, on a parser process's address space (``RLIMIT_AS``). A worker holds
#: about 53 MB of it with the parsers imported; a 15 MiB feed or a 50 MiB report PDF (its first
#: 60 pages) needs a few hundred. A crafted document that would take more fails alone, fast,
#: instead of eating the machine's memory until the timeout.
DEFAULT_MEMORY_MB = 1024

A = TypeVar("A")
R = TypeVar("R")


@dataclass(frozen=True)
class ParseJob:
    """Everything :func:`curator.parse.parse_document` needs, as plain picklable data."""

    content: bytes
    source: SourceConfig
    url: str  # the final URL after redirects: the base for relative links
    headers: Mapping[str, str]
    now: datetime  # aware; dates far in the future are dropped


def parse_job(job: ParseJob) -> ParsedFeed:
    """Parse one document (in whichever process runs it). Errors cross the process boundary as
    plain :class:`ParseError` (their message already names the source) or, for a bug, as a
    ``RuntimeError`` carrying the worker's traceback."""
    from curator.parse import parse_document

    try:
        return parse_document(
            job.content, source=job.source, url=job.url, headers=job.headers, now=job.now
        )
    except ParseError as exc:
        raise ParseError(str(exc)) from None
    except MemoryError:  # past CURATOR_PARSE_MEMORY_MB: ParsePool.failure says so
        raise
    except Exception as exc:  # any bug must reach the poller as a failure, not kill the worker
        raise RuntimeError(f"{exc!r}\n{traceback.format_exc()}") from None


def _too_big(memory_mb: int) -> str:
    cap = f"the {memory_mb} MB" if memory_mb > 0 else "the memory"
    return f"reading the document needed more than {cap} a parser may use (CURATOR_PARSE_MEMORY_MB)"


def _large_for(size: int, memory_mb: int) -> bool:
    """Whether a document of ``size`` bytes may not fit in a parser capped at ``memory_mb``
    MB: handing it over holds two copies, and parsing takes several times its size (measured:
    under a 128 MB cap a 6 MB feed fails, under 256 MB a 15 MB one)."""
    return memory_mb > 0 and size * 16 >= memory_mb * 2**20


def _warm(memory_mb: int = 0) -> None:
    """Worker initializer: cap the process's memory, then import the parsers now, not while the
    first document waits."""
    _limit_memory(memory_mb)
    import curator.parse.feeds
    import curator.parse.pages  # noqa: F401


def _ready() -> None:
    """A job that does nothing: the answer says a worker is up."""


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at ``memory_mb`` MB (0: no cap; where the platform has
    no such limit, or a lower hard limit is set already, that one stands)."""
    if memory_mb <= 0:
        return
    try:
        import resource

        cap = memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, OSError, ValueError):
        return


class PoolSettings(Protocol):
    """The settings a pool is made from (``curator.config.Settings`` has them)."""

    parse_workers: int
    parse_timeout: float
    parse_memory_mb: int


class ParsePool:
    """``submit`` a job, then ``result`` of its future: a :class:`ParsedFeed`, or a
    :class:`ParseError` naming the source. Thread-safe; one instance serves many polls."""

    def __init__(
        self,
        workers: int = 1,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        function: Callable[[ParseJob], ParsedFeed] = parse_job,
    ) -> None:
        if workers < 0:
            raise ValueError("workers must be 0 or more")
        self.workers = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._function = function
        self._pool: Any = None
        self._lock = threading.Lock()  # the event loop's callback and the caller may both start it
        #: the job behind each pending future, so a job caught in a broken pool can run again
        self._jobs: weakref.WeakKeyDictionary[Future[ParsedFeed], ParseJob] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def configured(cls, settings: PoolSettings) -> ParsePool:
        """A pool as ``CURATOR_PARSE_WORKERS``, ``_TIMEOUT`` and ``_MEMORY_MB`` say."""
        return cls(
            settings.parse_workers,
            timeout=settings.parse_timeout,
            memory_mb=settings.parse_memory_mb,
        )

    def start(self) -> None:
        """Start the worker processes now (they start on first use otherwise) and wait until
        one answers, so a timed poll does not pay for their start-up."""
        if self.workers == 0:
            return
        pool = self._ensure()
        pool.submit(_ready, None).result()

    def _ensure(self) -> Any:
        with self._lock:
            if self._pool is None:
                from pebble import ProcessPool

                self._pool = ProcessPool(
                    max_workers=self.workers,
                    max_tasks=MAX_TASKS_PER_WORKER,
                    initializer=_warm,
                    initargs=(self.memory_mb,),
                    context=multiprocessing.get_context("spawn"),
                )
            return self._pool

    def submit(self, job: ParseJob) -> Future[ParsedFeed]:
        future = self.call(self._function, job)
        if self.workers:
            with self._lock:
                self._jobs[future] = job
        return future

    def call(self, function: Callable[[A], R], arg: A) -> Future[R]:
        """Run ``function(arg)`` in a parser process, under the same per-document timeout and
        with the same isolation as a feed (reading a publication's report PDF uses this).
        ``function`` must be a module-level function and ``arg`` and its result picklable."""
        if self.workers == 0:
            done: Future[R] = Future()
            try:
                done.set_result(function(arg))
            except Exception as exc:  # handed over through the future, as from a worker
                done.set_exception(exc)
            return done
        future: Future[R] = self._ensure().submit(function, self.timeout, arg)
        return future

    def result(
        self, future: Future[ParsedFeed], source: SourceConfig, *, retried: bool = False
    ) -> ParsedFeed:
        """The parsed document, or :class:`ParseError` saying what went wrong with it."""
        with self._lock:
            job = self._jobs.pop(future, None)
        try:
            return future.result()
        except BrokenProcessPool:
            # A worker died while pebble could not tell which job it was running ("All workers
            # expired"): every pending job of the pool fails with it. Start a fresh pool and run
            # this document once more; the document that kills its parser fails again, alone.
            self._discard_broken()
            if job is None or retried:
                raise ParseError(
                    f"{source.id}: {self._died(len(job.content) if job else None)}; "
                    "the other sources were not affected"
                ) from None
            return self.result(self.submit(job), source, retried=True)
        except BaseException as exc:
            failure = self.failure(
                exc,
                source.id,
                "the other sources were not affected",
                size=len(job.content) if job else None,
            )
            if failure is None:
                raise
            raise failure from None

    def failure(
        self, exc: BaseException, label: str, others: str, *, size: int | None = None
    ) -> ParseError | None:
        """The :class:`ParseError` for a job stopped by the timeout or whose process died (its
        message starts with ``label`` and ends with ``others``), or ``None`` for any other
        exception, which the job raised itself. ``size``: the document's bytes, named when a
        document that large may not have fitted in the memory cap."""
        from pebble import ProcessExpired

        if isinstance(exc, FutureTimeout):
            return ParseError(
                f"{label}: reading the document took longer than {self.timeout:g} s, so the "
                f"parser was stopped (CURATOR_PARSE_TIMEOUT); {others}"
            )
        if isinstance(exc, ProcessExpired):
            return ParseError(f"{label}: {self._died(size, exc.exitcode)}; {others}")
        if isinstance(exc, MemoryError) and self.workers:  # in-process, no cap was applied
            return ParseError(f"{label}: {_too_big(self.memory_mb)}; {others}")
        if isinstance(exc, BrokenProcessPool):
            return ParseError(f"{label}: {self._died(size)}; {others}")
        return None

    def _died(self, size: int | None, exitcode: int | None = None) -> str:
        """ "the parser process died while reading the document", naming the memory cap when
        the document is large for it: a worker that cannot hold the document it is handed
        dies before the parser starts, so no MemoryError names the cap then."""
        said = "the parser process died while reading the document"
        if exitcode is not None:
            said += f" (exit code {exitcode})"
        if size is not None and self.workers and _large_for(size, self.memory_mb):
            said += (
                f"; at {size / 2**20:.1f} MB the document is large for the {self.memory_mb} MB "
                "a parser may use (CURATOR_PARSE_MEMORY_MB)"
            )
        return said

    def _discard_broken(self) -> None:
        """Drop a pool pebble has marked broken (it accepts no more jobs); the next job starts
        a fresh one."""
        with self._lock:
            pool = self._pool
            if pool is not None and not pool.active:
                self._pool = None
            else:
                pool = None
        if pool is not None:
            pool.stop()
            pool.join(timeout=5)

    def release_idle(self) -> bool:
        """Stop the workers if no job given with :meth:`submit` is waiting for them (the
        poller gives no other kind); the next job starts them again.

        ``curator run`` calls this at the end of each tick: a worker process holds about 38 MB
        with the parsers imported, and an unattended run watching sources that rarely change
        would otherwise keep it idle all its life, for the second or so it takes to start one
        when a tick has something to parse. True when workers were stopped."""
        with self._lock:
            pool = self._pool
            if pool is None or any(not f.done() for f in list(self._jobs)):
                return False
            self._pool = None
        pool.stop()
        pool.join(timeout=5)
        return True

    def close(self) -> None:
        """Stop the workers (waiting for none: a poll that still needs them has returned)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=5)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
