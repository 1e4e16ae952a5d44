"""Items without a summary: do the lanes keep their recall? (``NO_SUMMARY.md``)

    .venv/bin/python -m benchmarks.experiments.no_summary [--repeats 5]

Development rows only (the test publishers of ``curator/classify/split.py`` are never read). For
each assignment of publishers to 5 folds, every row is scored by a model fitted without its
publisher, as written and with its summary removed; BASE and SPLIT share those fits, AUG fits on
the training rows plus a copy of each without its summary.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from pathlib import Path

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
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes
from curator.classify.types import LanePoints

C = 30000.0


def bare(row: TrainingRow) -> TrainingRow:
    """Pure: the row as a feed without a summary gives it."""
    return dataclasses.replace(row, summary="")


def fold_scores(
    train: Sequence[TrainingRow], test: Sequence[TrainingRow]
) -> tuple[np.ndarray, np.ndarray]:
    """The relevance of ``test`` as written and without summaries, by a head fitted on ``train``
    as ``search_relevance_c`` fits it."""
    prepared = [prepare(r.as_input()) for r in train]
    vectorizers = build_vectorizers()
    fit(vectorizers, prepared)
    head = WeightedRelevance.of(transform(vectorizers, prepared)).fit(
        ["yes" if r.relevant else "no" for r in train], np.array([r.weight for r in train]), C, 0
    )

    def scores(rows: Sequence[TrainingRow]) -> np.ndarray:
        blocks = transform(vectorizers, [prepare(r.as_input()) for r in rows])
        return _relevance_scores(head, stack(blocks, RELEVANCE_FIELDS))

    return scores(test), scores([bare(r) for r in test])


def at(points: LanePoints, y: np.ndarray, s: np.ndarray) -> tuple[float, float, float, float]:
    """Pure: card recall, card FPR, card + digest recall and FPR of scores ``s`` at ``points``."""
    card, listed = s >= points.card, s >= points.digest
    return card[y].mean(), card[~y].mean(), listed[y].mean(), listed[~y].mean()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    from curator.classify.split import split_indices

    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    print(f"{len(dev)} development rows ({int(y.sum())} relevant); C {C:g}")
    table: dict[str, list[tuple[float, ...]]] = {}
    for k in range(args.repeats):
        written = {v: np.zeros(len(dev)) for v in ("base", "aug")}
        without = {v: np.zeros(len(dev)) for v in ("base", "aug")}
        for tr, te in group_folds(dev, 5, seed=None if k == 0 else k):
            test = [dev[i] for i in te]
            train = [dev[i] for i in tr]
            written["base"][te], without["base"][te] = fold_scores(train, test)
            written["aug"][te], without["aug"][te] = fold_scores(
                train + [bare(r) for r in train], test
            )
        for variant, model in (("BASE", "base"), ("SPLIT", "base"), ("AUG", "aug")):
            own = choose_lanes(y, written[model])
            bare_points = own if variant == "BASE" else choose_lanes(y, without[model])
            line = (
                roc_auc(y, written[model]) or 0.0,
                *at(own, y, written[model]),
                roc_auc(y, without[model]) or 0.0,
                *at(bare_points, y, without[model]),
            )
            table.setdefault(variant, []).append(line)
            print(
                f"  assignment {k} {variant:5s} as written: AUC {line[0]:.4f} card recall "
                f"{line[1]:.3f} FPR {line[2]:.3f} c+d recall {line[3]:.3f} FPR {line[4]:.3f} | "
                f"without summary: AUC {line[5]:.4f} card recall {line[6]:.3f} FPR {line[7]:.3f} "
                f"c+d recall {line[8]:.3f} FPR {line[9]:.3f}",
                flush=True,
            )
    print("means over assignments:")
    for variant, lines in table.items():
        m = np.mean(np.array(lines), axis=0)
        print(
            f"  {variant:5s} as written: AUC {m[0]:.4f} card recall {m[1]:.3f} FPR {m[2]:.3f} "
            f"c+d recall {m[3]:.3f} FPR {m[4]:.3f} | without summary: AUC {m[5]:.4f} card recall "
            f"{m[6]:.3f} FPR {m[7]:.3f} c+d recall {m[8]:.3f} FPR {m[9]:.3f}"
        )
    split, aug = np.array(table["SPLIT"]), np.array(table["AUG"])
    print(
        f"AUG vs SPLIT, without-summary card FPR lower on {int((aug[:, 7] < split[:, 7]).sum())} "
        f"of {len(aug)}; AUG vs BASE as-written card FPR "
        f"{aug[:, 2].mean() - np.array(table['BASE'])[:, 2].mean():+.4f}"
    )


if __name__ == "__main__":
    main()
