"""The classifier's types, in one module every other classifier module may import (it imports
none of them): the input, the settings, the fitted parts, the scores, the thresholds, the
operating points, the scorer interface and the sidecar. numpy only; no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

import numpy as np

from curator.records import MIN_SECTOR_CONFIDENCE

if TYPE_CHECKING:
    from curator.records import Entry


@dataclass(frozen=True)
class ClassifyInput:
    """What the classifier sees of one publication. Only ``title`` is required."""

    title: str
    publisher: str = ""
    summary: str = ""
    url: str = ""
    document_type: str | None = None  # GOV.UK display type, e.g. "Research and analysis"
    sector_hint: str | None = None  # the source's sector_hint: a feature, never an override

    @classmethod
    def of_entry(cls, entry: Entry, sector_hint: str | None = None) -> ClassifyInput:
        """What the classifier sees of a parsed entry (its original URL, as the publisher
        links it), with its source's ``sector_hint``."""
        return cls(
            title=entry.title,
            publisher=entry.publisher,
            summary=entry.summary,
            url=entry.original_url,
            document_type=entry.document_type,
            sector_hint=sector_hint,
        )


def titled_object(obj: object, where: str, error: type[Exception]) -> tuple[dict[str, Any], str]:
    """A JSON line describing a publication (an input to classify, a training row): the object
    and its title. Raises ``error`` naming ``where`` when it is not an object or has no title."""
    if not isinstance(obj, dict):
        raise error(f"{where}: expected a JSON object, got {type(obj).__name__}")
    title = obj.get("title")
    if not isinstance(title, str) or not title.strip():
        raise error(f"{where}: 'title' is missing or empty")
    return obj, title


#: Inverse regularisation strengths tried for the relevance head. ``curator train`` (and each
#: training part of ``curator eval``) picks the one with the best publisher-grouped out-of-fold
#: ROC-AUC on its own development rows, so the choice never sees the rows it is judged on. The
#: grid reaches past the best value on the committed rows (the sidecar lists each C's ROC-AUC)
#: so that the optimum is not at its edge.
C_RELEVANCE_GRID: tuple[float, ...] = (30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 30000.0)


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters (chosen with ``curator eval``; see models/MODEL_CARD.md).

    ``c_relevance`` is used as it is only when ``c_relevance_grid`` is empty; otherwise the C
    search replaces it with the grid's best value for the development rows.
    """

    c_relevance: float = 100.0
    c_relevance_grid: tuple[float, ...] = C_RELEVANCE_GRID
    c_sector: float = 30.0
    c_category: float = 30.0
    target_recall: float = 0.96  # a margin so that held-out recall stays >= 0.95
    #: out-of-fold recall the card lane must reach (the highest threshold that does is chosen)
    card_recall: float = 0.95
    #: out-of-fold recall card + digest together must reach
    digest_recall: float = 0.995
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class Thresholds:
    """``relevant`` is the decision threshold; between ``uncertain_low`` and ``uncertain_high``
    the answer is flagged uncertain, as is a relevant item whose sector confidence is below
    ``min_sector_confidence``."""

    relevant: float
    uncertain_low: float
    uncertain_high: float
    min_sector_confidence: float = MIN_SECTOR_CONFIDENCE


@dataclass(frozen=True)
class LanePoints:
    """The card and digest operating points with what they did on the scores they were chosen
    on: recall and false-positive rate (share of irrelevant rows let through) of the card lane
    alone and of card + digest together."""

    card: float
    digest: float
    card_recall: float
    card_fpr: float
    card_digest_recall: float
    card_digest_fpr: float

    def lanes(self) -> dict[str, float]:
        """The sidecar's ``"lanes"`` value (read by :mod:`curator.classify.lanes`)."""
        return {"card": self.card, "digest": self.digest}


@dataclass
class Heads:
    """The fitted scikit-learn parts: vectorizers plus three heads. A head is a fitted
    estimator, or a label (str) when its training rows held a single class."""

    vectorizers: dict[str, Any]
    relevance: Any
    sector: Any
    category: Any


@dataclass(frozen=True)
class Scores:
    """Raw scores of a batch of inputs (no thresholds applied)."""

    relevance: np.ndarray
    sector_labels: list[str]
    sector_confidence: np.ndarray
    category_labels: list[str]
    category_confidence: np.ndarray


class Scorer(Protocol):
    """What a classifier predicts with: the compiled model (:mod:`curator.classify.compiled`)
    or the scikit-learn objects (:class:`curator.classify.fit.SklearnScorer`); both give the
    same scores to within 1e-9."""

    def score(self, inputs: Sequence[ClassifyInput]) -> Scores: ...


class Metric(TypedDict):
    """One figure with its bootstrap 95% interval (``None`` where not computed)."""

    value: float | None
    ci95: list[float] | None


class RelevanceFigures(TypedDict):
    roc_auc: Metric
    recall: Metric
    precision: Metric
    confusion: list[list[int]]  # rows: truth, columns: prediction (relevant, not)


class LabelFigures(TypedDict):
    macro_f1: Metric
    confusion: list[list[int]]


class LaneFigures(TypedDict):
    """The model's lanes on a split: the points used on each training part and what they did."""

    card_points: list[float]
    digest_points: list[float]
    card_recall: Metric
    card_fpr: Metric
    card_digest_recall: Metric
    card_digest_fpr: Metric


class BareLaneFigures(LaneFigures):
    """The lanes of the held-out rows scored without their summaries, at the points chosen for
    items without one, with those scores' ROC-AUC."""

    roc_auc: Metric


class SplitReport(TypedDict, total=False):
    """One held-out split as ``curator eval`` writes it (per system: model, keyword rules,
    majority class). ``skipped`` alone when the split could not be made; ``folds`` for the split
    by publisher, ``cutoff`` for the split by date, ``rule`` for the untouched test split."""

    skipped: str
    rows: int
    relevant_rows: int
    sector_rows: int
    category_rows: int
    model_thresholds: list[float]
    model_c_relevance: list[float]
    relevance: dict[str, RelevanceFigures]
    sector: dict[str, LabelFigures]
    category: dict[str, LabelFigures]
    lanes: LaneFigures
    lanes_without_summary: BareLaneFigures
    folds: int
    #: folds of each training part the nested splits chose C, threshold and lanes on
    inner_folds: int
    publishers: int
    cutoff: str
    train_rows: int
    rule: str


class EvaluationReport(TypedDict, total=False):
    """``evaluation.json`` and ``curator eval --json``: the splits (the cross-validated ones only
    when they were run), the bootstrap size and the targets."""

    test: SplitReport
    by_publisher: SplitReport
    by_date: SplitReport
    bootstrap_resamples: int
    targets: dict[str, float]
    publisher_repeats: dict[str, Any]


@dataclass(frozen=True)
class Sidecar:
    """The ``<stem>.json`` file beside a model: what it is, how it was built, its thresholds and
    operating points. Read with :meth:`from_json` (a missing or malformed key is a KeyError,
    TypeError or ValueError), written with :meth:`to_json`; ``extra`` keeps any other key."""

    format_version: int
    version: str
    sklearn_version: str
    skops_version: str
    trained_at: str
    data_hash: str
    skops_file: str
    skops_sha256: str
    thresholds: Thresholds
    config: dict[str, Any]
    #: empty in a damaged sidecar: loading then says which part is missing
    compiled_file: str = ""
    compiled_format: int | None = None
    compiled_sha256: str = ""
    lanes: dict[str, float] | None = None
    lanes_out_of_fold: dict[str, float] | None = None
    #: the card and digest points of an item without a summary, and what they did out of fold
    #: on the development rows with their summaries removed (a model trained before has none)
    lanes_without_summary: dict[str, float] | None = None
    lanes_without_summary_out_of_fold: dict[str, float] | None = None
    c_relevance_search: dict[str, Any] | None = None
    split: dict[str, int] | None = None
    window: dict[str, Any] | None = None
    training_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    database_rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Sidecar:
        known = {f for f in cls.__dataclass_fields__ if f not in ("thresholds", "extra")}
        t = obj["thresholds"]
        thresholds = Thresholds(
            relevant=float(t["relevant"]),
            uncertain_low=float(t["uncertain_low"]),
            uncertain_high=float(t["uncertain_high"]),
            min_sector_confidence=float(t.get("min_sector_confidence", MIN_SECTOR_CONFIDENCE)),
        )
        values = {k: obj[k] for k in known if k in obj}
        values["version"] = str(obj["version"])
        extra = {k: v for k, v in obj.items() if k not in known and k != "thresholds"}
        return cls(thresholds=thresholds, extra=extra, **values)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "extra" and v is not None}
        return {**self.extra, **out}
