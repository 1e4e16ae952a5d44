"""Which lane a new item goes to, from its prediction and the model's two operating points.

Pure: no I/O. ``card`` items are posted to the editors one by one; ``digest`` items are listed
in the day's roll-up; ``quiet`` items are stored and searchable but never posted.

The two points are chosen by ``curator train`` from publisher-grouped out-of-fold scores and
kept in the model's sidecar under ``"lanes"``. An item without a summary (a title and a link
only) scores much lower than one with, since every training row has one, so it has a pair of its
own, chosen the same way on the same folds' scores of the rows with their summaries removed
(``"lanes_without_summary"``; ``benchmarks/experiments/NO_SUMMARY.md``). A model without that
pair uses the one pair for every item. A model trained before lanes existed has none:
it then cards what it called relevant or uncertain, as it always did, and lists nothing in the
digest (:func:`lane_thresholds`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from curator.records import Lane, Prediction


@dataclass(frozen=True, slots=True)
class LaneThresholds:
    """A relevance at or above ``card`` is carded; at or above ``digest`` (never above
    ``card``), listed in the digest; below it, quiet."""

    card: float
    digest: float
    #: the points for an item without a summary; None: the same as for every other item
    without_summary: LaneThresholds | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.digest <= self.card <= 1.0:
            raise ValueError(
                f"lane thresholds must satisfy 0 <= digest <= card <= 1, got "
                f"digest={self.digest}, card={self.card}"
            )

    def for_item(self, *, has_summary: bool) -> LaneThresholds:
        """The points for an item with a summary or without one."""
        if has_summary or self.without_summary is None:
            return self
        return self.without_summary


def lane_for(prediction: Prediction, thresholds: LaneThresholds) -> Lane:
    """The lane of a recent item. An item the model is unsure of (a relevant answer with a
    weak sector) is still carded when its relevance reaches the card point."""
    if prediction.relevance >= thresholds.card:
        return "card"
    if prediction.relevance >= thresholds.digest:
        return "digest"
    return "quiet"


def model_lane(prediction: Prediction, thresholds: LaneThresholds, *, has_summary: bool) -> Lane:
    """The lane the model gives a recent item with or without a summary (what ``curator
    classify`` shows; a poll also keeps floods, a source's archive and old items quiet)."""
    return lane_for(prediction, thresholds.for_item(has_summary=has_summary))


def lane_thresholds(
    lanes: Mapping[str, float] | None,
    uncertain_low: float,
    without_summary: Mapping[str, float] | None = None,
) -> LaneThresholds:
    """The sidecar's ``"lanes"`` (``{"card": .., "digest": ..}``) when the model has them, with
    its ``"lanes_without_summary"`` when it has those too; otherwise the rule older models were
    used with (card whatever reaches the uncertain band's floor)."""
    if lanes is None:
        return LaneThresholds(card=uncertain_low, digest=uncertain_low)
    bare = None
    if without_summary is not None:
        bare = LaneThresholds(
            card=float(without_summary["card"]), digest=float(without_summary["digest"])
        )
    return LaneThresholds(
        card=float(lanes["card"]), digest=float(lanes["digest"]), without_summary=bare
    )
