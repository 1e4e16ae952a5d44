"""Metrics with bootstrap 95% confidence intervals, and confusion matrices. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float | None]


def roc_auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """ROC-AUC, or ``None`` when ``y`` holds a single class (undefined)."""
    from sklearn.metrics import roc_auc_score

    if len(set(y.tolist())) < 2:
        return None
    return float(roc_auc_score(y, score))


def recall(y: np.ndarray, pred: np.ndarray) -> float | None:
    positives = y.astype(bool)
    if not positives.any():
        return None
    return float(pred.astype(bool)[positives].mean())


def false_positive_rate(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Share of the negatives predicted positive, or ``None`` without negatives."""
    negatives = ~y.astype(bool)
    if not negatives.any():
        return None
    return float(pred.astype(bool)[negatives].mean())


def precision(y: np.ndarray, pred: np.ndarray) -> float | None:
    chosen = pred.astype(bool)
    if not chosen.any():
        return None
    return float(y.astype(bool)[chosen].mean())


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Macro-F1 over the classes present in ``y`` (a class never predicted scores 0)."""
    from sklearn.metrics import f1_score

    if len(y) == 0:
        return None
    labels = sorted(set(y.tolist()))
    return float(f1_score(y, pred, labels=labels, average="macro", zero_division=0))


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


def with_ci(
    metric: Metric, y: np.ndarray, pred: np.ndarray, *, n: int, seed: int
) -> dict[str, Any]:
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
