"""The card lane's false-positive rate at 95% recall, out of fold, on the development rows only:
how the relevance head's block weights were chosen (the model card, "Rounds 8 and 9").

    .venv/bin/python -m benchmarks.lanes_oof [--weights summary_words=2] [--repeats 5]

The rows are ``data/training``'s, less the untouched test publishers (``curator/classify/
split.py``): nothing here reads them. For each of ``--repeats`` assignments of publishers to 5
folds (the deterministic one, then seeds 1, 2, …) every development row is scored by a model
fitted without its publisher (``search_relevance_c`` with one C, ``--c``); the pooled scores then
give the ROC-AUC, and the false-positive rate at the highest threshold keeping 95% (card) and
99.5% (card + digest) of the relevant rows (``choose_lanes``). ``--weights`` names each block's
weight (``NAME=W``, repeatable; ``--weights none`` for every block at 1); without it the shipped
weights (``RELEVANCE_BLOCK_WEIGHTS``) are used.

This is the pooled, oracle-threshold figure used to compare variants; ``curator eval`` reports the
nested one (card point chosen inside each fold's training part), which is what the targets are
read against.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, parse_block_weights
from curator.classify.data import load_files
from curator.classify.features import RELEVANCE_BLOCK_WEIGHTS, SPARSE_RELEVANCE_FIELDS
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--weights", action="append", help="NAME=W (repeatable), or none")
    parser.add_argument("--c", type=float, default=30000.0, help="the relevance head's C")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    weights = parse_block_weights(args.weights, SPARSE_RELEVANCE_FIELDS, RELEVANCE_BLOCK_WEIGHTS)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    print(
        f"{len(dev)} development rows ({int(y.sum())} relevant); weights {weights or 'none'}; "
        f"C {args.c:g}"
    )
    config = ModelConfig(folds=5, seed=0, c_relevance=args.c, c_relevance_grid=())
    figures = []
    for k in range(args.repeats):
        s = search_relevance_c(
            dev, config, fold_seed=None if k == 0 else k, block_weights=weights
        ).oof
        lanes = choose_lanes(y, s)
        figures.append((roc_auc(y, s) or 0.0, lanes.card_fpr, lanes.card_digest_fpr))
        print(
            f"  folds {'default' if k == 0 else f'seed {k}'}: ROC-AUC {figures[-1][0]:.4f}  "
            f"card FPR at 95% recall {lanes.card_fpr:.3f}  "
            f"card+digest FPR at 99.5% {lanes.card_digest_fpr:.3f}"
        )
    mean = np.mean(np.array(figures), axis=0)
    print(
        f"mean over {args.repeats}: ROC-AUC {mean[0]:.4f}  card FPR {mean[1]:.3f}  "
        f"card+digest FPR {mean[2]:.3f}"
    )


if __name__ == "__main__":
    main()
