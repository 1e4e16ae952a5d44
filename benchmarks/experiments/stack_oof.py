"""Does a small non-linear second stage beat the linear relevance head? An experiment on the
development rows only (findings: ``benchmarks/experiments/STACK.md``).

    .venv/bin/python -m benchmarks.experiments.stack_oof [--repeats 5] [--variants A B]

The rows are ``data/training``'s less the untouched test publishers
(``curator.classify.split.split_indices``): nothing here reads them. The protocol is
``benchmarks/lanes_oof.py``'s: publishers dealt to 5 folds (``group_folds``: the deterministic
assignment, then seeds 1, 2, …), every development row scored by models fitted without its
publisher, the pooled scores read with ``choose_lanes`` (card FPR at 95% recall) and
``roc_auc``. In each outer fold, with ``tr`` its training part and ``te`` its held-out part:

* **baseline**: the shipped linear head (``WeightedRelevance`` with the shipped block weights,
  C 30000) fitted on ``tr``, its probability on ``te``: the same code path and figures as
  ``lanes_oof`` (``search_relevance_c`` with one C).
* **stage-2 inputs**: the linear head's decision (log-odds), out of fold *inside* ``tr`` (5
  publisher-grouped inner folds of ``tr``, deterministic assignment) for the rows of ``tr``, and
  from the head fitted on all of ``tr`` for the rows of ``te`` (so no ``te`` label is read);
  the 384-d word-vector mean of title+summary (the ``word_vectors`` bag times the table: fixed
  vocabulary, no label read); the keyword-rule counts (capped at 3, one column per rule of
  ``KEYWORD_RULES``: fixed, no label read).
* **(A)** ``HistGradientBoostingClassifier`` (class_weight balanced, max_iter 200,
  learning_rate 0.05, max_leaf_nodes 15, l2_regularization 1.0, random_state 0) on [decision,
  mean, counts] of ``tr``; the score is its probability on ``te``.
* **(B)** ``LogisticRegression`` (class_weight balanced, defaults otherwise) on the decision
  alone, and ``MLPClassifier`` (hidden (64,), alpha 1e-2, max_iter 500, no early stopping,
  random_state 0) on the mean (standardised on ``tr``); the score is the mean of the two
  decisions (the MLP's as the log-odds of its probability).

Every stage is fitted with the rows' sample weights, as the linear head is. All
hyper-parameters were fixed before any figure was seen. One BLAS/OpenMP thread.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT
from curator.classify import wordvec
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import (
    KEYWORD_RULES,
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    Prepared,
    build_vectorizers,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import WeightedRelevance, _relevance_scores, group_folds
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes
from curator.classify.split import split_indices

C = 30000.0
SEED = 0
VARIANTS = ("A", "B")


def linear(
    prepared: Sequence[Prepared],
    labels: Sequence[str],
    weights: np.ndarray,
    tr: np.ndarray,
    te: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The shipped linear head fitted on rows ``tr``: its probability and decision on ``te``
    (``search_relevance_c``'s code path with one C)."""
    vectorizers = build_vectorizers()
    fit(vectorizers, [prepared[i] for i in tr])
    train = WeightedRelevance.of(
        transform(vectorizers, [prepared[i] for i in tr]), RELEVANCE_BLOCK_WEIGHTS
    )
    x_te = stack(transform(vectorizers, [prepared[i] for i in te]), RELEVANCE_FIELDS)
    head = train.fit([labels[i] for i in tr], weights[tr], C, SEED)
    return _relevance_scores(head, x_te), np.asarray(head.decision_function(x_te))


def dense_features(prepared: Sequence[Prepared]) -> tuple[np.ndarray, np.ndarray]:
    """The 384-d word-vector mean of title+summary and the keyword-rule counts of every row
    (neither reads a label nor a statistic of other rows)."""
    vectors = wordvec.load()
    vec = wordvec.vectorizer(vectors)
    bag = vec.fit_transform([p.text for p in prepared])  # fixed vocabulary, no idf
    mean = np.asarray(bag @ vectors.table, dtype=np.float64)
    names = [token for token, _ in KEYWORD_RULES]
    counts = np.zeros((len(prepared), len(names)))
    for i, p in enumerate(prepared):
        tokens = p.keywords.split()
        counts[i] = [tokens.count(n) for n in names]
    return mean, counts


def _hgb() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        class_weight="balanced",
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        early_stopping=False,  # "auto" is off below 10,000 rows anyway: said explicitly
        random_state=0,
    )


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-7, 1 - 1e-7)
    return np.asarray(np.log(q / (1 - q)))


def variant_b(
    dec_tr: np.ndarray,
    dec_te: np.ndarray,
    mean_tr: np.ndarray,
    mean_te: np.ndarray,
    y_tr: np.ndarray,
    w_tr: np.ndarray,
) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    lr = LogisticRegression(class_weight="balanced")
    lr.fit(dec_tr[:, None], y_tr, sample_weight=w_tr)
    mu, sd = mean_tr.mean(axis=0), mean_tr.std(axis=0) + 1e-9
    mlp = MLPClassifier(
        hidden_layer_sizes=(64,), alpha=1e-2, max_iter=500, early_stopping=False, random_state=0
    )
    mlp.fit((mean_tr - mu) / sd, y_tr, sample_weight=w_tr)
    d_mlp = _logit(mlp.predict_proba((mean_te - mu) / sd)[:, 1])
    return np.asarray((lr.decision_function(dec_te[:, None]) + d_mlp) / 2)


def assignment(
    rows: Sequence[TrainingRow],
    prepared: Sequence[Prepared],
    mean: np.ndarray,
    counts: np.ndarray,
    seed: int | None,
    variants: Sequence[str],
) -> dict[str, np.ndarray]:
    """Out-of-fold scores of every row under one assignment of publishers to 5 folds."""
    y = np.array([r.relevant for r in rows])
    labels = ["yes" if r.relevant else "no" for r in rows]
    w = np.array([r.weight for r in rows])
    out = {name: np.zeros(len(rows)) for name in ("baseline", *variants)}
    for tr, te in group_folds(rows, 5, seed=seed):
        proba_te, dec_te = linear(prepared, labels, w, tr, te)
        out["baseline"][te] = proba_te
        # the linear decision of every row of tr, from heads that never saw its publisher
        dec_tr = np.zeros(len(tr))
        for itr, ite in group_folds([rows[i] for i in tr], 5):
            dec_tr[ite] = linear(prepared, labels, w, tr[itr], tr[ite])[1]
        if "A" in variants:
            x_tr = np.hstack([dec_tr[:, None], mean[tr], counts[tr]])
            x_te = np.hstack([dec_te[:, None], mean[te], counts[te]])
            hgb = _hgb().fit(x_tr, y[tr], sample_weight=w[tr])
            out["A"][te] = hgb.predict_proba(x_te)[:, 1]
        if "B" in variants:
            out["B"][te] = variant_b(dec_tr, dec_te, mean[tr], mean[te], y[tr], w[tr])
    return out


def main(argv: list[str] | None = None) -> None:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=["A"])
    args = parser.parse_args(argv)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    prepared = [prepare(r.as_input()) for r in dev]
    mean, counts = dense_features(prepared)
    print(
        f"{len(dev)} development rows ({int(y.sum())} relevant); C {C:g}; stage-2 inputs: "
        f"1 decision + {mean.shape[1]} mean + {counts.shape[1]} keyword counts",
        flush=True,
    )
    names = ("baseline", *args.variants)
    figures: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        for k in range(args.repeats):
            start = time.perf_counter()
            scores = assignment(dev, prepared, mean, counts, None if k == 0 else k, args.variants)
            cells = []
            for n in names:
                auc, fpr = roc_auc(y, scores[n]) or 0.0, choose_lanes(y, scores[n]).card_fpr
                figures[n].append((auc, fpr))
                cells.append(f"{n}: AUC {auc:.4f} card FPR {fpr:.3f}")
            print(
                f"  folds {'default' if k == 0 else f'seed {k}'} "
                f"({time.perf_counter() - start:.0f} s): " + " | ".join(cells),
                flush=True,
            )
    print(f"total {time.perf_counter() - started:.0f} s")
    base = np.array(figures["baseline"])
    for n in names:
        a = np.array(figures[n])
        line = f"{n:9s} mean over {args.repeats}: ROC-AUC {a[:, 0].mean():.4f}  card FPR "
        line += f"{a[:, 1].mean():.3f}"
        if n != "baseline":
            lower = int((a[:, 1] < base[:, 1]).sum())
            line += (
                f"  (Δ {a[:, 1].mean() - base[:, 1].mean():+.3f}, lower on {lower}/"
                f"{args.repeats}; ΔAUC {a[:, 0].mean() - base[:, 0].mean():+.4f})"
            )
        print(line)


if __name__ == "__main__":
    main()
