"""The poll's rules on their own: pure functions over typed records, no database, no network."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from curator.errors import BlockedBySite, HTTPStatusError, ParseError
from curator.pipeline.decide import Decider, Situation, relevant_or_uncertain, unchanged
from curator.records import Entry, FetchResult, Lane, ParsedFeed, Prediction, SourceConfig
from curator.schedule import BLOCKED_AFTER, BLOCKED_EVERY

NOW = datetime(2024, 6, 12, 8, tzinfo=UTC)
SOURCE = SourceConfig(
    id="dhsc", publisher="DHSC", kind="feed", url="https://e.org/a", every=timedelta(hours=1)
)
OK = FetchResult("dhsc", SOURCE.url, 200, {}, b"<feed/>", 0.1, etag='"v2"', body_hash="h2")


@dataclass(frozen=True)
class State:
    body_hash: str | None = None
    consecutive_failures: int = 0
    consecutive_blocks: int = 0


def decider(**kw: object) -> Decider:
    return Decider(rng=random.Random(1), **kw)  # type: ignore[arg-type]


def prediction(relevant: bool, uncertain: bool = False, relevance: float = 0.5) -> Prediction:
    return Prediction(relevant, relevance, "criminal_justice", 0.9, "reports", 0.9, uncertain, "m1")


def entry(days_old: float | None) -> Entry:
    when = None if days_old is None else NOW - timedelta(days=days_old)
    return Entry(
        "dhsc", "DHSC", "https://e.org/x", "https://e.org/x", "A report", published_at=when
    )


def test_a_304_or_the_document_already_stored_is_unchanged() -> None:
    assert unchanged(replace(OK, not_modified=True, body_hash=None), None)
    assert unchanged(OK, State(body_hash="h2"))
    assert not unchanged(OK, State(body_hash="h1"))
    assert not unchanged(OK, None)
    assert not unchanged(replace(OK, body_hash=None), State(body_hash=None))


def test_a_recent_item_is_a_card_when_relevant_or_uncertain_and_quiet_otherwise() -> None:
    d, here = decider(), Situation(SOURCE, NOW)
    assert d.lane(entry(1), prediction(True), here) == "card"
    assert d.lane(entry(1), prediction(False, uncertain=True), here) == "card"
    assert d.lane(entry(1), prediction(False), here) == "quiet"
    assert d.lane(entry(None), prediction(True), here) == "card"  # undated: news


def test_without_a_model_every_recent_item_is_a_card_and_old_ones_are_quiet() -> None:
    d, here = decider(), Situation(SOURCE, NOW)
    assert d.lane(entry(44), None, here) == "card"
    assert d.lane(entry(46), None, here) == "quiet"
    assert d.lane(entry(46), prediction(True), here) == "quiet"
    assert decider(backfill=timedelta(days=60)).lane(entry(46), None, here) == "card"


def test_the_rule_over_a_prediction_plugs_in() -> None:
    def by_relevance(p: Prediction) -> Lane:
        return "card" if p.relevance >= 0.8 else "digest" if p.relevance >= 0.3 else "quiet"

    d, here = decider(prediction_lane=by_relevance), Situation(SOURCE, NOW)
    assert d.lane(entry(1), prediction(False, relevance=0.5), here) == "digest"
    assert d.lane(entry(1), prediction(False, relevance=0.9), here) == "card"
    assert d.lane(entry(60), prediction(True, relevance=0.9), here) == "quiet"  # old stays quiet
    assert relevant_or_uncertain(prediction(False, relevance=0.99)) == "quiet"


def test_a_stored_document_records_its_validators_read_and_next_check() -> None:
    feed = ParsedFeed([], title="DHSC", source_warnings=("no dates", "no links"), degraded=True)
    got = decider().checked(SOURCE, OK, NOW, feed=feed, new_items=3)
    assert (got.etag, got.body_hash, got.new_items, got.feed_title) == ('"v2"', "h2", 3, "DHSC")
    assert got.read == ("no dates; no links", True)
    assert NOW + timedelta(minutes=54) <= got.next_check_at <= NOW + timedelta(minutes=66)
    assert got.progress == "3 new"


def test_a_304_keeps_what_the_last_parse_said() -> None:
    got = decider().checked(SOURCE, replace(OK, not_modified=True, body_hash=None), NOW)
    assert got.read is None and got.feed_title is None and got.progress == "not modified"
    assert decider().checked(SOURCE, OK, NOW).progress == "unchanged"


def test_a_failure_is_named_after_its_source_and_backs_off_honouring_retry_after() -> None:
    exc = HTTPStatusError("dhsc: HTTP 503 from x", status=503, retry_after=7200)
    got = decider().failed(SOURCE, State(consecutive_failures=2), exc, NOW)
    assert (got.error, got.status, got.blocked, got.unexpected) == (
        "dhsc: HTTP 503 from x",
        503,
        False,
        False,
    )
    assert got.next_check_at >= NOW + timedelta(seconds=7200)
    named = decider().failed(SOURCE, State(), ParseError("no entries"), NOW)
    assert named.error == "dhsc: no entries" and named.status is None


def test_an_unexpected_error_is_an_internal_error() -> None:
    got = decider().failed(SOURCE, State(), ValueError("boom"), NOW)
    assert got.error == "dhsc: internal error: ValueError('boom')" and got.unexpected


def test_a_site_that_keeps_refusing_is_checked_once_a_day() -> None:
    refused = BlockedBySite("dhsc: HTTP 403", status=403, reason="HTTP 403")
    once = decider().failed(SOURCE, State(), refused, NOW)
    assert once.blocked and once.next_check_at < NOW + BLOCKED_EVERY
    again = decider().failed(SOURCE, State(consecutive_blocks=BLOCKED_AFTER - 1), refused, NOW)
    assert again.next_check_at >= NOW + BLOCKED_EVERY
