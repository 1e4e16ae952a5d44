"""The category head's macro-F1 out of fold, on the development rows only, with the sector head's
beside it: how the category head's block weights and class weighting are compared.

    .venv/bin/python -m benchmarks.category_oof [--weights title_words=2] [--class-weight sqrt]
        [--c 30] [--repeats 5]

The rows are ``data/training``'s, less the untouched test publishers (``curator/classify/
split.py``): nothing here reads them. For each of ``--repeats`` assignments of publishers to 5
folds (the deterministic one, then seeds 1, 2, …) every development row is given a sector and a
category by heads fitted without its publisher (``labels_out_of_fold``); the pooled labels of
the relevant rows then give the category and sector macro-F1 (as ``curator eval`` reads them).
``--weights`` names each block's weight in the category head (``NAME=W``, repeatable;
``--weights none`` for every block at 1); without it the shipped weights
(``CATEGORY_BLOCK_WEIGHTS``) are used. ``--c`` is the category head's C; the sector head keeps
the shipped C and weights, so its figure only moves with the fold assignment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import get_args

import numpy as np

from benchmarks.common import ROOT, parse_block_weights
from curator.classify.data import load_files
from curator.classify.features import CATEGORY_BLOCK_WEIGHTS, LABEL_FIELDS
from curator.classify.fit import ClassWeight
from curator.classify.metrics import macro_f1
from curator.classify.select import labels_out_of_fold
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig


def _f1(truth: list[str], got: list[str], idx: list[int]) -> float:
    return macro_f1(np.array([truth[i] for i in idx]), np.array([got[i] for i in idx])) or 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--weights", action="append", help="NAME=W (repeatable), or none")
    parser.add_argument("--c", type=float, default=ModelConfig().c_category, help="category C")
    parser.add_argument("--class-weight", choices=get_args(ClassWeight), default="balanced")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    weights = parse_block_weights(args.weights, LABEL_FIELDS, CATEGORY_BLOCK_WEIGHTS)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    cat_idx = [i for i, r in enumerate(dev) if r.relevant and r.category]
    sec_idx = [i for i, r in enumerate(dev) if r.relevant and r.sector]
    categories = [str(r.category) for r in dev]
    sectors = [str(r.sector) for r in dev]
    print(
        f"{len(dev)} development rows ({len(cat_idx)} relevant with a category, {len(sec_idx)} "
        f"with a sector); category weights {weights or 'none'}; class weight "
        f"{args.class_weight}; C {args.c:g}"
    )
    config = ModelConfig(folds=5, seed=0, c_category=args.c)
    figures = []
    for k in range(args.repeats):
        got = labels_out_of_fold(
            dev,
            config,
            fold_seed=None if k == 0 else k,
            category_weights=weights,
            category_class_weight=args.class_weight,
        )
        figures.append((_f1(categories, got.category, cat_idx), _f1(sectors, got.sector, sec_idx)))
        print(
            f"  folds {'default' if k == 0 else f'seed {k}'}: category macro-F1 "
            f"{figures[-1][0]:.4f}  sector macro-F1 {figures[-1][1]:.4f}"
        )
    table = np.array(figures)
    mean, low, high = table.mean(axis=0), table.min(axis=0), table.max(axis=0)
    print(
        f"mean over {args.repeats}: category macro-F1 {mean[0]:.4f} ({low[0]:.4f}-{high[0]:.4f})"
        f"  sector macro-F1 {mean[1]:.4f} ({low[1]:.4f}-{high[1]:.4f})"
    )


if __name__ == "__main__":
    main()
