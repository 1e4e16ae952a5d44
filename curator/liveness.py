"""``/healthz`` of ``curator run``: whether the scheduler's ticks still start and finish on
time; and of ``curator slack serve``, which has no ticks: whether its database is still there.
Pure: the caller passes what it knows of its ticks, its database and the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Liveness = Literal["ok", "starting", "stalled", "failing"]


@dataclass(frozen=True)
class Ticks:
    """What the runner knows of its ticks."""

    last_tick_at: datetime | None
    tick_started_at: datetime | None
    running: bool
    last_tick_error: str | None
    #: Ticks that failed since the last one that succeeded.
    failed_in_a_row: int = 0


#: Ticks failing in a row before ``/healthz`` says ``failing`` (one may meet a database restart).
FAILING_AFTER = 3


def liveness(ticks: Ticks, now: datetime, tick_seconds: int) -> Liveness:
    """``ok`` while ticks start and finish on time (a first pass over many sources may run
    long, so a running tick that started recently counts); ``starting`` before the first
    tick; ``stalled`` when the scheduler has stopped ticking."""
    stale_after = max(3 * tick_seconds, 180)

    def recent(when: datetime | None) -> bool:
        return when is not None and (now - when).total_seconds() < stale_after

    if recent(ticks.last_tick_at) or (ticks.running and recent(ticks.tick_started_at)):
        return "ok"
    if ticks.tick_started_at is None:
        return "starting"
    return "stalled"


def overrun_line(started: datetime, now: datetime, tick_seconds: int) -> str:
    """Said once when a tick outlasts its interval (a first pass over many sources, a server
    that answers slowly): the ticks due meanwhile are skipped, not queued."""
    return (
        f"the tick started at {started:%H:%M:%S} is still running after "
        f"{(now - started).total_seconds():.0f} s (ticks are every {tick_seconds} s, "
        "CURATOR_TICK_SECONDS); the ticks due meanwhile are skipped, and the next starts on "
        "the first interval after it ends"
    )


def health_body(
    ticks: Ticks,
    now: datetime,
    *,
    tick_seconds: int,
    sources: int,
    sources_file_error: str | None,
    database_error: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """The ``/healthz`` answer: 503 when stalled, or ``failing``: the database is lost, or the
    last :data:`FAILING_AFTER` ticks or more all failed (a database that cannot be reached or
    written: the process is alive, but nothing is polled or posted); 200 otherwise, and a
    JSON body."""
    failing = database_error or ticks.failed_in_a_row >= FAILING_AFTER
    status: Liveness = "failing" if failing else liveness(ticks, now, tick_seconds)
    body = {
        "status": status,
        "tick_running": ticks.running,
        "last_tick_at": ticks.last_tick_at.isoformat() if ticks.last_tick_at else None,
        "last_tick_error": ticks.last_tick_error,
        "failed_ticks_in_a_row": ticks.failed_in_a_row,
        "sources": sources,
        "sources_file_error": sources_file_error,
        "database_error": database_error,
    }
    return _http_status(status), body


def serve_health_body(database_error: str | None) -> tuple[int, dict[str, Any]]:
    """The ``/healthz`` answer of ``curator slack serve``: 503 ``failing`` with the
    ``database_error`` when its database is lost (every click would be refused), as
    :func:`health_body` answers for ``curator run``; 200 ``ok`` otherwise."""
    status: Liveness = "failing" if database_error else "ok"
    return _http_status(status), {"status": status, "database_error": database_error}


def _http_status(status: Liveness) -> int:
    return 503 if status in ("stalled", "failing") else 200
