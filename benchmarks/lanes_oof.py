"""The card lane's false-positive rate at 95% recall, out of fold, on the development rows only:
how the relevance head's block weights were chosen (the model card, "Round 8").

    .venv/bin/python -m benchmarks.lanes_oof [--weights summary_words=2] [--repeats 5]

The rows are ``data/training``'s, less the untouched test publishers (``curator/classify/
split.py``): nothing here reads them. For each of ``--repeats`` assignments of publishers to 5
folds (the deterministic one, then seeds 1, 2, …) every development row is scored by a model
fitted without its publisher (vectorizers and relevance head, C fixed by ``--c``); the pooled
scores then give the ROC-AUC, and the false-positive rate at the highest threshold keeping 95%
(card) and 99.5% (card + digest) of the relevant rows. ``--weights`` names each block's weight
(``NAME=W``, repeatable; ``--weights none`` for every block at 1); without it the shipped weights
(``RELEVANCE_BLOCK_WEIGHTS``) are used.

This is the pooled, oracle-threshold figure used to compare variants; ``curator eval`` reports the
nested one (card point chosen inside each fold's training part), which is what the targets are
read against.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT
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
from curator.classify.fit import _relevance_scores, fit_relevance_head, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import _rates, threshold_at_recall
from curator.classify.split import split_indices


def out_of_fold(
    rows: list[TrainingRow], weights: dict[str, float], c: float, seed: int | None
) -> np.ndarray:
    """Every row's relevance from a model fitted on the other publishers' folds."""
    prepared = [prepare(r.as_input()) for r in rows]
    labels = ["yes" if r.relevant else "no" for r in rows]
    sample_weights = np.array([r.weight for r in rows])
    scores = np.zeros(len(rows))
    for train_idx, test_idx in group_folds(rows, 5, seed=seed):
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in train_idx])
        blocks = transform(vectorizers, [prepared[i] for i in train_idx])
        head = fit_relevance_head(
            blocks,
            [labels[i] for i in train_idx],
            sample_weights[train_idx],
            c,
            0,
            block_weights=weights,
        )
        x_test = stack(transform(vectorizers, [prepared[i] for i in test_idx]), RELEVANCE_FIELDS)
        scores[test_idx] = _relevance_scores(head, x_test)
    return scores


def parse_weights(values: list[str] | None) -> dict[str, float]:
    if not values:
        return dict(RELEVANCE_BLOCK_WEIGHTS)
    if values == ["none"]:
        return {}
    out: dict[str, float] = {}
    for value in values:
        name, _, weight = value.partition("=")
        if name not in RELEVANCE_FIELDS or not weight:
            raise SystemExit(
                f"--weights {value!r}: want NAME=W with NAME one of {', '.join(RELEVANCE_FIELDS)}"
            )
        out[name] = float(weight)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--weights", action="append", help="NAME=W (repeatable), or none")
    parser.add_argument("--c", type=float, default=30000.0, help="the relevance head's C")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    weights = parse_weights(args.weights)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    print(
        f"{len(dev)} development rows ({int(y.sum())} relevant); weights {weights or 'none'}; "
        f"C {args.c:g}"
    )
    figures = []
    for k in range(args.repeats):
        s = out_of_fold(dev, weights, args.c, None if k == 0 else k)
        _, card_fpr = _rates(y, s, threshold_at_recall(y, s, 0.95))
        _, both_fpr = _rates(y, s, threshold_at_recall(y, s, 0.995))
        figures.append((roc_auc(y, s) or 0.0, card_fpr, both_fpr))
        print(
            f"  folds {'default' if k == 0 else f'seed {k}'}: ROC-AUC {figures[-1][0]:.4f}  "
            f"card FPR at 95% recall {card_fpr:.3f}  card+digest FPR at 99.5% {both_fpr:.3f}"
        )
    mean = np.mean(np.array(figures), axis=0)
    print(
        f"mean over {args.repeats}: ROC-AUC {mean[0]:.4f}  card FPR {mean[1]:.3f}  "
        f"card+digest FPR {mean[2]:.3f}"
    )


if __name__ == "__main__":
    main()
