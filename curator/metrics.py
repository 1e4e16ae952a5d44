"""Prometheus metrics of ``curator run`` (served at ``/metrics``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from curator.errors import DatabaseGone


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter("curator_polls", "Source fetches by outcome", ["outcome"], registry=r)
        self.items = Counter("curator_items_new", "New publications stored", registry=r)
        self.candidates = Counter("curator_candidates", "New items queued for editors", registry=r)
        self.ruled_quiet = Counter(
            "curator_items_kept_quiet_by_rules",
            "New items their source's skip/keep rules kept quiet",
            registry=r,
        )
        self.reopened = Counter(
            "curator_items_reopened",
            "Items another source's rules kept quiet, queued for editors when a source whose "
            "rules let them through listed them",
            registry=r,
        )
        self.described = Counter(
            "curator_items_described",
            "New items without a summary given their own page's description",
            registry=r,
        )
        self.posts = Counter("curator_slack_posts", "Cards posted to Slack", registry=r)
        self.post_failures = Counter(
            "curator_slack_post_failures", "Failed attempts to post cards", registry=r
        )
        self.ticks = Counter("curator_ticks", "Scheduler ticks run", registry=r)
        self.tick_duration = Histogram(
            "curator_tick_duration_seconds",
            "Duration of one tick",
            registry=r,
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
        )
        self.queue = Gauge("curator_queue_size", "Rows waiting, by queue", ["queue"], registry=r)
        self.sources = Gauge("curator_sources", "Sources by health status", ["status"], registry=r)
        self.lanes = Gauge(
            "curator_items_last_day",
            "Items first seen in the last 24 hours, by lane (none: stored without a lane)",
            ["lane"],
            registry=r,
        )
        self.decided = Gauge(
            "curator_decided_last_week",
            "Items editors accepted or rejected in the last 7 days, by how each reached them "
            "(origin: card, editor, digest, quiet) and the decision",
            ["origin", "decision"],
            registry=r,
        )
        self.digest_posts = Counter(
            "curator_digest_messages", "Roll-up messages of the digest lane posted", registry=r
        )
        self.expired = Counter(
            "curator_candidates_expired",
            "Candidates moved to the quiet lane after CURATOR_CANDIDATE_DAYS undecided",
            registry=r,
        )

    def render(self, refresh: Callable[[], None] | None = None) -> bytes:
        """The page; ``refresh`` reads the gauges from the store first (refused while its
        file is gone: they keep their last values, and ``/healthz`` says why)."""
        if refresh is not None:
            with contextlib.suppress(DatabaseGone):
                refresh()
        return generate_latest(self.registry)
