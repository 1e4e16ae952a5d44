"""Per-class offsets added to the category head's log-probabilities before the argmax, chosen
for macro-F1: do they raise the category macro-F1 of publishers never seen? An experiment on the
development rows only (declaration and findings: ``benchmarks/experiments/CATEGORY_BIAS.md``).

    .venv/bin/python -m benchmarks.experiments.category_bias [--repeats 5] [--jobs 2]
        [--json out.json]

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``, as ``benchmarks/category_oof.py``): nothing here
reads them. For each of ``--repeats`` assignments of publishers to 5 outer folds (the
deterministic one, then seeds 1, 2, …, as ``category_oof.py --repeats``), each outer fold's
category head is fitted on its training part exactly as ``labels_out_of_fold`` fits it (shipped
C, block weights, class weighting and embedding head) and gives the held-out rows' category
log-probabilities. The offsets of that outer fold are chosen on the training part alone: its
rows dealt to 5 inner publisher-grouped folds (``group_folds``, deterministic), each inner head
fitted the same way gives its held-out rows' log-probabilities, and the offsets of the grid
(:data:`GRID`, ``reports`` fixed at 0) with the highest pooled inner macro-F1 of the relevant
rows with a category win, ties to the smallest offsets (:func:`choose_offsets`). The held-out
rows are then labelled by the argmax without offsets (the shipped head) and with them; the 5
folds' labels are pooled and the relevant rows with a category give the two macro-F1.

For information only (not in the rule): the offsets the whole assignment's pooled outer
out-of-fold scores would choose, which is what ``curator train`` would ship, and the in-sample
macro-F1 they reach on those same scores (optimistic by construction).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import LABEL_FIELDS, build_vectorizers, fit, prepare, stack
from curator.classify.features import transform as blocks_of
from curator.classify.fit import _head_scores, fit_category_head, group_folds, label_stack
from curator.classify.metrics import macro_f1
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

#: the category classes, in the order of the columns of every log-probability array here
CLASSES = ("briefings", "reports", "tools_guidance")
#: the class whose offset is fixed at 0 (the others are relative to it)
ANCHOR = "reports"
#: each free offset's values on the log-probability scale: -1.0, -0.9, …, +1.0
GRID = tuple(round(k / 10, 1) for k in range(-10, 11))
OUTER_FOLDS = 5
INNER_FOLDS = 5


def log_softmax(decision: np.ndarray) -> np.ndarray:
    """Pure: the log-probabilities of a multinomial head from its decision function (what
    ``predict_proba`` exponentiates), without the underflow of ``log(predict_proba)``."""
    top = decision.max(axis=1, keepdims=True)
    shifted = decision - top
    out: np.ndarray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return out


def fold_log_proba(
    rows: Sequence[TrainingRow],
    prepared: Sequence[Any],
    weights: np.ndarray,
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    config: ModelConfig,
) -> np.ndarray:
    """The category log-probabilities (columns :data:`CLASSES`) of ``test_idx`` by a category
    head fitted on ``train_idx`` as ``labels_out_of_fold`` fits it (vectorizers fitted on the
    training rows, ``fit_category_head`` with the shipped C, weights and embedding head). A
    class the head never saw gets ``-inf``. Checks that its argmax is the shipped head's label
    (``_head_scores``)."""
    vectorizers = build_vectorizers()
    fit(vectorizers, [prepared[i] for i in train_idx])
    blocks = blocks_of(vectorizers, [prepared[i] for i in train_idx])
    x = stack(blocks, LABEL_FIELDS)
    train = [rows[i] for i in train_idx]
    head = fit_category_head(blocks, train, weights[train_idx], config.c_category, config.seed, x=x)
    test_blocks = blocks_of(vectorizers, [prepared[i] for i in test_idx])
    x_test = label_stack(head, test_blocks, stack(test_blocks, LABEL_FIELDS))
    out = np.full((len(test_idx), len(CLASSES)), -np.inf)
    if isinstance(head, str):
        out[:, CLASSES.index(head)] = 0.0
        return out
    decision = np.asarray(head.decision_function(x_test), dtype=float)
    if decision.ndim == 1:  # two classes: the decision is the second's logit against the first
        decision = np.column_stack([np.zeros_like(decision), decision])
    logp = log_softmax(decision)
    for j, label in enumerate(head.classes_):
        out[:, CLASSES.index(str(label))] = logp[:, j]
    expected = _head_scores(head, x_test)[0]
    assert [CLASSES[k] for k in out.argmax(axis=1)] == expected, "argmax differs from shipped"
    return out


def log_proba_out_of_fold(
    rows: Sequence[TrainingRow],
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    config: ModelConfig,
    prepared: Sequence[Any] | None = None,
) -> np.ndarray:
    """Every row's category log-probabilities by the head of the fold that holds it out."""
    prepared = prepared if prepared is not None else [prepare(r.as_input()) for r in rows]
    weights = np.array([r.weight for r in rows])
    out = np.full((len(rows), len(CLASSES)), np.nan)
    for train_idx, test_idx in folds:
        out[test_idx] = fold_log_proba(rows, prepared, weights, train_idx, test_idx, config)
    return out


def candidates() -> list[np.ndarray]:
    """Pure: every offset vector of the grid (columns :data:`CLASSES`, :data:`ANCHOR` at 0), in
    the order ties are broken: smallest sum of |offsets|, then smallest largest |offset|, then
    the free offsets in increasing order (briefings first)."""
    free = [k for k, c in enumerate(CLASSES) if c != ANCHOR]
    out = []
    for a in GRID:
        for b in GRID:
            v = np.zeros(len(CLASSES))
            v[free[0]], v[free[1]] = a, b
            out.append(v)
    return sorted(out, key=lambda v: (round(abs(v).sum(), 6), abs(v).max(), *v[free]))


def labels(logp: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Pure: the class of each row, the argmax of its log-probabilities plus ``offsets``."""
    out: np.ndarray = np.array(CLASSES)[(logp + offsets).argmax(axis=1)]
    return out


def choose_offsets(truth: np.ndarray, logp: np.ndarray) -> tuple[np.ndarray, float]:
    """Pure: the offsets of the grid with the highest macro-F1 of ``truth`` against the labels
    of ``logp`` plus them (the first of :func:`candidates`' order among equals), and that F1."""
    best, best_f1 = np.zeros(len(CLASSES)), -1.0
    for v in candidates():
        f1 = round(macro_f1(truth, labels(logp, v)) or 0.0, 12)
        if f1 > best_f1:
            best, best_f1 = v, f1
    return best, best_f1


def offsets_dict(v: np.ndarray) -> dict[str, float]:
    return {c: float(v[k]) for k, c in enumerate(CLASSES) if c != ANCHOR}


def one_assignment(k: int, rows: Sequence[TrainingRow]) -> dict[str, Any]:
    """Assignment ``k`` (0: the deterministic one, else seed ``k``): both variants' pooled
    out-of-fold macro-F1, the offsets of each outer fold, and the information-only figures."""
    start = time.perf_counter()
    config = ModelConfig(folds=OUTER_FOLDS, seed=0)
    prepared = [prepare(r.as_input()) for r in rows]
    weights = np.array([r.weight for r in rows])
    scored = np.array([bool(r.relevant and r.category) for r in rows])
    truth = np.array([str(r.category) for r in rows])
    base = np.empty(len(rows), dtype=object)
    biased = np.empty(len(rows), dtype=object)
    outer_logp = np.full((len(rows), len(CLASSES)), np.nan)
    chosen = []
    for train_idx, test_idx in group_folds(rows, OUTER_FOLDS, seed=None if k == 0 else k):
        logp = fold_log_proba(rows, prepared, weights, train_idx, test_idx, config)
        outer_logp[test_idx] = logp
        train = [rows[i] for i in train_idx]
        inner = log_proba_out_of_fold(
            train, group_folds(train, INNER_FOLDS), config, [prepared[i] for i in train_idx]
        )
        keep = scored[train_idx]
        offsets, inner_f1 = choose_offsets(truth[train_idx][keep], inner[keep])
        base[test_idx] = labels(logp, np.zeros(len(CLASSES)))
        biased[test_idx] = labels(logp, offsets)
        chosen.append({"offsets": offsets_dict(offsets), "inner_f1": inner_f1})
    y = truth[scored]
    info_offsets, info_f1 = choose_offsets(y, outer_logp[scored])
    return {
        "assignment": "default" if k == 0 else f"seed {k}",
        "base": macro_f1(y, base[scored].astype(str)) or 0.0,
        "offsets": macro_f1(y, biased[scored].astype(str)) or 0.0,
        "chosen": chosen,
        "info_offsets": offsets_dict(info_offsets),
        "info_in_sample_f1": info_f1,
        "seconds": round(time.perf_counter() - start, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=1, help="assignments run in parallel")
    parser.add_argument("--json", type=Path, help="write every assignment's figures here")
    args = parser.parse_args(argv)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    n_cat = sum(bool(r.relevant and r.category) for r in dev)
    print(
        f"{len(dev)} development rows ({n_cat} relevant with a category); grid {GRID[0]}..."
        f"{GRID[-1]} step 0.1 for {', '.join(c for c in CLASSES if c != ANCHOR)}; "
        f"{OUTER_FOLDS} outer, {INNER_FOLDS} inner folds",
        flush=True,
    )
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one_assignment, range(args.repeats), [dev] * args.repeats))
    for r in results:
        folds = "; ".join(
            f"{c['offsets']['briefings']:+.1f}/{c['offsets']['tools_guidance']:+.1f}"
            for c in r["chosen"]
        )
        print(
            f"  {r['assignment']:8s} ({r['seconds']:.0f} s): base {r['base']:.4f}  offsets "
            f"{r['offsets']:.4f}  chosen (briefings/tools_guidance) {folds}  | info: whole "
            f"assignment {r['info_offsets']['briefings']:+.1f}/"
            f"{r['info_offsets']['tools_guidance']:+.1f} in-sample {r['info_in_sample_f1']:.4f}",
            flush=True,
        )
    base = np.array([r["base"] for r in results])
    biased = np.array([r["offsets"] for r in results])
    higher = int((biased > base).sum())
    print(
        f"mean base {base.mean():.4f}  offsets {biased.mean():.4f}  difference "
        f"{biased.mean() - base.mean():+.4f}; offsets higher on {higher} of {len(results)}; "
        f"wall {time.perf_counter() - start:.0f} s"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
