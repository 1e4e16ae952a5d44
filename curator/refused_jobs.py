"""The scheduled jobs of ``curator run`` once its database file is gone (deleted or replaced under
it): the store refuses every transaction (:class:`~curator.errors.DatabaseGone`), so a job stores
and posts nothing, and says so once, in one line, with what becomes of its work after the
restart, instead of APScheduler's traceback at every run (the roll-up's retry runs every few
minutes). The tick pauses on its own (``curator.runner``); the jobs stay scheduled.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from curator.errors import DatabaseGone

log = logging.getLogger("curator.run")

#: Each job of the runner (by its APScheduler id, the tick aside): what it is, and what becomes
#: of its work once curator run is restarted on the restored file.
JOBS: dict[str, tuple[str, str]] = {
    "open-edition": (
        "opening the month's edition",
        "curator run opens the month's edition when it starts",
    ),
    "retrain": (
        "the nightly retrain",
        "the next night's retrain learns from the same decisions",
    ),
    "health-report": (
        "the weekly source-health report",
        "this week's report is skipped; the next one comes next Monday, and "
        "`curator sources status` shows the sources' health now",
    ),
    "digest": (
        "the digest lane's daily roll-up",
        "the day's roll-up is posted within 5 minutes if it is still that day (its claim was "
        "not stored); if not, the next day's roll-up lists the items this one would have",
    ),
    "digest-retry": (
        "posting the roll-up messages that failed to post",
        "the ones still to post are tried again",
    ),
    "expire-candidates": (
        "the daily expiry of undecided candidates",
        "the next night's expiry moves the candidates this one would have",
    ),
}


class RefusedJobs:
    """Wraps the runner's jobs; remembers which refusals it has said."""

    def __init__(self) -> None:
        self._said: set[tuple[str, str]] = set()

    def guard(self, job_id: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` returning None, and saying so once, when the store refuses it."""
        what, after = JOBS.get(job_id, (f"the job {job_id}", "it runs at its next time"))

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except DatabaseGone as exc:
                if (job_id, exc.how) not in self._said:  # not at every run: it stays gone
                    self._said.add((job_id, exc.how))
                    log.error(
                        "%s did not run, and nothing of it was stored or posted: %s. Once "
                        "curator run is restarted on the restored file, %s (said once)",
                        what,
                        exc,
                        after,
                    )
                return None

        return run

    def guard_jobs(self, scheduler: Any) -> None:
        """Wrap every job added to ``scheduler`` (an APScheduler 3.x one, before or after its
        start) but the tick, which pauses itself."""
        for job in scheduler.get_jobs():
            if job.id != "tick":
                job.modify(func=self.guard(job.id, job.func))
