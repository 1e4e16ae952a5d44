from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from curator.health import SourceFacts, assess
from curator.records import SourceConfig

NOW = datetime(2024, 6, 30, tzinfo=UTC)
SRC = SourceConfig(
    id="kf",
    publisher="The King's Fund",
    kind="feed",
    url="https://www.kingsfund.org.uk/rss",
    quiet_after=timedelta(days=30),
)
OK = SourceFacts(last_checked_at=NOW, last_ok_at=NOW, newest_item_at=NOW - timedelta(days=3))


@pytest.mark.parametrize(
    ("facts", "source", "status"),
    [
        (OK, SRC, "ok"),
        (replace(OK, newest_item_at=NOW - timedelta(days=45)), SRC, "quiet"),
        (replace(OK, consecutive_failures=3, last_error="kf: HTTP 503"), SRC, "failing"),
        (replace(OK, consecutive_failures=1, last_error="kf: HTTP 503"), SRC, "ok"),
        (replace(OK, feed_title="This feed has ended"), SRC, "ended"),
        (SourceFacts(), SRC, "never polled"),
        (OK, replace(SRC, enabled=False), "disabled"),
        (replace(OK, newest_item_at=None), SRC, "quiet"),
    ],
)
def test_status(facts: SourceFacts, source: SourceConfig, status: str) -> None:
    assert assess(source, facts, NOW).status == status


def test_quiet_says_how_long_and_what_to_do() -> None:
    health = assess(SRC, replace(OK, newest_item_at=NOW - timedelta(days=45)), NOW)
    assert "45 days" in health.detail and "moved" in health.detail


def test_acceptance_rate() -> None:
    health = assess(SRC, replace(OK, accepted=3, rejected=1), NOW)
    assert health.acceptance_rate == 0.75
    assert assess(SRC, OK, NOW).acceptance_rate is None
