"""The classifier's training-side API in one import (a facade: the code lives in ``types``,
``fit``, ``select``, ``trainer``, ``classifier`` and ``persist``)."""

from __future__ import annotations

from curator.classify.classifier import Classifier
from curator.classify.fit import SklearnScorer, fit_heads, group_folds, score
from curator.classify.persist import (
    ALLOWED_TYPES,
    FORMAT_VERSION,
    PARITY_PROBES,
    PARITY_TOLERANCE,
    POINTER,
    compile_checked,
    load,
    load_heads,
    read_sidecar,
    save,
)
from curator.classify.select import (
    C_SEARCH_MAX_AGE,
    CSearch,
    PreviousSearch,
    best_c,
    choose_lanes,
    choose_thresholds,
    search_relevance_c,
    threshold_at_recall,
)
from curator.classify.trainer import TrainResult, train
from curator.classify.types import (
    C_RELEVANCE_GRID,
    Heads,
    LanePoints,
    ModelConfig,
    Scores,
    Sidecar,
    Thresholds,
)

__all__ = [
    "ALLOWED_TYPES",
    "C_RELEVANCE_GRID",
    "C_SEARCH_MAX_AGE",
    "FORMAT_VERSION",
    "PARITY_PROBES",
    "PARITY_TOLERANCE",
    "POINTER",
    "CSearch",
    "Classifier",
    "Heads",
    "LanePoints",
    "ModelConfig",
    "PreviousSearch",
    "Scores",
    "Sidecar",
    "SklearnScorer",
    "Thresholds",
    "TrainResult",
    "best_c",
    "choose_lanes",
    "choose_thresholds",
    "compile_checked",
    "fit_heads",
    "group_folds",
    "load",
    "load_heads",
    "read_sidecar",
    "save",
    "score",
    "search_relevance_c",
    "threshold_at_recall",
    "train",
]
