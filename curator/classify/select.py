"""Model selection on out-of-fold scores: the relevance head's C, the decision threshold and the
lanes' card and digest points. Every choice here is made on publisher-grouped out-of-fold scores
of the rows it is given (``curator train`` gives it the development rows only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from curator.classify.data import TrainingRow
from curator.classify.features import (
    CATEGORY_BLOCK_WEIGHTS,
    LABEL_FIELDS,
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    build_vectorizers,
    fit,
    prepare,
    stack,
    transform,
    without_summary,
)
from curator.classify.fit import (
    ClassWeight,
    WeightedRelevance,
    _fit_label_head,
    _head_scores,
    _relevance_scores,
    decision_columns,
    fit_category_head,
    group_folds,
    label_stack,
)
from curator.classify.types import LanePoints, ModelConfig, Thresholds


def choose_thresholds(
    y_true: Sequence[bool] | np.ndarray,
    relevance: Sequence[float] | np.ndarray,
    target_recall: float,
) -> Thresholds:
    """The highest threshold whose recall on (held-out) ``relevance`` is ≥ ``target_recall``;
    the uncertain band runs from the threshold reaching 99% recall to the lowest threshold
    whose precision is ≥ 90% (never narrower than ±0.05 around the threshold)."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(relevance, dtype=float)
    positives = s[y]
    if positives.size == 0:
        return Thresholds(0.5, 0.4, 0.6)

    def at_recall(r: float) -> float:
        # recall(t) = share of positives with score >= t; take the k-th highest positive score.
        k = int(np.ceil(r * positives.size))
        return float(np.sort(positives)[::-1][max(k, 1) - 1])

    threshold = at_recall(target_recall)
    low = min(at_recall(0.99), threshold - 0.05)
    high = threshold + 0.05
    for t in np.unique(s[s >= threshold]):
        chosen = s >= t
        if chosen.sum() and y[chosen].mean() >= 0.9:
            high = max(high, float(t))
            break
    else:
        high = max(high, threshold + 0.2)
    return Thresholds(
        relevant=round(threshold, 4),
        uncertain_low=round(max(low, 0.0), 4),
        uncertain_high=round(min(high, 1.0), 4),
    )


def threshold_at_recall(y_true: np.ndarray, relevance: np.ndarray, target: float) -> float:
    """Pure: the highest threshold ``t`` with recall(score >= t) >= ``target`` (1.0 without
    positives). Exact: the k-th highest positive score, never rounded (rounding up could drop
    the row that makes the recall)."""
    positives = np.sort(relevance[y_true])[::-1]
    if positives.size == 0:
        return 1.0
    k = int(np.ceil(target * positives.size - 1e-9))
    return float(positives[min(max(k, 1), positives.size) - 1])


def _rates(y: np.ndarray, s: np.ndarray, t: float) -> tuple[float, float]:
    chosen = s >= t
    pos, neg = y.sum(), (~y).sum()
    recall = float(chosen[y].sum() / pos) if pos else 0.0
    fpr = float(chosen[~y].sum() / neg) if neg else 0.0
    return recall, fpr


def choose_lanes(
    y_true: Sequence[bool] | np.ndarray,
    relevance: Sequence[float] | np.ndarray,
    card_recall: float = 0.95,
    digest_recall: float = 0.995,
) -> LanePoints:
    """Pure: the card point is the highest threshold whose recall on (out-of-fold) ``relevance``
    is at least ``card_recall``; the digest point the highest reaching ``digest_recall``."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(relevance, dtype=float)
    card = threshold_at_recall(y, s, card_recall)
    digest = min(threshold_at_recall(y, s, digest_recall), card)
    card_r, card_f = _rates(y, s, card)
    both_r, both_f = _rates(y, s, digest)
    return LanePoints(card, digest, card_r, card_f, both_r, both_f)


@dataclass(frozen=True)
class CSearch:
    """The relevance head's C chosen on publisher-grouped folds of some training rows."""

    c: float
    #: out-of-fold relevance of every row with the chosen C (a model that never saw its publisher)
    oof: np.ndarray
    #: the same for every row *without its summary* (title, link, document type and sector hint
    #: only), by the same fold models: what an item that comes without a summary scores
    #: (``benchmarks/experiments/NO_SUMMARY.md``)
    oof_without_summary: np.ndarray
    #: pooled out-of-fold ROC-AUC of each C tried (``None`` when the rows hold one class)
    roc_auc: dict[float, float | None]
    #: out-of-fold relevance of every row with each C tried (``benchmarks/experiments/c_pick.py``
    #: picks the C by other criteria from them)
    oof_by_c: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)


def best_c(roc_auc: dict[float, float | None]) -> float:
    """Pure: the C with the highest ROC-AUC; on a tie the smallest (most regularised) one, and
    the smallest C when no ROC-AUC could be computed."""
    grid = sorted(roc_auc)
    known = [(auc, -c) for c in grid if (auc := roc_auc[c]) is not None]
    return -max(known)[1] if known else grid[0]


def search_relevance_c(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    *,
    fold_seed: int | None = None,
    block_weights: dict[str, float] = RELEVANCE_BLOCK_WEIGHTS,
) -> CSearch:
    """Score every row out of fold (GroupKFold by publisher, ``config.folds`` folds) with each C
    of ``config.c_relevance_grid`` (just ``config.c_relevance`` when the grid is empty) and keep
    the C with the best pooled ROC-AUC (:func:`best_c`).

    The vectorizers and the weighted matrix are built once per fold and shared by every C, so a
    grid of k values costs k logistic-regression fits per fold, not k whole models. With one C
    the scores equal those of :func:`fit_heads` on each fold's training part. ``fold_seed``
    deals publishers to folds at random (:func:`group_folds`); ``block_weights`` replaces the
    relevance head's block weights (``benchmarks/lanes_oof.py`` compares them).
    """
    from curator.classify.metrics import roc_auc

    grid = tuple(sorted(set(config.c_relevance_grid))) or (config.c_relevance,)
    prepared = [prepare(r.as_input()) for r in rows]
    bare = [prepare(without_summary(r.as_input())) for r in rows]
    labels = ["yes" if r.relevant else "no" for r in rows]
    weights = np.array([r.weight for r in rows])
    oof = {c: np.zeros(len(rows)) for c in grid}
    oof_bare = {c: np.zeros(len(rows)) for c in grid}
    for train_idx, test_idx in group_folds(rows, config.folds, seed=fold_seed):
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in train_idx])
        train = WeightedRelevance.of(
            transform(vectorizers, [prepared[i] for i in train_idx]), block_weights
        )
        x_test = stack(transform(vectorizers, [prepared[i] for i in test_idx]), RELEVANCE_FIELDS)
        x_bare = stack(transform(vectorizers, [bare[i] for i in test_idx]), RELEVANCE_FIELDS)
        train_labels = [labels[i] for i in train_idx]
        for c in grid:
            head = train.fit(train_labels, weights[train_idx], c, config.seed)
            oof[c][test_idx] = _relevance_scores(head, x_test)
            oof_bare[c][test_idx] = _relevance_scores(head, x_bare)
    y = np.array([r.relevant for r in rows])
    aucs = {c: roc_auc(y, oof[c]) for c in grid}
    chosen = best_c(aucs)
    return CSearch(
        c=chosen,
        oof=oof[chosen],
        oof_without_summary=oof_bare[chosen],
        roc_auc=aucs,
        oof_by_c=oof,
    )


@dataclass(frozen=True)
class LabelsOutOfFold:
    """The sector and category every row is given by heads fitted without its publisher, and
    those heads' decision values (rows × ``classes[name]``, ``-inf`` for a class a fold's head
    never saw), from which :mod:`curator.classify.calibrate` fits each head's temperature."""

    sector: list[str]
    category: list[str]
    classes: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)
    decision: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def truth(self, name: str, rows: Sequence[TrainingRow]) -> np.ndarray:
        """Each row's true class as a column of ``decision[name]`` (-1 for a row without one)."""
        classes = self.classes[name]
        labels = [getattr(r, name) if r.relevant else None for r in rows]
        return np.array([classes.index(str(x)) if x in classes else -1 for x in labels])


def labels_out_of_fold(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    *,
    fold_seed: int | None = None,
    category_weights: dict[str, float] = CATEGORY_BLOCK_WEIGHTS,
    category_class_weight: ClassWeight = "balanced",
) -> LabelsOutOfFold:
    """Every row's sector and category out of fold (publisher-grouped, ``config.folds`` folds,
    publishers dealt as :func:`group_folds` deals them for ``fold_seed``), the heads fitted with
    ``config.c_sector`` and ``config.c_category`` as :func:`~curator.classify.fit.fit_heads`
    fits them; ``category_weights`` and ``category_class_weight`` replace the category head's
    block weights and class weighting (``benchmarks/category_oof.py`` compares them)."""
    prepared = [prepare(r.as_input()) for r in rows]
    weights = np.array([r.weight for r in rows])
    sector = [""] * len(rows)
    category = [""] * len(rows)
    classes = {
        name: sorted({str(getattr(r, name)) for r in rows if r.relevant and getattr(r, name)})
        for name in ("sector", "category")
    }
    decision = {name: np.full((len(rows), len(c)), -np.inf) for name, c in classes.items()}
    for train_idx, test_idx in group_folds(rows, config.folds, seed=fold_seed):
        train = [rows[i] for i in train_idx]
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in train_idx])
        blocks = transform(vectorizers, [prepared[i] for i in train_idx])
        x = stack(blocks, LABEL_FIELDS)
        w = weights[train_idx]
        sectors = [r.sector for r in train]
        sector_head = _fit_label_head(x, train, sectors, w, config.c_sector, config.seed)
        category_head = fit_category_head(
            blocks,
            train,
            w,
            config.c_category,
            config.seed,
            block_weights=category_weights,
            class_weight=category_class_weight,
            x=x,
        )
        test_blocks = transform(vectorizers, [prepared[i] for i in test_idx])
        x_test = stack(test_blocks, LABEL_FIELDS)
        x_category = label_stack(category_head, test_blocks, x_test)
        for name, head, x_head, out in (
            ("sector", sector_head, x_test, sector),
            ("category", category_head, x_category, category),
        ):
            for i, label in zip(test_idx, _head_scores(head, x_head)[0], strict=True):
                out[i] = label
            if classes[name]:
                decision[name][test_idx] = decision_columns(head, x_head, classes[name])
    return LabelsOutOfFold(sector, category, classes, decision)


#: How long a searched C is reused by ``curator train`` before the grid is searched again.
C_SEARCH_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class PreviousSearch:
    """The relevance head's C of the current model and when it was last searched for."""

    c: float
    searched_at: datetime

    def fresh(self, now: datetime) -> bool:
        """Pure: whether the C may be reused at ``now`` (searched less than 7 days before)."""
        return now - self.searched_at < C_SEARCH_MAX_AGE
