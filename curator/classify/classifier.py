"""A loaded (or freshly trained) classifier: scores turned into predictions. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from curator.classify.lanes import lane_thresholds
from curator.classify.types import ClassifyInput, Scorer, Sidecar, Thresholds
from curator.records import Prediction


class Classifier:
    """A loaded model. ``predict`` is pure computation (no I/O) and thread-safe.

    ``scorer`` is the compiled model (``persist.load``) or the fitted scikit-learn objects
    (after training, or ``load(..., use_sklearn=True)``); both give the same scores to within
    1e-9.
    """

    def __init__(
        self,
        scorer: Scorer,
        thresholds: Thresholds,
        version: str,
        *,
        lanes: Mapping[str, float] | None = None,
        lanes_without_summary: Mapping[str, float] | None = None,
        sidecar: Sidecar | None = None,
    ) -> None:
        self.scorer = scorer
        self.thresholds = thresholds
        self.version = version
        self.sidecar = sidecar
        if lanes is None and sidecar is not None:
            lanes = sidecar.lanes
            lanes_without_summary = sidecar.lanes_without_summary
        #: the card and digest operating points, and those of an item without a summary (see
        #: :mod:`curator.classify.lanes`)
        self.lane_thresholds = lane_thresholds(
            lanes, thresholds.uncertain_low, lanes_without_summary
        )

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]:
        if not inputs:
            return []
        s = self.scorer.score(inputs)
        t = self.thresholds
        out = []
        for i in range(len(inputs)):
            relevance = float(s.relevance[i])
            relevant = relevance >= t.relevant
            sector_conf = float(s.sector_confidence[i])
            uncertain = t.uncertain_low <= relevance < t.uncertain_high or (
                relevant and sector_conf < t.min_sector_confidence
            )
            out.append(
                Prediction(
                    relevant=relevant,
                    relevance=round(relevance, 4),
                    sector=s.sector_labels[i],
                    sector_confidence=round(sector_conf, 4),
                    category=s.category_labels[i],
                    category_confidence=round(float(s.category_confidence[i]), 4),
                    uncertain=uncertain,
                    model_version=self.version,
                )
            )
        return out
