"""Does choosing each outer fold's card threshold on more than one inner assignment of publishers
bring the nested card FPR down? An experiment on the development rows only (findings:
``benchmarks/experiments/THRESH_PICK.md``).

    .venv/bin/python -m benchmarks.experiments.thresh_pick [--repeats 5] [--json out.json]

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``): nothing here reads them. The protocol is
``curator.classify.evaluate.publisher_repeats``'s (and ``c_pick.py``'s): for seed 0..N-1,
publishers dealt to 5 outer folds (``group_folds`` with the seed); in each outer fold the
relevance head's C is chosen as shipped, the best out-of-fold (OOF) ROC-AUC over the grid on the
deterministic assignment of the training part's publishers to 3 inner folds
(``search_relevance_c``); the fold model is ``fit_heads`` on the whole training part with that C
and scores the held-out fold (``_predict_fold`` with ``chosen``); the held-out scores of the 5
folds are pooled and read as ``_summarise`` reads them. Pre-declared variants of the choice of
each outer fold's card (and digest) threshold, from the training part only:

* **BASE**: as shipped, ``choose_lanes`` on the OOF scores of the deterministic inner assignment.
* **MED3**: three inner 3-fold assignments (deterministic, ``fold_seed`` 1 and 2), each scored
  with the chosen C; card threshold = the median of the three per-assignment card thresholds
  (each by ``choose_lanes``); digest threshold likewise.
* **POOL3**: the same three assignments' OOF scores pooled (each training row contributes three
  scores, its label repeated); one ``choose_lanes`` on the pool.

The C, the fold model and its held-out scores are the same for every variant (one fit per outer
fold), so ROC-AUC is identical across variants; only the held-out rows' lanes differ.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from benchmarks.experiments.repeats import run_seeds
from curator.classify.data import TrainingRow, load_files
from curator.classify.evaluate import _Collected, _predict_fold, _stability_figures, _summarise
from curator.classify.fit import group_folds
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import LanePoints, ModelConfig

VARIANTS = ("BASE", "MED3", "POOL3")
INNER_FOLDS = 3
#: the inner assignments: deterministic (None), then random with these seeds
INNER_SEEDS: tuple[int | None, ...] = (None, 1, 2)
FIGURES = ("card recall", "card FPR", "card+digest recall", "relevance ROC-AUC")


def lanes_of(
    variant: str, y: np.ndarray, oofs: Sequence[np.ndarray], config: ModelConfig
) -> LanePoints:
    """One outer fold's lanes for ``variant`` from the training part's labels ``y`` and the OOF
    scores of each inner assignment (``oofs[0]`` the deterministic one). For MED3 the recall and
    FPR fields are those of the median points on the pool of the three assignments' scores."""

    def lanes(scores: np.ndarray, labels: np.ndarray) -> LanePoints:
        return choose_lanes(labels, scores, config.card_recall, config.digest_recall)

    if variant == "BASE":
        return lanes(oofs[0], y)
    pooled_y = np.concatenate([y] * len(oofs))
    pooled = np.concatenate(list(oofs))
    pool = lanes(pooled, pooled_y)
    if variant == "POOL3":
        return pool
    if variant != "MED3":
        raise ValueError(variant)
    each = [lanes(s, y) for s in oofs]
    card = float(np.median([p.card for p in each]))
    # each digest <= its card, so the median digest <= the median card (min is a no-op guard)
    digest = min(float(np.median([p.digest for p in each])), card)
    card_hit, digest_hit = pooled >= card, pooled >= digest
    neg = ~pooled_y
    return LanePoints(
        card,
        digest,
        float(card_hit[pooled_y].mean()),
        float(card_hit[neg].mean()),
        float(digest_hit[pooled_y].mean()),
        float(digest_hit[neg].mean()),
    )


def run_repeat(
    dev: Sequence[TrainingRow], config: ModelConfig, seed: int, variants: Sequence[str]
) -> dict[str, Any]:
    """One repeat (outer folds dealt with ``seed``): each variant's pooled nested figures."""
    n = len(dev)
    base = _Collected(n)
    points: dict[str, list[LanePoints]] = {v: [] for v in variants}
    per_assignment_card: list[list[float]] = []
    folds = group_folds(dev, config.folds, seed=seed)
    for train_idx, test_idx in folds:
        tr, te = list(train_idx), list(test_idx)
        train = [dev[i] for i in tr]
        y_tr = np.array([r.relevant for r in train])
        search = search_relevance_c(train, replace(config, folds=INNER_FOLDS))
        one_c = replace(config, folds=INNER_FOLDS, c_relevance_grid=(search.c,))
        oofs = [search.oof_by_c[search.c]] + [
            search_relevance_c(train, one_c, fold_seed=s).oof for s in INNER_SEEDS[1:]
        ]
        per_assignment_card.append(
            [
                round(choose_lanes(y_tr, o, config.card_recall, config.digest_recall).card, 4)
                for o in oofs
            ]
        )
        _predict_fold(dev, tr, te, config, base, chosen=(search.c, search.oof))
        for v in variants:
            points[v].append(lanes_of(v, y_tr, oofs, config))
        assert points["BASE"][-1] == base.lane_points[-1]
    y = np.array([r.relevant for r in dev])
    scores = base.relevance["model"]
    out: dict[str, Any] = {
        "seed": seed,
        "fold_rows": [len(te) for _, te in folds],
        "c_by_fold": base.c_relevance,
        "card_point_by_assignment_by_fold": per_assignment_card,
        "oracle_card_fpr": choose_lanes(y, scores, config.card_recall).card_fpr,
        "variants": {},
    }
    for v in variants:
        got = copy.copy(base)
        got.card = np.zeros(n, dtype=bool)
        got.listed = np.zeros(n, dtype=bool)
        got.lane_points = points[v]
        for (_, held), p in zip(folds, points[v], strict=True):
            got.card[held] = scores[held] >= p.card
            got.listed[held] = scores[held] >= p.digest
        if v == "BASE":
            assert np.array_equal(got.card, base.card) and np.array_equal(got.listed, base.listed)
        figures = _stability_figures(_summarise(dev, range(n), got, 0, 0))
        out["variants"][v] = {
            "figures": {k: figures[k] for k in FIGURES},
            "card_point_by_fold": [round(p.card, 4) for p in points[v]],
            "digest_point_by_fold": [round(p.digest, 4) for p in points[v]],
            "inner_card_recall_by_fold": [round(p.card_recall, 4) for p in points[v]],
        }
    return out


def verdict(per_repeat: list[dict[str, Any]], variant: str) -> tuple[bool, str]:
    """The pre-declared rule: mean card FPR at least 0.005 below BASE's, lower on at least 4
    of 5 repeats (all but one when fewer), mean card recall >= 0.95, mean card+digest recall
    >= 0.99."""

    def values(v: str, name: str) -> np.ndarray:
        return np.array([r["variants"][v]["figures"][name] for r in per_repeat])

    fpr, base_fpr = values(variant, "card FPR"), values("BASE", "card FPR")
    lower = int((fpr < base_fpr).sum())
    need = max(len(per_repeat) - 1, 1)
    rec, both = values(variant, "card recall"), values(variant, "card+digest recall")
    checks = {
        f"mean card FPR {fpr.mean():.4f} <= BASE {base_fpr.mean():.4f} - 0.005": bool(
            fpr.mean() <= base_fpr.mean() - 0.005
        ),
        f"lower on {lower}/{len(per_repeat)} repeats (need {need})": lower >= need,
        f"mean card recall {rec.mean():.4f} >= 0.95": bool(rec.mean() >= 0.95),
        f"mean card+digest recall {both.mean():.4f} >= 0.99": bool(both.mean() >= 0.99),
    }
    ok = all(checks.values())
    text = "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items())
    return ok, text


def table(per_repeat: list[dict[str, Any]], variants: Sequence[str]) -> str:
    """A Markdown table: each variant's figures per repeat and their means."""
    lines = [
        "| variant | seed | card recall | card FPR | card+digest recall | ROC-AUC | "
        "card points of the 5 folds |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in variants:
        for r in per_repeat:
            got = r["variants"][v]
            f = got["figures"]
            pts = ", ".join(f"{p:.3f}" for p in got["card_point_by_fold"])
            lines.append(
                f"| {v} | {r['seed']} | {f['card recall']:.4f} | {f['card FPR']:.4f} | "
                f"{f['card+digest recall']:.4f} | {f['relevance ROC-AUC']:.4f} | {pts} |"
            )
        means = [
            float(np.mean([r["variants"][v]["figures"][k] for r in per_repeat])) for k in FIGURES
        ]
        lines.append(
            f"| **{v}** | mean | **{means[0]:.4f}** | **{means[1]:.4f}** | **{means[2]:.4f}** | "
            f"**{means[3]:.4f}** | |"
        )
    return "\n".join(lines)


def deltas(per_repeat: list[dict[str, Any]], variants: Sequence[str]) -> str:
    """A Markdown table: each variant's card FPR minus BASE's, per repeat and on average."""
    seeds = [str(r["seed"]) for r in per_repeat]
    lines = [f"| variant | {' | '.join(seeds)} | mean |", "|---|" + "---|" * (len(seeds) + 1)]
    for v in variants:
        if v == "BASE":
            continue
        d = [
            r["variants"][v]["figures"]["card FPR"] - r["variants"]["BASE"]["figures"]["card FPR"]
            for r in per_repeat
        ]
        cells = " | ".join(f"{x:+.4f}" for x in d)
        lines.append(f"| {v} | {cells} | **{float(np.mean(d)):+.4f}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="these seeds instead")
    parser.add_argument(
        "--report", type=Path, nargs="+", default=None, help="read these --json files, run nothing"
    )
    parser.add_argument("--json", type=Path, default=None, help="write each repeat's figures")
    args = parser.parse_args(argv)
    variants = list(VARIANTS)
    if args.report is not None:
        done = [r for p in args.report for r in json.loads(p.read_text(encoding="utf-8"))]
        _print_results(sorted(done, key=lambda r: int(r["seed"])), variants)
        return
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    config = ModelConfig()
    print(
        f"{len(dev)} development rows ({sum(r.relevant for r in dev)} relevant); grid "
        f"{config.c_relevance_grid}; {config.folds} outer folds, {INNER_FOLDS} inner, inner "
        f"assignments {INNER_SEEDS}",
        flush=True,
    )
    started = time.perf_counter()
    seeds = args.seeds if args.seeds is not None else range(args.repeats)
    per_repeat = run_seeds(seeds, lambda seed: run_repeat(dev, config, seed, variants), args.json)
    _print_results(per_repeat, variants)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", flush=True)


def _print_results(per_repeat: list[dict[str, Any]], variants: Sequence[str]) -> None:
    print(f"\n{table(per_repeat, variants)}\n\n{deltas(per_repeat, variants)}\n")
    for v in variants:
        if v != "BASE":
            ok, text = verdict(per_repeat, v)
            print(f"{v}: {'WORTH ADOPTING' if ok else 'not worth adopting'} ({text})")


if __name__ == "__main__":
    main()
