"""The no-floods rule on its own (pure: typed records in, a decision out): a source's first
document is its archive; a later document that brings a flood of new items is stored quiet."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from curator.classify.lanes import LaneThresholds, lane_for
from curator.pipeline.decide import FLOOD_ITEMS, Decider, flood, flood_warning
from curator.records import Entry, Prediction, SourceConfig

NOW = datetime(2026, 12, 6, 8, tzinfo=UTC)
SOURCE = SourceConfig(
    id="moj", publisher="MoJ", kind="page", url="https://e.org/p", every=timedelta(hours=1)
)


@dataclass(frozen=True)
class State:
    body_hash: str | None = None
    consecutive_failures: int = 0
    consecutive_blocks: int = 0


LATER = State(body_hash="h1")  # a document of this URL is on record
FIRST = State(body_hash=None)  # new, re-enabled, or its URL changed


def entry(days_old: float | None) -> Entry:
    when = None if days_old is None else NOW - timedelta(days=days_old)
    return Entry("moj", "MoJ", "https://e.org/x", "https://e.org/x", "A report", published_at=when)


def relevant(relevance: float = 0.9) -> Prediction:
    return Prediction(True, relevance, "criminal_justice", 0.9, "reports", 0.9, False, "m1")


@pytest.mark.parametrize(
    ("first", "entries", "new", "expected"),
    [
        (False, 60, 60, 60),  # a re-listing: every entry new
        (False, 40, 21, 21),  # just over both bounds
        (False, 42, 21, 0),  # exactly half is not more than half
        (False, 30, 20, 0),  # 20 is not more than 20
        (False, 100, 30, 0),  # many new, but a minority of a long listing
        (False, 5, 3, 0),  # a small feed turning over: news
        (True, 60, 60, 0),  # the first document is its archive, decided by date
    ],
)
def test_a_flood_is_more_than_20_new_items_and_more_than_half_of_the_entries(
    first: bool, entries: int, new: int, expected: int
) -> None:
    assert flood(first, entries, new) == expected


def test_the_bound_is_a_parameter_and_defaults_to_20() -> None:
    assert FLOOD_ITEMS == 20
    assert flood(False, 10, 6, limit=5) == 6
    assert flood(False, 10, 6) == 0


def test_the_situation_reads_first_from_the_state_and_counts_the_flood() -> None:
    d = Decider(rng=random.Random(1))
    assert d.situation(SOURCE, None, NOW, entries=30, new=30).first
    assert d.situation(SOURCE, FIRST, NOW, entries=30, new=30).flood == 0
    later = d.situation(SOURCE, LATER, NOW, entries=60, new=60)
    assert (later.first, later.flood) == (False, 60)
    assert d.situation(SOURCE, LATER, NOW, entries=31, new=1).flood == 0


def test_a_flood_is_quiet_whatever_the_model_says_or_without_one() -> None:
    d = Decider(rng=random.Random(1))
    flooded = d.situation(SOURCE, LATER, NOW, entries=60, new=60)
    assert d.lane(entry(None), None, flooded) == "quiet"
    assert d.lane(entry(1), relevant(), flooded) == "quiet"
    calm = d.situation(SOURCE, LATER, NOW, entries=60, new=2)
    assert d.lane(entry(None), None, calm) == "card"
    assert d.lane(entry(1), relevant(), calm) == "card"


def test_on_the_first_document_undated_items_are_quiet_and_dated_ones_follow_the_window() -> None:
    d = Decider(rng=random.Random(1))
    first = d.situation(SOURCE, FIRST, NOW, entries=30, new=30)
    assert d.lane(entry(None), None, first) == "quiet"
    assert d.lane(entry(None), relevant(), first) == "quiet"
    assert d.lane(entry(3), None, first) == "card"
    assert d.lane(entry(3), relevant(), first) == "card"
    assert d.lane(entry(50), relevant(), first) == "quiet"  # the 45-day rule, as before
    later = d.situation(SOURCE, LATER, NOW, entries=31, new=1)
    assert d.lane(entry(None), None, later) == "card"  # undated later: news


def test_the_models_operating_points_choose_the_lane_of_calm_items() -> None:
    d = Decider(
        rng=random.Random(1),
        prediction_lane=lambda p: lane_for(p, LaneThresholds(card=0.6, digest=0.2)),
    )
    calm = d.situation(SOURCE, LATER, NOW, entries=10, new=3)
    assert [d.lane(entry(1), relevant(r), calm) for r in (0.7, 0.3, 0.1)] == [
        "card",
        "digest",
        "quiet",
    ]


def test_the_warning_names_the_count() -> None:
    text = flood_warning(60)
    assert text.startswith("60 new items at once") and "quiet" in text
