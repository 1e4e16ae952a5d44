"""Source health (pure): is a source fine, failing, degraded, quiet, ended, or never polled?

Policy sites go silent after a redesign rather than erroring, so "quiet" — nothing new for longer
than the source's expected cadence (``quiet_after``) — matters as much as "failing". A GOV.UK
feed whose title says "This feed has ended" is an alarm of its own. A page source whose
selectors no longer match is read without them and keeps working, "degraded", until an admin
fixes the selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from curator.records import SourceConfig

Status = Literal["ok", "failing", "degraded", "quiet", "ended", "never polled", "disabled"]
#: Statuses an admin should look at (listed by ``curator sources status --problems`` and in the
#: weekly report).
PROBLEMS: tuple[Status, ...] = ("failing", "degraded", "quiet", "ended")
#: Failures in a row before a source counts as failing in reports (one blip is not news).
FAILING_AFTER = 2
ENDED_MARKERS = ("this feed has ended", "feed has ended")


@dataclass(frozen=True)
class SourceFacts:
    """What the database knows about one source."""

    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    feed_title: str | None = None
    newest_item_at: datetime | None = None
    items_last_30_days: int = 0
    accepted: int = 0
    rejected: int = 0
    #: What the last parse said about the document as a whole (a page selector that matched
    #: nothing), and whether it was read without the source's broken selectors.
    parse_warning: str | None = None
    degraded: bool = False


@dataclass(frozen=True)
class SourceHealth:
    source_id: str
    publisher: str
    status: Status
    detail: str
    last_ok_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    newest_item_at: datetime | None
    items_last_30_days: int
    acceptance_rate: float | None

    def as_json(self) -> dict[str, object]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.source_id,
            "publisher": self.publisher,
            "status": self.status,
            "detail": self.detail,
            "last_ok_at": iso(self.last_ok_at),
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "newest_item_at": iso(self.newest_item_at),
            "items_last_30_days": self.items_last_30_days,
            "acceptance_rate": self.acceptance_rate,
        }


def assess(source: SourceConfig, facts: SourceFacts, now: datetime) -> SourceHealth:
    decided = facts.accepted + facts.rejected
    rate = facts.accepted / decided if decided else None
    status: Status
    if not source.enabled:
        status, detail = "disabled", "disabled in sources.yaml"
    elif facts.feed_title and any(m in facts.feed_title.lower() for m in ENDED_MARKERS):
        status, detail = "ended", f"the feed says {facts.feed_title!r}: find its replacement"
    elif (
        facts.consecutive_failures
        and facts.last_error
        and any(m in facts.last_error.lower() for m in ENDED_MARKERS)
    ):
        status, detail = "ended", facts.last_error
    elif facts.consecutive_failures >= FAILING_AFTER:
        status = "failing"
        detail = (
            f"{facts.consecutive_failures} failures in a row: {facts.last_error or 'unknown error'}"
        )
    elif facts.last_checked_at is None:
        status, detail = "never polled", "not polled yet"
    elif facts.degraded:
        status = "degraded"
        detail = facts.parse_warning or "read without its selectors, which no longer match"
    elif facts.newest_item_at is None and facts.last_ok_at is not None:
        status, detail = "quiet", "polled fine but no publication found yet"
    elif facts.newest_item_at is not None and now - facts.newest_item_at > source.quiet_after:
        days = (now - facts.newest_item_at).days
        status = "quiet"
        detail = (
            f"nothing new for {days} days (expected within {source.quiet_after.days} days): "
            "check the site has not moved"
        )
    else:
        status, detail = "ok", facts.parse_warning or ""
        if facts.consecutive_failures:
            detail = f"last attempt failed: {facts.last_error}"
    return SourceHealth(
        source_id=source.id,
        publisher=source.publisher,
        status=status,
        detail=detail,
        last_ok_at=facts.last_ok_at,
        consecutive_failures=facts.consecutive_failures,
        last_error=facts.last_error,
        newest_item_at=facts.newest_item_at,
        items_last_30_days=facts.items_last_30_days,
        acceptance_rate=rate,
    )
