"""Does the card threshold carry over better when the model that scores is the average of the
fold models that chose it (cross-fitting)? An experiment on the development rows only (the
variants, the rule and the findings: ``benchmarks/experiments/CROSSFIT.md``).

    .venv/bin/python -m benchmarks.experiments.crossfit [--repeats 5] [--json out.json]

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``): nothing here reads them. Per repeat (seed), per
outer fold: BASE and F5 are ``curator.classify.evaluate._predict_fold`` with the C and OOF scores
of a 3-fold and a 5-fold inner ``search_relevance_c``; CF5 scores the held-out rows with the mean
probability of the 5 inner fold models of F5's search (the same OOF scores, so the same C and
points); F10 is F5 with 10 inner folds; CF5S fits the vectorizers once on the training part,
the 5 inner fold heads in that space, and scores the held-out rows with the head whose
coefficients are the fold heads' mean.
The table and the rule are ``c_pick.py``'s.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from benchmarks.experiments.c_pick import FIGURES, table, verdict
from benchmarks.experiments.repeats import run_seeds
from curator.classify.data import TrainingRow, load_files
from curator.classify.evaluate import _Collected, _predict_fold, _stability_figures, _summarise
from curator.classify.features import (
    RELEVANCE_FIELDS,
    build_vectorizers,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import Embedding, WeightedRelevance, _relevance_scores, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import best_c, choose_lanes, choose_thresholds, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

VARIANTS = ("BASE", "F5", "CF5", "CF5S", "F10")


@dataclass(frozen=True)
class CrossFit:
    """Inner OOF scores of the training part and the held-out rows' cross-fitted scores, by C."""

    oof: dict[float, np.ndarray]
    held: dict[float, np.ndarray]

    def chosen(self, y: np.ndarray) -> float:
        return best_c({c: roc_auc(y, s) for c, s in self.oof.items()})


def _labels(rows: Sequence[TrainingRow]) -> tuple[list[str], np.ndarray]:
    return ["yes" if r.relevant else "no" for r in rows], np.array([r.weight for r in rows])


def per_fold_vectorizers(
    train: Sequence[TrainingRow], held: Sequence[TrainingRow], config: ModelConfig
) -> CrossFit:
    """``search_relevance_c``'s loop (each inner fold its own vectorizers), which also scores
    the held-out rows with every inner fold model: their mean probability."""
    grid = tuple(sorted(set(config.c_relevance_grid)))
    prepared = [prepare(r.as_input()) for r in train]
    held_prepared = [prepare(r.as_input()) for r in held]
    labels, weights = _labels(train)
    oof = {c: np.zeros(len(train)) for c in grid}
    held_sum = {c: np.zeros(len(held)) for c in grid}
    folds = group_folds(train, config.folds)
    for train_idx, test_idx in folds:
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in train_idx])
        fold = WeightedRelevance.of(transform(vectorizers, [prepared[i] for i in train_idx]))
        x_test = stack(transform(vectorizers, [prepared[i] for i in test_idx]), RELEVANCE_FIELDS)
        x_held = stack(transform(vectorizers, held_prepared), RELEVANCE_FIELDS)
        for c in grid:
            head = fold.fit([labels[i] for i in train_idx], weights[train_idx], c, config.seed)
            oof[c][test_idx] = _relevance_scores(head, x_test)
            held_sum[c] += _relevance_scores(head, x_held)
    return CrossFit(oof, {c: s / len(folds) for c, s in held_sum.items()})


def shared_vectorizers(
    train: Sequence[TrainingRow], held: Sequence[TrainingRow], config: ModelConfig
) -> CrossFit:
    """The vectorizers and the embedding's standardisation fitted once on ``train`` (no label
    read); each inner fold head fitted on its rows in that space; the held-out rows scored by
    one head whose coefficients and intercept are the fold heads' mean."""
    grid = tuple(sorted(set(config.c_relevance_grid)))
    prepared = [prepare(r.as_input()) for r in train]
    vectorizers = build_vectorizers()
    fit(vectorizers, prepared)
    blocks = transform(vectorizers, prepared)
    whole = WeightedRelevance.of(blocks)
    x_all = stack(blocks, RELEVANCE_FIELDS)
    x_held = stack(transform(vectorizers, [prepare(r.as_input()) for r in held]), RELEVANCE_FIELDS)
    labels, weights = _labels(train)
    oof = {c: np.zeros(len(train)) for c in grid}
    heads: dict[float, list[Any]] = {c: [] for c in grid}
    for train_idx, test_idx in group_folds(train, config.folds):
        e = whole.embedding
        fold = WeightedRelevance(
            whole.x[train_idx], whole.scale, Embedding(e.z[train_idx], e.mean, e.scale, e.table)
        )
        for c in grid:
            head = fold.fit([labels[i] for i in train_idx], weights[train_idx], c, config.seed)
            oof[c][test_idx] = _relevance_scores(head, x_all[test_idx])
            heads[c].append(head)
    held_scores = {}
    for c, fitted in heads.items():
        mean = copy.deepcopy(fitted[0])
        mean.coef_ = np.mean([h.coef_ for h in fitted], axis=0)
        mean.intercept_ = np.mean([h.intercept_ for h in fitted], axis=0)
        held_scores[c] = _relevance_scores(mean, x_held)
    return CrossFit(oof, held_scores)


def _rescore(
    got: _Collected,
    test: np.ndarray,
    scores: np.ndarray,
    y_tr: np.ndarray,
    oof: np.ndarray,
    config: ModelConfig,
) -> None:
    """Replace one outer fold's relevance predictions in ``got`` by ``scores``, with the
    threshold and lanes chosen on ``oof`` (the fold's last recorded choices are replaced)."""
    thresholds = choose_thresholds(y_tr, oof, config.target_recall)
    lanes = choose_lanes(y_tr, oof, config.card_recall, config.digest_recall)
    got.thresholds[-1] = thresholds.relevant
    got.lane_points[-1] = lanes
    got.relevance["model"][test] = scores
    got.relevant["model"][test] = scores >= thresholds.relevant
    got.card[test] = scores >= lanes.card
    got.listed[test] = scores >= lanes.digest


def run_repeat(dev: Sequence[TrainingRow], config: ModelConfig, seed: int) -> dict[str, Any]:
    """One repeat (outer folds dealt with ``seed``): each variant's pooled nested figures."""
    n = len(dev)
    got = {v: _Collected(n) for v in VARIANTS}
    checks: list[float] = []
    folds = group_folds(dev, config.folds, seed=seed)
    for train_idx, test_idx in folds:
        tr, te = list(train_idx), list(test_idx)
        test = np.asarray(te)
        train = [dev[i] for i in tr]
        held = [dev[i] for i in te]
        y_tr = np.array([r.relevant for r in train])
        base = search_relevance_c(train, replace(config, folds=3))
        _predict_fold(dev, tr, te, config, got["BASE"], chosen=(base.c, base.oof))
        five = search_relevance_c(train, config)
        _predict_fold(dev, tr, te, config, got["F5"], chosen=(five.c, five.oof))
        ten = search_relevance_c(train, replace(config, folds=10))
        _predict_fold(dev, tr, te, config, got["F10"], chosen=(ten.c, ten.oof))
        for name, cross in (
            ("CF5", per_fold_vectorizers(train, held, config)),
            ("CF5S", shared_vectorizers(train, held, config)),
        ):
            c = cross.chosen(y_tr)
            if name == "CF5":  # the same loop as F5's search: the same scores, to the last bit
                checks.append(float(np.max(np.abs(cross.oof[c] - five.oof))) + abs(c - five.c))
            _predict_fold(dev, tr, te, config, got[name], chosen=(c, cross.oof[c]))
            _rescore(got[name], test, cross.held[c], y_tr, cross.oof[c], config)
    y = np.array([r.relevant for r in dev])
    out: dict[str, Any] = {"seed": seed, "cf5_matches_f5": max(checks), "variants": {}}
    for v in VARIANTS:
        figures = _stability_figures(_summarise(dev, range(n), got[v], 0, 0))
        oracle = choose_lanes(y, got[v].relevance["model"], config.card_recall)
        out["variants"][v] = {
            "figures": {k: figures[k] for k in FIGURES},
            "c_by_fold": got[v].c_relevance,
            "card_point_by_fold": [round(p.card, 4) for p in got[v].lane_points],
            "oracle_card_fpr": oracle.card_fpr,
        }
    return out


def _against(per_repeat: list[dict[str, Any]], variant: str, base: str) -> tuple[bool, str]:
    """``c_pick.verdict`` with ``base`` in BASE's place."""
    renamed = [
        {**r, "variants": {"BASE": r["variants"][base], variant: r["variants"][variant]}}
        for r in per_repeat
    ]
    return verdict(renamed, variant)


def report(per_repeat: list[dict[str, Any]]) -> None:
    print(f"\n{table(per_repeat, VARIANTS)}\n")
    for v in VARIANTS[1:]:
        ok, text = _against(per_repeat, v, "BASE")
        print(f"{v} against BASE: {'WORTH ADOPTING' if ok else 'not worth adopting'} ({text})")
    for v in ("CF5S", "F10"):
        ok, text = _against(per_repeat, v, "F5")
        print(f"{v} against F5: {'WORTH ADOPTING' if ok else 'not worth adopting'} ({text})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="these seeds instead")
    parser.add_argument("--report", type=Path, nargs="+", help="read these --json files only")
    parser.add_argument("--json", type=Path, default=None, help="write each repeat's figures")
    args = parser.parse_args(argv)
    if args.report:
        done = [r for p in args.report for r in json.loads(p.read_text(encoding="utf-8"))]
        report(sorted(done, key=lambda r: int(r["seed"])))
        return
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    config = ModelConfig()
    print(f"{len(dev)} development rows ({sum(r.relevant for r in dev)} relevant)", flush=True)
    started = time.perf_counter()
    seeds = args.seeds if args.seeds is not None else range(args.repeats)
    per_repeat = run_seeds(seeds, lambda seed: run_repeat(dev, config, seed), args.json)
    report(per_repeat)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
