"""Hard negatives weighted up (declaration, figures and verdict: ``HARD_NEGATIVES.md``).

    .venv/bin/python -m benchmarks.experiments.hard_negatives [--repeats 5]

For each assignment of the development rows' publishers to 5 outer folds, every row is scored
out of fold by the shipped relevance head (BASE, C = 30000) and by the same head fitted again
with the training part's not-relevant rows that its inner out-of-fold scores card weighted up
2x (HN2) or 4x (HN4). Prints each assignment's pooled card false-positive rate at 95% recall and
the declared rule's verdict. The untouched test publishers are never read.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import (
    RELEVANCE_FIELDS,
    build_vectorizers,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import WeightedRelevance, _relevance_scores, group_folds
from curator.classify.select import choose_lanes, threshold_at_recall
from curator.classify.split import split_indices

C = 30000.0
SEED = 0
FACTORS = {"HN2": 2.0, "HN4": 4.0}
#: HN4 with the inner folds reading the outer training part's matrix (HARD_NEGATIVES.md,
#: "The implementation")
SHARED = {"HN4s": 4.0}


def _fit_score(
    rows: Sequence[TrainingRow], train: np.ndarray, test: np.ndarray
) -> tuple[WeightedRelevance, list[str], Any, dict[str, Any]]:
    prepared = [prepare(r.as_input()) for r in rows]
    vectorizers = build_vectorizers()
    fit(vectorizers, [prepared[i] for i in train])
    blocks = transform(vectorizers, [prepared[i] for i in train])
    model = WeightedRelevance.of(blocks)
    x_test = stack(transform(vectorizers, [prepared[i] for i in test]), RELEVANCE_FIELDS)
    labels = ["yes" if rows[i].relevant else "no" for i in train]
    return model, labels, x_test, blocks


def _weighted(weights: np.ndarray, y: np.ndarray, inner: np.ndarray, factor: float) -> np.ndarray:
    """``weights`` with the not-relevant rows at or above the 95%-recall card point of their
    inner out-of-fold scores multiplied by ``factor``."""
    hard = ~y & (inner >= threshold_at_recall(y, inner, 0.95))
    out = weights.copy()
    out[hard] *= factor
    return out


def scores(rows: list[TrainingRow], seed: int | None) -> dict[str, np.ndarray]:
    y = np.array([r.relevant for r in rows])
    base_w = np.array([r.weight for r in rows])
    out = {name: np.zeros(len(rows)) for name in ("BASE", *FACTORS, *SHARED)}
    for train, test in group_folds(rows, 5, seed=seed):
        model, labels, x_test, blocks = _fit_score(rows, train, test)
        head = model.fit(labels, base_w[train], C, SEED)
        out["BASE"][test] = _relevance_scores(head, x_test)
        # the training part scored out of fold, publisher by publisher
        inner = np.zeros(len(train))
        part = [rows[i] for i in train]
        for itr, ite in group_folds(part, 3):
            m, lab, xt, _ = _fit_score(part, itr, ite)
            inner[ite] = _relevance_scores(m.fit(lab, base_w[train][itr], C, SEED), xt)
        for name, factor in FACTORS.items():
            w = _weighted(base_w[train], y[train], inner, factor)
            out[name][test] = _relevance_scores(model.fit(labels, w, C, SEED), x_test)
        # HN4s: the inner folds slice the outer training part's own matrix
        shared = np.zeros(len(train))
        yes = np.array(labels)
        for itr, ite in group_folds(part, 3):
            sub = WeightedRelevance.of({k: v[itr] for k, v in blocks.items()})
            h = sub.fit(list(yes[itr]), base_w[train][itr], C, SEED)
            held = stack({k: v[ite] for k, v in blocks.items()}, RELEVANCE_FIELDS)
            shared[ite] = _relevance_scores(h, held)
        for name, factor in SHARED.items():
            w = _weighted(base_w[train], y[train], shared, factor)
            out[name][test] = _relevance_scores(model.fit(labels, w, C, SEED), x_test)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = load_files(ROOT / "data" / "training")
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    print(f"{len(dev)} development rows ({int(y.sum())} relevant); C {C:g}")
    fprs: dict[str, list[float]] = {}
    for k in range(args.repeats):
        started = time.perf_counter()
        got = scores(dev, None if k == 0 else k)
        for name, s in got.items():
            fprs.setdefault(name, []).append(choose_lanes(y, s).card_fpr)
        line = "  ".join(f"{name} {fprs[name][-1]:.4f}" for name in got)
        print(f"assignment {k}: card FPR {line} ({time.perf_counter() - started:.0f} s)")
    base = np.array(fprs["BASE"])
    kept = []
    for name in (*FACTORS, *SHARED):
        v = np.array(fprs[name])
        lower = int((v < base).sum())
        ok = base.mean() - v.mean() >= 0.005 and lower >= 4
        print(
            f"{name}: mean {v.mean():.4f} against BASE {base.mean():.4f} "
            f"({v.mean() - base.mean():+.4f}), lower on {lower} of {len(v)}: "
            + ("passes" if ok else "fails")
        )
        if ok:
            kept.append((v.mean(), name))
    print(
        f"passing their rule: {', '.join(name for _, name in sorted(kept)) or 'none'}; only "
        "HN4s could ship (HARD_NEGATIVES.md, 'The implementation')"
    )


if __name__ == "__main__":
    main()
