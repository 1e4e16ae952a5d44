"""Which lane a new item goes to, from its prediction and the model's two operating points.

Pure: no I/O. ``card`` items are posted to the editors one by one; ``digest`` items are listed
in the day's roll-up; ``quiet`` items are stored and searchable but never posted.

The two points are chosen by ``curator train`` from publisher-grouped out-of-fold scores and
kept in the model's sidecar under ``"lanes"``. A model trained before lanes existed has none:
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

    def __post_init__(self) -> None:
        if not 0.0 <= self.digest <= self.card <= 1.0:
            raise ValueError(
                f"lane thresholds must satisfy 0 <= digest <= card <= 1, got "
                f"digest={self.digest}, card={self.card}"
            )


def lane_for(prediction: Prediction, thresholds: LaneThresholds) -> Lane:
    """The lane of a recent item. An item the model is unsure of (a relevant answer with a
    weak sector) is still carded when its relevance reaches the card point."""
    if prediction.relevance >= thresholds.card:
        return "card"
    if prediction.relevance >= thresholds.digest:
        return "digest"
    return "quiet"


def lane_thresholds(lanes: Mapping[str, float] | None, uncertain_low: float) -> LaneThresholds:
    """The sidecar's ``"lanes"`` (``{"card": .., "digest": ..}``) when the model has them;
    otherwise the rule older models were used with (card whatever reaches the uncertain band's
    floor)."""
    if lanes is not None:
        return LaneThresholds(card=float(lanes["card"]), digest=float(lanes["digest"]))
    return LaneThresholds(card=uncertain_low, digest=uncertain_low)
