"""Does choosing the relevance head's C by another criterion bring the nested card FPR down? An
experiment on the development rows only (findings: ``benchmarks/experiments/C_PICK.md``).

    .venv/bin/python -m benchmarks.experiments.c_pick [--repeats 5] [--json out.json]

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``): nothing here reads them. The protocol is
``curator.classify.evaluate.publisher_repeats``'s: for seed 0..N-1, publishers dealt to 5 outer
folds (``group_folds`` with the seed); in each outer fold the relevance head's C and the lanes
are chosen on the fold's training part only, on publisher-grouped out-of-fold (OOF) scores of 3
inner folds (``search_relevance_c``, deterministic assignment, as ``_predict_fold`` runs it),
then the model is fitted on the whole training part and scores the held-out fold
(``_predict_fold`` with ``chosen``); the held-out scores of the 5 folds are pooled and read as
``_summarise`` reads them. Pre-declared variants of the inner choice of C:

* **BASE**: as shipped, the best OOF ROC-AUC over the grid (``best_c``).
* **V1**: the lowest OOF card FPR at 95% recall (``choose_lanes(y, oof[c]).card_fpr``), ties
  broken by the better ROC-AUC, then the smaller C.
* **V2**: C fixed at 30 (no search).
* **V3**: C fixed at 300 (no search).

Every variant's inner OOF scores come from the same inner search: each C of the grid is fitted
independently on the same inner folds, so ``oof_by_c[30]`` is exactly what a search over the
grid (30,) would give. When two variants pick the same C in an outer fold, their fold models
and held-out predictions are the same (deterministic), so the fold is fitted once and copied.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.evaluate import (
    SYSTEMS,
    _Collected,
    _predict_fold,
    _stability_figures,
    _summarise,
)
from curator.classify.fit import group_folds
from curator.classify.select import CSearch, choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

VARIANTS = ("BASE", "V1", "V2", "V3")
INNER_FOLDS = 3
FIGURES = ("card recall", "card FPR", "card+digest recall", "relevance ROC-AUC")


def pick_c(variant: str, y: np.ndarray, search: CSearch, config: ModelConfig) -> float:
    """The inner C of ``variant`` from one inner search over the grid."""
    if variant == "BASE":
        return search.c
    if variant == "V2":
        return 30.0
    if variant == "V3":
        return 300.0
    if variant != "V1":
        raise ValueError(variant)

    def key(c: float) -> tuple[float, float, float]:
        fpr = choose_lanes(y, search.oof_by_c[c], config.card_recall, config.digest_recall)
        auc = search.roc_auc[c]
        return (fpr.card_fpr, -(auc if auc is not None else -np.inf), c)

    return min(search.oof_by_c, key=key)


def _copy_fold(src: _Collected, dst: _Collected, test_idx: Sequence[int]) -> None:
    """Copy one outer fold's held-out predictions (and its choices) from ``src`` to ``dst``."""
    test = np.asarray(test_idx)
    for system in SYSTEMS:
        dst.relevance[system][test] = src.relevance[system][test]
        dst.relevant[system][test] = src.relevant[system][test]
        for i in test_idx:
            dst.sector[system][i] = src.sector[system][i]
            dst.category[system][i] = src.category[system][i]
    dst.card[test] = src.card[test]
    dst.listed[test] = src.listed[test]
    dst.thresholds.extend(src.thresholds)
    dst.c_relevance.extend(src.c_relevance)
    dst.lane_points.extend(src.lane_points)


def run_repeat(
    dev: Sequence[TrainingRow], config: ModelConfig, seed: int, variants: Sequence[str]
) -> dict[str, Any]:
    """One repeat (outer folds dealt with ``seed``): each variant's pooled nested figures."""
    n = len(dev)
    got = {v: _Collected(n) for v in variants}
    inner_fpr: dict[str, list[float]] = {v: [] for v in variants}
    inner_aucs: list[dict[float, float | None]] = []
    folds = group_folds(dev, config.folds, seed=seed)
    for train_idx, test_idx in folds:
        tr, te = list(train_idx), list(test_idx)
        train = [dev[i] for i in tr]
        y_tr = np.array([r.relevant for r in train])
        search = search_relevance_c(train, replace(config, folds=INNER_FOLDS))
        inner_aucs.append(search.roc_auc)
        done: dict[float, _Collected] = {}
        for v in variants:
            c = pick_c(v, y_tr, search, config)
            lanes = choose_lanes(y_tr, search.oof_by_c[c], config.card_recall, config.digest_recall)
            inner_fpr[v].append(lanes.card_fpr)
            if c not in done:
                done[c] = _Collected(n)
                _predict_fold(dev, tr, te, config, done[c], chosen=(c, search.oof_by_c[c]))
            _copy_fold(done[c], got[v], te)
    y = np.array([r.relevant for r in dev])
    out: dict[str, Any] = {"seed": seed, "fold_rows": [len(te) for _, te in folds], "variants": {}}
    for v in variants:
        split = _summarise(dev, range(n), got[v], 0, 0)
        figures = _stability_figures(split)
        oracle = choose_lanes(y, got[v].relevance["model"], config.card_recall)
        out["variants"][v] = {
            "figures": {k: figures[k] for k in FIGURES},
            "c_by_fold": got[v].c_relevance,
            "card_point_by_fold": [round(p.card, 4) for p in got[v].lane_points],
            "inner_oof_card_fpr_by_fold": [round(f, 4) for f in inner_fpr[v]],
            # diagnostic only: the pooled nested scores' FPR at exactly 95% recall
            "oracle_card_fpr": oracle.card_fpr,
        }
    out["inner_roc_auc_by_fold"] = [
        {f"{c:g}": (None if a is None else round(a, 5)) for c, a in aucs.items()}
        for aucs in inner_aucs
    ]
    return out


def verdict(per_repeat: list[dict[str, Any]], variant: str) -> tuple[bool, str]:
    """The pre-declared rule: mean card FPR at least 0.005 below BASE's, lower on at least 4
    of 5 repeats (all but one when fewer), mean card recall >= 0.95, mean card+digest recall
    >= 0.99, mean ROC-AUC not more than 0.002 below BASE's."""

    def values(v: str, name: str) -> np.ndarray:
        return np.array([r["variants"][v]["figures"][name] for r in per_repeat])

    fpr, base_fpr = values(variant, "card FPR"), values("BASE", "card FPR")
    lower = int((fpr < base_fpr).sum())
    need = max(len(per_repeat) - 1, 1)
    checks = {
        f"mean card FPR {fpr.mean():.4f} <= BASE {base_fpr.mean():.4f} - 0.005": bool(
            fpr.mean() <= base_fpr.mean() - 0.005
        ),
        f"lower on {lower}/{len(per_repeat)} repeats (need {need})": lower >= need,
        f"mean card recall {values(variant, 'card recall').mean():.4f} >= 0.95": bool(
            values(variant, "card recall").mean() >= 0.95
        ),
        f"mean card+digest recall {values(variant, 'card+digest recall').mean():.4f} >= 0.99": (
            bool(values(variant, "card+digest recall").mean() >= 0.99)
        ),
        "mean ROC-AUC {:.4f} >= BASE {:.4f} - 0.002".format(
            values(variant, "relevance ROC-AUC").mean(), values("BASE", "relevance ROC-AUC").mean()
        ): bool(
            values(variant, "relevance ROC-AUC").mean()
            >= values("BASE", "relevance ROC-AUC").mean() - 0.002
        ),
    }
    ok = all(checks.values())
    text = "; ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checks.items())
    return ok, text


def table(per_repeat: list[dict[str, Any]], variants: Sequence[str]) -> str:
    """A Markdown table: each variant's figures per repeat and their means."""
    lines = [
        "| variant | seed | card recall | card FPR | card+digest recall | ROC-AUC | oracle FPR "
        "@95% | Cs of the 5 folds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v in variants:
        for r in per_repeat:
            got = r["variants"][v]
            f = got["figures"]
            cs = ", ".join(f"{c:g}" for c in got["c_by_fold"])
            lines.append(
                f"| {v} | {r['seed']} | {f['card recall']:.4f} | {f['card FPR']:.4f} | "
                f"{f['card+digest recall']:.4f} | {f['relevance ROC-AUC']:.4f} | "
                f"{got['oracle_card_fpr']:.4f} | {cs} |"
            )
        means = [
            float(np.mean([r["variants"][v]["figures"][k] for r in per_repeat])) for k in FIGURES
        ]
        oracle = float(np.mean([r["variants"][v]["oracle_card_fpr"] for r in per_repeat]))
        lines.append(
            f"| **{v}** | mean | **{means[0]:.4f}** | **{means[1]:.4f}** | **{means[2]:.4f}** | "
            f"**{means[3]:.4f}** | {oracle:.4f} | |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="these seeds instead")
    parser.add_argument(
        "--report", type=Path, nargs="+", default=None, help="read these --json files, run nothing"
    )
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--json", type=Path, default=None, help="write each repeat's figures")
    args = parser.parse_args(argv)
    if "BASE" not in args.variants:
        args.variants = ["BASE", *args.variants]
    if args.report is not None:
        done = [r for p in args.report for r in json.loads(p.read_text(encoding="utf-8"))]
        _print_results(sorted(done, key=lambda r: int(r["seed"])), args.variants)
        return
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    config = ModelConfig()
    print(
        f"{len(dev)} development rows ({sum(r.relevant for r in dev)} relevant); grid "
        f"{config.c_relevance_grid}; {config.folds} outer folds, {INNER_FOLDS} inner",
        flush=True,
    )
    per_repeat: list[dict[str, Any]] = []
    started = time.perf_counter()
    for seed in args.seeds if args.seeds is not None else range(args.repeats):
        start = time.perf_counter()
        result = run_repeat(dev, config, seed, args.variants)
        result["seconds"] = round(time.perf_counter() - start, 1)
        per_repeat.append(result)
        cells = "  ".join(
            f"{v}: rec {g['figures']['card recall']:.4f} fpr {g['figures']['card FPR']:.4f} "
            f"C {','.join(f'{c:g}' for c in g['c_by_fold'])}"
            for v, g in result["variants"].items()
        )
        print(f"seed {seed} ({result['seconds']:.0f} s): {cells}", flush=True)
        if args.json is not None:
            args.json.write_text(json.dumps(per_repeat, indent=1) + "\n", encoding="utf-8")
    _print_results(per_repeat, args.variants)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", flush=True)


def _print_results(per_repeat: list[dict[str, Any]], variants: Sequence[str]) -> None:
    print(f"\n{table(per_repeat, variants)}\n")
    for v in variants:
        if v != "BASE":
            ok, text = verdict(per_repeat, v)
            print(f"{v}: {'WORTH ADOPTING' if ok else 'not worth adopting'} ({text})")


if __name__ == "__main__":
    main()
