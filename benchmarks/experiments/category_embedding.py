"""Would the word-vector embedding help the category head as it helps the relevance head?

    .venv/bin/python -m benchmarks.experiments.category_embedding

The category head of the shipped model, and the same with a class-balanced multinomial logistic
regression on the standardised word-vector embedding (``curator.classify.wordvec``; C 1 / 3 /
10) whose per-class decision is added to the head's, out of fold by publisher (5 folds) over 5
assignments of publishers to folds, on the development rows' relevant rows only (as
``benchmarks/category_oof.py``; the untouched test publishers are never read). Findings:
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify import wordvec
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import LABEL_FIELDS, build_vectorizers, fit, prepare, stack
from curator.classify.features import transform as blocks_of
from curator.classify.fit import fit_category_head, group_folds
from curator.classify.metrics import macro_f1
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

GRID = (1.0, 3.0, 10.0)


def _embedding_head(z: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=0
    ).fit(z, y, sample_weight=w)


def _standardised(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, sd = train.mean(axis=0), (train.std(axis=0) + 1e-9) * np.sqrt(train.shape[1])
    return (train - mean) / sd, (test - mean) / sd


def predictions(rows: list[TrainingRow], seed: int | None) -> dict[str, np.ndarray]:
    """Every row's category out of fold: the shipped head ("base") and with the embedding head
    at each C of :data:`GRID`."""
    config = ModelConfig()
    prepared = [prepare(r.as_input()) for r in rows]
    weights = np.array([r.weight for r in rows])
    table = wordvec.load().table
    out = {name: np.empty(len(rows), dtype=object) for name in ["base", *map(str, GRID)]}
    for tr, te in group_folds(rows, 5, seed=seed):
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in tr])
        train_blocks = blocks_of(vectorizers, [prepared[i] for i in tr])
        test_blocks = blocks_of(vectorizers, [prepared[i] for i in te])
        train = [rows[i] for i in tr]
        x = stack(train_blocks, LABEL_FIELDS)
        head = fit_category_head(
            train_blocks, train, weights[tr], config.c_category, 0, x=x, embedding=False
        )
        sparse = head.decision_function(stack(test_blocks, LABEL_FIELDS))
        out["base"][te] = head.classes_[sparse.argmax(axis=1)]
        z_tr, z_te = _standardised(
            np.asarray(train_blocks["word_vectors"] @ table, dtype=float),
            np.asarray(test_blocks["word_vectors"] @ table, dtype=float),
        )
        idx = [j for j, r in enumerate(train) if r.relevant and r.category]
        y = np.array([str(train[j].category) for j in idx])
        for c in GRID:
            embedding = _embedding_head(z_tr[idx], y, weights[tr][idx], c)
            assert list(embedding.classes_) == list(head.classes_)
            both = sparse + embedding.decision_function(z_te)
            out[str(c)][te] = head.classes_[both.argmax(axis=1)]
    return out


def main() -> None:
    rows = load_files(ROOT / "data" / "training")
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    cat_idx = [i for i, r in enumerate(dev) if r.relevant and r.category]
    truth = np.array([str(dev[i].category) for i in cat_idx])
    results: dict[str, list[float]] = {}
    for k in range(5):
        for name, got in predictions(dev, None if k == 0 else k).items():
            f1 = macro_f1(truth, np.array([str(got[i]) for i in cat_idx])) or 0.0
            results.setdefault(name, []).append(f1)
    for name, per in results.items():
        a = np.array(per)
        label = "shipped category head" if name == "base" else f"+ embedding head, C = {name}"
        print(
            f"{label:32s} mean {a.mean():.4f} ({a.min():.4f}-{a.max():.4f})  per assignment "
            + " ".join(f"{v:.4f}" for v in a)
        )


if __name__ == "__main__":
    main()
