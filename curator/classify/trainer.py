"""Training: choose on the development rows, fit the shipped model on every row.

The relevance threshold is chosen on out-of-fold predictions grouped by publisher so that recall
is at least ``target_recall`` (missing a real report is worse than showing a dud); the card and
digest points likewise (:mod:`curator.classify.select`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from curator.classify.calibrate import label_temperatures, temper
from curator.classify.classifier import Classifier
from curator.classify.data import TrainingRow, data_hash
from curator.classify.fit import SklearnScorer, fit_heads
from curator.classify.select import (
    PreviousSearch,
    choose_lanes,
    choose_thresholds,
    search_relevance_c,
)
from curator.classify.split import split_indices
from curator.classify.types import Heads, ModelConfig


@dataclass
class TrainResult:
    classifier: Classifier
    #: the fitted scikit-learn objects (what ``persist.save`` writes and compiles)
    heads: Heads
    rows: list[TrainingRow]
    #: out-of-fold relevance of the development rows (``dev_idx``), with the chosen C
    oof_relevance: np.ndarray
    #: the same with their summaries removed (the lanes of an item without a summary are chosen
    #: on it)
    oof_without_summary: np.ndarray
    config: ModelConfig
    data_hash: str
    trained_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    #: indices into ``rows`` of the development rows (every choice is made on them) and of the
    #: untouched test publishers' rows (:mod:`curator.classify.split`)
    dev_idx: list[int] = field(default_factory=list)
    test_idx: list[int] = field(default_factory=list)


def train(
    rows: Sequence[TrainingRow],
    config: ModelConfig | None = None,
    *,
    now: datetime | None = None,
    previous: PreviousSearch | None = None,
) -> TrainResult:
    """Fit the final model on all ``rows``. The relevance head's C is chosen, and the threshold
    and the card and digest points set, on publisher-grouped out-of-fold scores of the
    development rows only (the untouched test publishers' rows take part in no choice,
    :mod:`curator.classify.split`). With a ``previous`` search less than a week old its C is
    reused (one out-of-fold pass instead of one per C of the grid); the returned config holds
    the C used."""
    config = config or ModelConfig()
    rows = list(rows)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    dev_idx, test_idx = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    reuse = previous is not None and previous.fresh(when)
    if reuse:
        assert previous is not None
        search = search_relevance_c(
            dev, replace(config, c_relevance=previous.c, c_relevance_grid=())
        )
        searched_at = previous.searched_at
    else:
        search = search_relevance_c(dev, config)
        searched_at = when
    config = replace(config, c_relevance=search.c)
    y = [r.relevant for r in dev]
    thresholds = choose_thresholds(y, search.oof, config.target_recall)
    lanes = choose_lanes(y, search.oof, config.card_recall, config.digest_recall)
    bare = choose_lanes(y, search.oof_without_summary, config.card_recall, config.digest_recall)
    heads = fit_heads(rows, config)
    # confidences that mean what they say: fitted on the development rows only, as every choice
    temperatures = label_temperatures(dev, config)
    temper(heads.sector, temperatures["sector"])
    temper(heads.category, temperatures["category"])
    trained_at = when.replace(second=0, microsecond=0)
    digest = data_hash(rows)
    version = f"{trained_at:%Y-%m-%dT%H:%MZ}-{digest[:8]}"
    extra: dict[str, Any] = {
        "c_relevance_search": {
            "folds": config.folds,
            "roc_auc_by_c": {repr(c): auc for c, auc in search.roc_auc.items()},
            "searched_at": searched_at.isoformat(),
            "reused": reuse,
        },
        "lanes": lanes.lanes(),
        "lanes_out_of_fold": asdict(lanes),
        "lanes_without_summary": bare.lanes(),
        "lanes_without_summary_out_of_fold": asdict(bare),
        "split": {"development_rows": len(dev_idx), "test_rows": len(test_idx)},
        "label_temperatures": temperatures,
    }
    classifier = Classifier(
        SklearnScorer(heads),
        thresholds,
        version,
        lanes=lanes.lanes(),
        lanes_without_summary=bare.lanes(),
    )
    return TrainResult(
        classifier,
        heads,
        rows,
        search.oof,
        search.oof_without_summary,
        config,
        digest,
        trained_at,
        extra,
        dev_idx,
        test_idx,
    )
