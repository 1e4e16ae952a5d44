"""The lanes' jobs in ``curator run``: the digest lane's daily roll-up (at
``CURATOR_DIGEST_TIME``), the daily expiry of candidates nobody decided
(``CURATOR_CANDIDATE_DAYS``), and the lanes' gauges in ``/metrics``.

Each daily job is a singleton: several workers may fire its trigger, only the first to claim the
day (:func:`curator.store.meta.claim_once`) runs it. A roll-up message that failed to post (Slack
down) is retried every few minutes by whichever worker gets there first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from curator.config import Settings
from curator.metrics import Metrics
from curator.store.handles import Engine

if TYPE_CHECKING:
    from curator.slack.digest import DigestReport
    from curator.slack.expiry import ExpiryReport
    from curator.store.handles import Connection

log = logging.getLogger("curator.run")

#: When the expiry runs each night (local time): after the retrain, before the editors' day.
EXPIRY_AT = (2, 30)
#: How often a roll-up message that failed to post is tried again.
RETRY_MINUTES = 5


class RunnerLike(Protocol):
    engine: Engine
    settings: Settings
    metrics: Metrics
    clock: Callable[[], datetime]
    stop_event: Any


def _day_key(runner: RunnerLike, job: str, now: datetime) -> str:
    """The claim of ``job`` for the day of ``now``, in the editors' time zone."""
    day = now.astimezone(ZoneInfo(runner.settings.timezone)).date().isoformat()
    return f"{job}:{day}"


def _claim_day(runner: RunnerLike, job: str, now: datetime | None = None) -> bool:
    """Claim ``job`` for the day of ``now`` (default: the clock's now)."""
    from curator.store.meta import claim_once

    now = now or runner.clock()
    with runner.engine.begin() as conn:
        return claim_once(conn, _day_key(runner, job, now), now)


def roll_up_missed(runner: RunnerLike, now: datetime) -> bool:
    """Whether the roll-up of the day of ``now`` is past its time (``CURATOR_DIGEST_TIME``) and
    no worker has claimed it: ``curator run`` was not running then (a restart, a deploy, a
    machine asleep), or the scheduler gave up on the trigger it fired late. A read only. One
    ``now`` for the time and the day: read twice, a check a moment before midnight would judge
    today's time against tomorrow's claim, and post tomorrow's roll-up at midnight."""
    from curator.store.meta import is_claimed

    local = now.astimezone(ZoneInfo(runner.settings.timezone))
    if (local.hour, local.minute) < runner.settings.digest_at:
        return False
    with runner.engine.connect() as conn:
        return not is_claimed(conn, _day_key(runner, "digest", now))


def daily_digest(runner: RunnerLike, *, plan_new: bool = True) -> DigestReport | None:
    """Post the day's roll-up (``plan_new``: list the items waiting; else only retry messages
    that failed to post, and post today's roll-up if its time has passed with no worker posting
    it). Without Slack, digest items wait for ``curator review``."""
    settings = runner.settings
    if not settings.slack_enabled or not settings.slack_channel:
        return None
    from curator.slack.digest import post_digest
    from curator.slack.outbox import make_client

    now = runner.clock()  # one day for the check and the claim
    late = not plan_new and roll_up_missed(runner, now)
    if (plan_new or late) and not _claim_day(runner, "digest", now):
        return None  # another worker posts today's roll-up
    if late:
        hour, minute = settings.digest_at
        log.info(
            "today's roll-up was not posted at %02d:%02d (CURATOR_DIGEST_TIME; curator run was "
            "not running then?): posting it now",
            hour,
            minute,
        )
    plan_new = plan_new or late
    report = post_digest(
        runner.engine,
        make_client(settings),
        settings.slack_channel,
        plan_new=plan_new,
        now_fn=runner.clock,
    )
    runner.metrics.digest_posts.inc(report.messages)
    if plan_new or report.messages:
        log.info(
            "digest roll-up: %d message(s) listing %d item(s); %d failed, %d still to post",
            report.messages,
            report.items,
            report.failed,
            report.remaining,
        )
    return report


def daily_expiry(runner: RunnerLike) -> ExpiryReport | None:
    """Move the candidates nobody decided in ``CURATOR_CANDIDATE_DAYS`` to the quiet lane."""
    from curator.slack.expiry import expire

    if not _claim_day(runner, "expire-candidates"):
        return None
    settings = runner.settings
    client = None
    if settings.slack_enabled:
        from curator.slack.outbox import make_client

        client = make_client(settings)
    report = expire(
        runner.engine,
        runner.clock(),
        settings.candidate_days,
        client,
        should_stop=runner.stop_event.is_set,
    )
    runner.metrics.expired.inc(report.expired)
    log.info(
        "expiry: %d candidate(s) moved to the quiet lane after %d days; %d card(s) redrawn, "
        "%d could not be; %d roll-up message(s) redrawn",
        report.expired,
        settings.candidate_days,
        report.redrawn,
        report.failed,
        report.roll_ups,
    )
    return report


def schedule(runner: RunnerLike, sched: Any) -> None:
    """Add the lanes' jobs to the runner's APScheduler."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    tz = runner.settings.timezone
    hour, minute = runner.settings.digest_at
    sched.add_job(
        daily_digest,
        CronTrigger(hour=hour, minute=minute, timezone=tz),
        args=[runner],
        id="digest",
        coalesce=True,
        max_instances=1,
    )
    sched.add_job(
        daily_digest,
        IntervalTrigger(minutes=RETRY_MINUTES),
        args=[runner],
        kwargs={"plan_new": False},
        id="digest-retry",
        coalesce=True,
        max_instances=1,
    )
    sched.add_job(
        daily_expiry,
        CronTrigger(hour=EXPIRY_AT[0], minute=EXPIRY_AT[1], timezone=tz),
        args=[runner],
        id="expire-candidates",
        coalesce=True,
        max_instances=1,
    )


def refresh_gauges(conn: Connection, metrics: Metrics, now: datetime) -> None:
    """The lanes' gauges: new items per lane over the last day, the digest lane's backlog, the
    queue by lane, and the last week's decisions by how each item reached the editors."""
    from curator.outcomes import DECISIONS, ORIGINS
    from curator.slack.lanes import RECENT
    from curator.store.digest import backlog_count
    from curator.store.lanes import new_by_lane, queued_by_lane
    from curator.store.outcomes import decided_last_week

    for lane, count in new_by_lane(conn, now - RECENT).items():
        metrics.lanes.labels(lane or "none").set(count)
    queued = queued_by_lane(conn)
    metrics.queue.labels("queued_cards").set(queued["card"] + queued[None])
    metrics.queue.labels("queued_digest").set(queued["digest"])
    metrics.queue.labels("digest_backlog").set(backlog_count(conn))
    outcomes = decided_last_week(conn, now)
    for origin in ORIGINS:
        for status in DECISIONS:
            metrics.decided.labels(origin, status).set(outcomes.count(origin, status))
