"""Metrics with bootstrap 95% confidence intervals, and confusion matrices. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from curator.classify.types import Metric as MetricValue

Metric = Callable[[np.ndarray, np.ndarray], float | None]


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC-AUC, or ``None`` when ``y`` holds a single class (undefined).

    Computed as the Mann-Whitney statistic on average ranks (ties count half), which equals
    scikit-learn's ``roc_auc_score``; plain numpy so a bootstrap of 1,000 resamples stays fast.
    """
    from scipy.stats import rankdata

    positives = np.asarray(y).astype(bool)
    n_pos = int(positives.sum())
    n_neg = positives.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rankdata(np.asarray(score, dtype=float))
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _share(hits: np.ndarray, among: np.ndarray) -> float | None:
    """Share of the rows ``among`` selects that are ``hits``, or ``None`` when it selects none."""
    if not among.any():
        return None
    return float(hits[among].mean())


def recall(y: np.ndarray, pred: np.ndarray) -> float | None:
    return _share(pred.astype(bool), y.astype(bool))


def false_positive_rate(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Share of the negatives predicted positive, or ``None`` without negatives."""
    return _share(pred.astype(bool), ~y.astype(bool))


def precision(y: np.ndarray, pred: np.ndarray) -> float | None:
    return _share(y.astype(bool), pred.astype(bool))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Macro-F1 over the classes present in ``y`` (a class never predicted scores 0); equals
    scikit-learn's ``f1_score(average="macro", labels=<classes of y>)``."""
    if len(y) == 0:
        return None
    y = np.asarray(y)
    pred = np.asarray(pred)
    scores = []
    for label in sorted(set(y.tolist())):
        truth, guess = y == label, pred == label
        tp = int((truth & guess).sum())
        denominator = int(truth.sum()) + int(guess.sum())
        scores.append(2 * tp / denominator if denominator else 0.0)
    return float(np.mean(scores))


def bootstrap_ci(
    metric: Metric,
    y: np.ndarray,
    pred: np.ndarray,
    *,
    n: int = 1000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Percentile 95% interval of ``metric`` over ``n`` resamples of the rows (seeded)."""
    if len(y) == 0 or n <= 0:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        value = metric(y[idx], pred[idx])
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def with_ci(metric: Metric, y: np.ndarray, pred: np.ndarray, *, n: int, seed: int) -> MetricValue:
    value = metric(y, pred)
    ci = bootstrap_ci(metric, y, pred, n=n, seed=seed) if value is not None else None
    return {"value": value, "ci95": list(ci) if ci else None}


def confusion(y: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Rows are the true label, columns the predicted one, both in ``labels`` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for truth, guess in zip(y, pred, strict=True):
        if truth in index and guess in index:
            matrix[index[truth]][index[guess]] += 1
    return matrix
