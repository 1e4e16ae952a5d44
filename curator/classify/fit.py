"""Fitting the three heads with scikit-learn, and scoring with the fitted objects.

Model: sparse features from :mod:`curator.classify.features` feeding three L2-regularised
logistic regressions (class-balanced, sample-weighted so editors' decisions count most).
Imports scikit-learn (inside the functions): training-side code only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from curator.classify import wordvec
from curator.classify.data import TrainingRow
from curator.classify.features import (
    CATEGORY_BLOCK_WEIGHTS,
    LABEL_FIELDS,
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    SPARSE_RELEVANCE_FIELDS,
    build_vectorizers,
    category_fields,
    column_weights,
    fit,
    prepare,
    publisher_group,
    stack,
    transform,
)
from curator.classify.types import ClassifyInput, Heads, ModelConfig, Scores
from curator.errors import ModelError

#: How the label heads weigh their classes: "balanced" (scikit-learn's n / (k * n_c), shipped),
#: "sqrt" (its square root: rare classes count more, less so) or "none".
ClassWeight = Literal["balanced", "sqrt", "none"]


def class_weights(labels: Sequence[str], kind: ClassWeight) -> dict[str, float] | str | None:
    """Pure: the ``class_weight`` argument of the logistic regression for ``kind``."""
    if kind == "balanced":
        return "balanced"
    if kind == "none":
        return None
    classes, counts = np.unique(np.asarray(labels), return_counts=True)
    return {
        str(k): float(np.sqrt(len(labels) / (len(classes) * n)))
        for k, n in zip(classes, counts, strict=True)
    }


def _logreg(c: float, seed: int, class_weight: dict[str, float] | str | None = "balanced") -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight=class_weight, solver="newton-cg", max_iter=1000, random_state=seed
    )


def _fit_head(
    x: Any,
    labels: list[str],
    weights: np.ndarray,
    c: float,
    seed: int,
    class_weight: ClassWeight = "balanced",
) -> Any:
    if len(set(labels)) < 2:
        return labels[0] if labels else "reports"
    head = _logreg(c, seed, class_weights(labels, class_weight))
    head.fit(x, np.array(labels), sample_weight=weights)
    return head


@dataclass(frozen=True)
class Embedding:
    """The rows' word-vector embedding (their ``word_vectors`` bag times the table), centred and
    scaled per dimension on these rows and divided by sqrt(dims) (a row's norm about 1, like a
    TF-IDF block's): ``z = (bag @ table - mean) * scale``."""

    z: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    table: np.ndarray

    @classmethod
    def of(cls, bag: Any, table: np.ndarray, rows: Sequence[int] | None = None) -> Embedding:
        """Standardised on every row of ``bag``; ``z`` holds only ``rows`` when given (the
        category head fits on the relevant rows: the others' embedding is not kept)."""
        e = np.asarray(bag @ table, dtype=np.float64)
        mean = e.mean(axis=0)
        scale = 1.0 / ((e.std(axis=0) + 1e-9) * np.sqrt(table.shape[1]))
        if rows is not None:
            e = e[list(rows)]
        e -= mean
        e *= scale
        return cls(e, mean, scale, table)

    def folded(
        self, labels: list[str], weights: np.ndarray, seed: int
    ) -> tuple[np.ndarray, float] | None:
        """The embedding head (class-balanced logistic regression, C = ``EMBEDDING_C``) as
        coefficients over the ``word_vectors`` bag and an intercept: ``z · a + b`` is
        ``bag · (table @ (a * scale)) + b - (a * scale) · mean``. ``None`` for one class."""
        head = _fit_head(self.z, labels, weights, wordvec.EMBEDDING_C, seed)
        if isinstance(head, str):
            return None
        a = np.asarray(head.coef_[0]) * self.scale
        return self.table @ a, float(head.intercept_[0] - a @ self.mean)

    def folded_classes(
        self, labels: list[str], weights: np.ndarray, seed: int
    ) -> tuple[list[str], np.ndarray, np.ndarray] | None:
        """:meth:`folded` for any number of classes: the classes, one row of coefficients over
        the ``word_vectors`` bag per row of the head's ``coef_`` and the intercepts. ``None``
        for one class."""
        head = _fit_head(self.z, labels, weights, wordvec.EMBEDDING_C, seed)
        if isinstance(head, str):
            return None
        a = np.asarray(head.coef_) * self.scale
        classes = [str(c) for c in head.classes_]
        return classes, a @ self.table.T, np.asarray(head.intercept_) - a @ self.mean


@dataclass(frozen=True)
class WeightedRelevance:
    """The relevance head's inputs, built once and fitted with as many C as wanted: the
    sparse blocks of ``RELEVANCE_FIELDS`` stacked with each multiplied by its weight (``scale``:
    every column's), and the rows' word-vector :class:`Embedding`.

    The head is the sum of two logistic regressions' decisions: one on the weighted sparse
    stack (C as asked), one on the embedding (``wordvec.EMBEDDING_C``). Both are linear in the
    unweighted stack of ``RELEVANCE_FIELDS`` (the ``word_vectors`` block last), so :meth:`fit`
    returns them folded into one logistic regression over that stack: whatever scores needs to
    know neither the weights nor the table."""

    x: Any
    scale: np.ndarray
    embedding: Embedding
    _embedded: dict[tuple[int, bytes, bytes], tuple[np.ndarray, float] | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(
        cls,
        blocks: dict[str, Any],
        block_weights: dict[str, float] = RELEVANCE_BLOCK_WEIGHTS,
        vectors: wordvec.WordVectors | None = None,
    ) -> WeightedRelevance:
        from scipy.sparse import diags

        scale = column_weights(blocks, SPARSE_RELEVANCE_FIELDS, block_weights)
        table = (vectors or wordvec.load()).table
        return cls(
            stack(blocks, SPARSE_RELEVANCE_FIELDS) @ diags(scale),
            scale,
            Embedding.of(blocks["word_vectors"], table),
        )

    def fit(self, labels: list[str], weights: np.ndarray, c: float, seed: int) -> Any:
        """The relevance head (see the class): the sparse head fitted on the weighted stack,
        its weights folded into its coefficients (``(x * s) · w = x · (s * w)``), and the
        embedding head's coefficients over the ``word_vectors`` bag and intercept added (the
        embedding head is fitted once per set of labels, whatever C)."""
        head = _fit_head(self.x, labels, weights, c, seed)
        if isinstance(head, str):
            return head
        key = (seed, "\0".join(labels).encode(), np.asarray(weights, dtype=float).tobytes())
        if key not in self._embedded:
            self._embedded[key] = self.embedding.folded(labels, weights, seed)
        embedded = self._embedded[key]
        coef = head.coef_ * self.scale
        bag = np.zeros((1, self.embedding.table.shape[0]))
        if embedded is not None:
            bag[0] = embedded[0]
            head.intercept_ = head.intercept_ + embedded[1]
        head.coef_ = np.hstack([coef, bag])
        head.n_features_in_ = head.coef_.shape[1]  # it now reads the whole unweighted stack
        return head


def fit_relevance_head(
    blocks: dict[str, Any],
    labels: list[str],
    weights: np.ndarray,
    c: float,
    seed: int,
    block_weights: dict[str, float] = RELEVANCE_BLOCK_WEIGHTS,
) -> Any:
    """The relevance head fitted with each block multiplied by its weight in
    ``block_weights`` (:data:`RELEVANCE_BLOCK_WEIGHTS`), then folded back
    (:class:`WeightedRelevance`)."""
    return WeightedRelevance.of(blocks, block_weights).fit(labels, weights, c, seed)


def _fit_label_head(
    x: Any,
    rows: Sequence[TrainingRow],
    labels: Sequence[str | None],
    weights: np.ndarray,
    c: float,
    seed: int,
    *,
    scale: np.ndarray | None = None,
    class_weight: ClassWeight = "balanced",
) -> Any:
    """The sector or the category head (``labels[i]`` is row ``i``'s), fitted on the relevant
    rows that have one. With ``scale`` (one weight per column of ``x``) it is fitted on the
    weighted columns and the weights folded into its coefficients, as the relevance head's are
    (:class:`WeightedRelevance`): it scores the unweighted ``x``."""
    from scipy.sparse import diags

    idx = [i for i, (r, label) in enumerate(zip(rows, labels, strict=True)) if r.relevant and label]
    x_fit = x[idx] if scale is None else x[idx] @ diags(scale)
    head = _fit_head(x_fit, [str(labels[i]) for i in idx], weights[idx], c, seed, class_weight)
    if scale is not None and not isinstance(head, str):
        head.coef_ = head.coef_ * scale
    return head


def fit_category_head(
    blocks: dict[str, Any],
    rows: Sequence[TrainingRow],
    weights: np.ndarray,
    c: float,
    seed: int,
    *,
    block_weights: dict[str, float] = CATEGORY_BLOCK_WEIGHTS,
    class_weight: ClassWeight = "balanced",
    x: Any = None,
    embedding: bool = True,
) -> Any:
    """The category head on ``stack(blocks, LABEL_FIELDS)`` (or ``x``, that stack already
    built), each block multiplied by its weight in ``block_weights``
    (:data:`CATEGORY_BLOCK_WEIGHTS`) while fitting, then folded back into the coefficients.

    With ``embedding`` (and a ``word_vectors`` block) the decision of a second logistic
    regression on the rows' word-vector embedding (class-balanced, C = ``EMBEDDING_C``, as the
    relevance head's) is added, folded in over the ``word_vectors`` bag: the head then reads
    ``CATEGORY_FIELDS``. Out of fold on the development rows (5 assignments,
    ``python -m benchmarks.experiments.category_embedding``) macro-F1 0.879 → 0.893, better on
    every assignment (``benchmarks/experiments/CATEGORY_EMBED.md``)."""
    scale = column_weights(blocks, LABEL_FIELDS, block_weights) if block_weights else None
    labels = [r.category for r in rows]
    head = _fit_label_head(
        stack(blocks, LABEL_FIELDS) if x is None else x,
        rows,
        labels,
        weights,
        c,
        seed,
        scale=scale,
        class_weight=class_weight,
    )
    if not embedding or isinstance(head, str) or "word_vectors" not in blocks:
        return head
    idx = [i for i, (r, label) in enumerate(zip(rows, labels, strict=True)) if r.relevant and label]
    table = wordvec.load().table
    folded = Embedding.of(blocks["word_vectors"], table, rows=idx).folded_classes(
        [str(labels[i]) for i in idx], weights[idx], seed
    )
    if folded is None or folded[0] != [str(k) for k in head.classes_]:
        return head
    head.coef_ = np.hstack([head.coef_, folded[1]])
    head.intercept_ = head.intercept_ + folded[2]
    head.n_features_in_ = head.coef_.shape[1]  # it now reads CATEGORY_FIELDS
    return head


def label_stack(head: Any, blocks: dict[str, Any], x: Any = None) -> Any:
    """What ``head`` (the sector or the category head) reads: ``x`` (``stack(blocks,
    LABEL_FIELDS)``, built when not given), or ``CATEGORY_FIELDS`` when the head was fitted
    with the embedding folded in (wider than ``x``)."""
    from scipy.sparse import hstack

    x = stack(blocks, LABEL_FIELDS) if x is None else x
    if category_fields(head, x.shape[1]) == LABEL_FIELDS:
        return x
    return hstack([x, blocks["word_vectors"]], format="csr")


def fit_heads(rows: Sequence[TrainingRow], config: ModelConfig) -> Heads:
    """Fit vectorizers and the three heads on ``rows`` (deterministic for a given input)."""
    if not rows:
        raise ModelError("no training rows")
    prepared = [prepare(r.as_input()) for r in rows]
    vectorizers = build_vectorizers()
    fit(vectorizers, prepared)
    blocks = transform(vectorizers, prepared)
    x = stack(blocks, LABEL_FIELDS)
    weights = np.array([r.weight for r in rows])
    relevance = fit_relevance_head(
        blocks,
        ["yes" if r.relevant else "no" for r in rows],
        weights,
        config.c_relevance,
        config.seed,
    )
    sectors = [r.sector for r in rows]
    sector = _fit_label_head(x, rows, sectors, weights, config.c_sector, config.seed)
    category = fit_category_head(blocks, rows, weights, config.c_category, config.seed, x=x)
    return Heads(vectorizers=vectorizers, relevance=relevance, sector=sector, category=category)


def _head_scores(head: Any, x: Any) -> tuple[list[str], np.ndarray]:
    n = x.shape[0]
    if isinstance(head, str):
        return [head] * n, np.ones(n)
    proba = head.predict_proba(x)
    best = proba.argmax(axis=1)
    classes = [str(c) for c in head.classes_]
    return [classes[i] for i in best], proba[np.arange(n), best]


def decision_columns(head: Any, x: Any, classes: list[str]) -> np.ndarray:
    """``head``'s decision values for ``x`` in the columns of ``classes`` (``-inf`` for a class
    the head never saw); a binary head's single column ``z`` is ``[0, z]``, as its
    ``predict_proba`` is ``softmax([0, z])``."""
    n = x.shape[0]
    out = np.full((n, len(classes)), -np.inf)
    if isinstance(head, str):
        if head in classes:
            out[:, classes.index(head)] = 0.0
        return out
    z = np.asarray(head.decision_function(x), dtype=np.float64)
    if z.ndim == 1:
        z = np.stack([np.zeros(n), z], axis=1)
    for k, label in enumerate(str(c) for c in head.classes_):
        if label in classes:
            out[:, classes.index(label)] = z[:, k]
    return out


def _relevance_scores(head: Any, x: Any) -> np.ndarray:
    if isinstance(head, str):
        return np.full(x.shape[0], 1.0 if head == "yes" else 0.0)
    yes = list(head.classes_).index("yes")
    return np.asarray(head.predict_proba(x)[:, yes])


def score(heads: Heads, inputs: Sequence[ClassifyInput]) -> Scores:
    """Raw scores for ``inputs`` (no thresholds applied)."""
    blocks = transform(heads.vectorizers, [prepare(i) for i in inputs])
    x = stack(blocks, LABEL_FIELDS)
    # a model saved before the word_vectors block reads the sparse blocks only
    fields = RELEVANCE_FIELDS if "word_vectors" in blocks else SPARSE_RELEVANCE_FIELDS
    relevance = _relevance_scores(heads.relevance, stack(blocks, fields))
    sectors, sector_conf = _head_scores(heads.sector, x)
    categories, category_conf = _head_scores(heads.category, label_stack(heads.category, blocks, x))
    return Scores(relevance, sectors, sector_conf, categories, category_conf)


class SklearnScorer:
    """The :class:`~curator.classify.types.Scorer` of fitted scikit-learn heads."""

    def __init__(self, heads: Heads) -> None:
        self.heads = heads

    def score(self, inputs: Sequence[ClassifyInput]) -> Scores:
        return score(self.heads, inputs)


def group_folds(
    rows: Sequence[TrainingRow], folds: int, seed: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs with every publisher wholly on one side (GroupKFold).

    Without ``seed`` publishers are dealt to folds largest-first (deterministic, balancing rows);
    with one they are dealt in a random order fixed by the seed (``curator eval --repeats``)."""
    from sklearn.model_selection import GroupKFold

    groups = [publisher_group(r.publisher) for r in rows]
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2:
        raise ModelError("held-out evaluation needs rows from at least two publishers")
    splitter = (
        GroupKFold(n_splits=n_splits)
        if seed is None
        else GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    )
    idx = np.arange(len(rows))
    return [(tr, te) for tr, te in splitter.split(idx, groups=groups)]
