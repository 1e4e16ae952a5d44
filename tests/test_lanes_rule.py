"""The lane rule over a prediction and the model's two operating points."""

from __future__ import annotations

import pytest

from curator.classify.lanes import LaneThresholds, lane_for, lane_thresholds
from curator.records import Prediction


def _p(relevance: float, *, uncertain: bool = False) -> Prediction:
    return Prediction(
        relevant=relevance >= 0.5,
        relevance=relevance,
        sector="adult-social-care-and-health",
        sector_confidence=0.9,
        category="reports",
        category_confidence=0.9,
        uncertain=uncertain,
        model_version="test",
    )


def test_card_digest_and_quiet_split_at_the_two_points() -> None:
    t = LaneThresholds(card=0.4, digest=0.05)
    assert lane_for(_p(0.4), t) == "card"
    assert lane_for(_p(0.39), t) == "digest"
    assert lane_for(_p(0.05), t) == "digest"
    assert lane_for(_p(0.049), t) == "quiet"


def test_points_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="digest <= card"):
        LaneThresholds(card=0.1, digest=0.2)


def test_a_model_without_lanes_cards_what_reaches_the_uncertain_band() -> None:
    t = lane_thresholds(None, uncertain_low=0.01)
    assert t == LaneThresholds(card=0.01, digest=0.01)
    assert lane_for(_p(0.02), t) == "card"
    assert lane_for(_p(0.009), t) == "quiet"


def test_a_model_with_lanes_uses_them() -> None:
    t = lane_thresholds({"card": 0.3, "digest": 0.02}, uncertain_low=0.01)
    assert t == LaneThresholds(card=0.3, digest=0.02)


def test_an_item_without_a_summary_is_read_at_its_own_points() -> None:
    t = lane_thresholds(
        {"card": 0.3, "digest": 0.02},
        uncertain_low=0.01,
        without_summary={"card": 0.04, "digest": 0.001},
    )
    assert t.for_item(has_summary=True) is t and (t.card, t.digest) == (0.3, 0.02)
    bare = t.for_item(has_summary=False)
    assert bare == LaneThresholds(card=0.04, digest=0.001)
    assert lane_for(_p(0.05), t.for_item(has_summary=True)) == "digest"
    assert lane_for(_p(0.05), bare) == "card"
    assert lane_for(_p(0.002), bare) == "digest"


def test_a_model_without_points_for_items_without_a_summary_reads_them_at_the_others() -> None:
    t = lane_thresholds({"card": 0.3, "digest": 0.02}, uncertain_low=0.01)
    assert t.for_item(has_summary=False) == t == LaneThresholds(card=0.3, digest=0.02)
    assert lane_thresholds(None, 0.01).for_item(has_summary=False) == LaneThresholds(0.01, 0.01)


def test_a_summary_counts_once_it_is_cleaned() -> None:
    from curator.classify import ClassifyInput
    from curator.classify.features import has_summary, without_summary

    assert has_summary(ClassifyInput("Report", summary="<p>A report &amp; a plan</p>"))
    assert not has_summary(ClassifyInput("Report", summary="<p> </p>"))
    assert not has_summary(ClassifyInput("Report"))
    # a summary that only repeats the title says nothing more
    title = "Annual report 2024: children's social care"
    assert not has_summary(ClassifyInput(title, summary=title))
    assert not has_summary(ClassifyInput(title, summary="<p>ANNUAL report</p>"))
    assert has_summary(ClassifyInput(title, summary=f"{title}: what inspectors found"))
    bare = without_summary(ClassifyInput("Report", "DHSC", "Findings", "https://x.test/r"))
    assert (bare.title, bare.publisher, bare.summary, bare.url) == (
        "Report",
        "DHSC",
        "",
        "https://x.test/r",
    )
