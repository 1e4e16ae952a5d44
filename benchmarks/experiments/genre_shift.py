"""Train on summaries as they are, or without their opening page-kind phrase, when the items to
score have none (``GENRE_SHIFT.md``: the question and the rule, declared first).

    .venv/bin/python -m benchmarks.experiments.genre_shift

Development rows only; the untouched test publishers are not read.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from benchmarks.common import ROOT
from benchmarks.experiments.genre_words import cut
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import (
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    build_vectorizers,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import WeightedRelevance, _relevance_scores, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig


def oof(
    train_rows: list[TrainingRow], test_rows: list[TrainingRow], seed: int | None
) -> np.ndarray:
    """Each row of ``test_rows`` scored by a head fitted on the other folds of ``train_rows``
    (the same rows, summaries perhaps different; folds by publisher)."""
    config = ModelConfig(folds=5, seed=0, c_relevance=30000.0, c_relevance_grid=())
    train_in = [prepare(r.as_input()) for r in train_rows]
    test_in = [prepare(r.as_input()) for r in test_rows]
    labels = ["yes" if r.relevant else "no" for r in train_rows]
    weights = np.array([r.weight for r in train_rows])
    scores = np.zeros(len(test_rows))
    for tr, te in group_folds(train_rows, config.folds, seed=seed):
        vectorizers = build_vectorizers()
        fit(vectorizers, [train_in[i] for i in tr])
        head = WeightedRelevance.of(
            transform(vectorizers, [train_in[i] for i in tr]), RELEVANCE_BLOCK_WEIGHTS
        ).fit([labels[i] for i in tr], weights[tr], config.c_relevance, config.seed)
        x = stack(transform(vectorizers, [test_in[i] for i in te]), RELEVANCE_FIELDS)
        scores[te] = _relevance_scores(head, x)
    return scores


def main() -> None:
    rows = load_files(ROOT / "data" / "training")
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    cut_rows = [replace(r, summary=cut(r.summary or "")) for r in dev]
    y = np.array([r.relevant for r in dev])
    print(f"{len(dev)} development rows ({int(y.sum())} relevant); held-out parts scored cut")
    results = []
    for k in range(5):
        seed = None if k == 0 else k
        a = oof(dev, cut_rows, seed)
        b = oof(cut_rows, cut_rows, seed)
        fa, fb = choose_lanes(y, a).card_fpr, choose_lanes(y, b).card_fpr
        results.append((fa, fb))
        print(
            f"  folds {'default' if k == 0 else f'seed {k}'}: card FPR A (trained as they are) "
            f"{fa:.3f}  B (trained cut) {fb:.3f}  ROC-AUC {roc_auc(y, a):.4f} / {roc_auc(y, b):.4f}"
        )
    arr = np.array(results)
    lower = int((arr[:, 1] < arr[:, 0]).sum())
    print(f"mean: A {arr[:, 0].mean():.4f}  B {arr[:, 1].mean():.4f}; B lower on {lower} of 5")
    keep = arr[:, 1].mean() < arr[:, 0].mean() and lower >= 4
    print("rule (GENRE_SHIFT.md): " + ("cut the training summaries" if keep else "keep the data"))


if __name__ == "__main__":
    main()
