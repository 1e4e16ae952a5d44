"""The scheduled jobs of ``curator run`` besides the tick: open the month's edition, retrain
each night, report source health each week. The retrain and the report run once per period
however many workers share the database (the first to claim the period in ``meta`` does it);
``curator.runner`` only schedules them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from multiprocessing import get_context
from typing import TYPE_CHECKING

from curator.config import Settings
from curator.records import SourceConfig
from curator.store.handles import Connection, Engine

if TYPE_CHECKING:
    from curator.classify.retrain import RetrainOutcome

log = logging.getLogger("curator.run")


def open_current_edition(engine: Engine, now: datetime, timezone: str) -> str:
    """Open the edition that accepted items go to now (the month's, once it has begun)."""
    from curator.store.editions import target_edition

    with engine.begin() as conn:
        edition = target_edition(conn, now, timezone)
    log.info("edition %s is open", edition)
    return edition


def weekly_text(conn: Connection, sources: Sequence[SourceConfig], now: datetime) -> str:
    """The week's report (``curator.health.report_text``): source health, the skip rules the
    editors' decisions suggest, then what they decided in the last 7 days by how each item
    reached them."""
    from curator.health import report_text
    from curator.rules_suggest import DAYS as SUGGEST_DAYS
    from curator.store.health import source_health
    from curator.store.outcomes import decided_last_week
    from curator.store.suggest import suggestions

    health = source_health(conn, sources, now)
    outcomes = decided_last_week(conn, now)
    rules = suggestions(conn, sources, now - timedelta(days=SUGGEST_DAYS))
    return report_text(health, outcomes, rules)


def weekly_report(
    engine: Engine,
    sources: Sequence[SourceConfig],
    now: datetime,
    post: Callable[[str], None] | None = None,
) -> str | None:
    """The week's report (:func:`weekly_text`), handed to ``post`` (Slack) and logged. None
    when another worker has sent this week's."""
    from curator.store.meta import claim_once

    year, week, _ = now.isocalendar()
    with engine.begin() as conn:
        claimed = claim_once(conn, f"health-report:{year}-W{week:02d}", now)
    if not claimed:
        return None  # another worker sent this week's report
    with engine.connect() as conn:
        text = weekly_text(conn, sources, now)
    if post is not None:
        post(text)
    log.info("weekly source-health report:\n%s", text)
    return text


def nightly_retrain(engine: Engine, settings: Settings, now: datetime) -> RetrainOutcome | None:
    """Retrain in a child process: training imports scikit-learn (~100 MB) that prediction
    never needs, and the long-running process should not keep it. None when another worker
    has retrained today."""
    from curator.store.meta import claim_once

    with engine.begin() as conn:
        claimed = claim_once(conn, f"retrain:{now.date().isoformat()}", now)
    if not claimed:
        return None
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        outcome = pool.submit(_retrain_in_child, settings, now).result()
    log.info("nightly retrain: %s", outcome.reason)
    return outcome


def _retrain_in_child(settings: Settings, now: datetime) -> RetrainOutcome:
    from curator.classify.retrain import RetrainOutcome, retrain_if_needed
    from curator.store.db import missing_sqlite_file, open_engine

    gone = missing_sqlite_file(settings.database_url)
    if gone is not None:  # deleted since the claim: opening it would create an empty database
        return RetrainOutcome(False, f"not retrained: the database file {gone} is gone")
    engine = open_engine(settings.database_url)
    try:
        return retrain_if_needed(engine, settings, now=now)
    finally:
        engine.dispose()
