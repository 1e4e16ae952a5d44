"""Temperature scaling of the sector and category heads, so that the confidence a card shows means
what it says.

Fitted class-balanced with little regularisation, the label heads are sure of themselves: out of
fold on the development rows (publisher-grouped, 5 folds, 5 assignments), the category head gave
62% of the relevant rows a confidence of 99.5% or more, and those were right 97% of the time;
the rows it gave 95–99.5% were right 86% of the time (``python -m
benchmarks.label_calibration``). One number per head, its temperature ``T``, divides the head's
decision values before the softmax: ``softmax(z / T)``. It is chosen to minimise the log-loss of
the heads' out-of-fold decisions (Guo et al., 2017, "On calibration of modern neural networks").
Dividing by a positive number keeps the order of the classes, so every predicted label, and so
every figure computed from labels (macro-F1, the confusion matrices), is unchanged; only the
confidences move. The temperature is folded into the head's coefficients and intercept
(:func:`temper`), so the fitted head, the compiled model and everything that scores with them
need nothing new.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from curator.classify.data import TrainingRow
from curator.classify.types import ModelConfig

#: The range searched (on a log scale): below 1 sharpens, above 1 softens.
T_MIN, T_MAX = 0.25, 20.0


def log_loss_at(decision: npt.NDArray[np.float64], truth: npt.NDArray[np.int64], t: float) -> float:
    """Mean negative log-likelihood of the true classes under ``softmax(decision / t)``;
    ``decision`` is (rows, classes) with ``-inf`` where a row's model had no such class."""
    z = decision / t
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(truth)), truth]))


def fit_temperature(decision: npt.NDArray[np.float64], truth: npt.NDArray[np.int64]) -> float:
    """The temperature in [``T_MIN``, ``T_MAX``] with the lowest :func:`log_loss_at` of the
    out-of-fold ``decision`` rows whose true class (column ``truth``) their model could give;
    1.0 (no change) when fewer than 20 such rows are left."""
    from scipy.optimize import minimize_scalar

    decision = np.asarray(decision, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.int64)
    usable = (truth >= 0) & np.isfinite(decision[np.arange(len(truth)), np.maximum(truth, 0)])
    if int(usable.sum()) < 20:
        return 1.0
    d, y = decision[usable], truth[usable]
    found = minimize_scalar(
        lambda log_t: log_loss_at(d, y, float(np.exp(log_t))),
        bounds=(np.log(T_MIN), np.log(T_MAX)),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(found.x))


def temper(head: Any, t: float) -> None:
    """Fold temperature ``t`` into a fitted logistic regression ``head`` (in place): its
    ``predict_proba`` becomes ``softmax(decision / t)``. A constant head (a str) has none."""
    if isinstance(head, str) or t == 1.0:
        return
    head.coef_ = head.coef_ / t
    head.intercept_ = head.intercept_ / t


#: At most this many relevant rows are scored out of fold to fit the temperatures: one number
#: per head needs far fewer, and the nightly retrain's time stays bounded as decisions pile up.
MAX_ROWS = 3000


def label_temperatures(rows: Sequence[TrainingRow], config: ModelConfig) -> dict[str, float]:
    """The sector and category heads' temperatures, fitted on publisher-grouped out-of-fold
    decisions of the relevant ``rows`` (at most :data:`MAX_ROWS` of them, a seeded sample);
    1.0 for a head when there are too few rows or publishers to fold."""
    from curator.classify.select import labels_out_of_fold
    from curator.errors import ModelError

    relevant = [r for r in rows if r.relevant]
    if len(relevant) > MAX_ROWS:
        keep = np.random.default_rng(config.seed).choice(len(relevant), MAX_ROWS, replace=False)
        relevant = [relevant[i] for i in sorted(keep)]
    try:
        oof = labels_out_of_fold(relevant, config)
    except ModelError:  # fewer publishers than folds
        return {"sector": 1.0, "category": 1.0}
    return {
        name: round(fit_temperature(oof.decision[name], oof.truth(name, relevant)), 4)
        if oof.classes[name]
        else 1.0
        for name in ("sector", "category")
    }
