"""Fit, predict, save and load the three-headed classifier (relevant?, sector, category).

Model: sparse features from :mod:`curator.classify.features` feeding three L2-regularised
logistic regressions (class-balanced, sample-weighted so editors' decisions count most). The
relevance threshold is chosen on out-of-fold predictions grouped by publisher so that recall is
at least ``target_recall`` (missing a real report is worse than showing a dud, issue 3).

Files in the model directory (written beside the old ones, then swapped by replacing the
one-line ``current`` pointer with ``os.replace``, so a reader never sees half a model):

* ``current``: the stem of the model in use, e.g. ``classifier-20261126T1140Z-1a2b3c4d``;
* ``<stem>.skops``: the fitted scikit-learn objects (skops format: loading runs no pickle code),
  read only by training-side tooling (:func:`load_heads`);
* ``<stem>.npz``: the same model compiled to plain arrays (:mod:`curator.classify.compiled`):
  what :func:`load` reads, so predicting never imports scikit-learn (~100 MB less memory);
* ``<stem>.json``: the sidecar: format version, scikit-learn version, thresholds, hashes of the
  ``.skops`` and ``.npz`` files, training counts. Checked before either file is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from curator.classify import ClassifyInput
from curator.classify.compiled import CompiledModel, CompileError, compile_heads
from curator.classify.data import TrainingRow, data_hash
from curator.classify.features import (
    LABEL_FIELDS,
    RELEVANCE_FIELDS,
    build_vectorizers,
    fit,
    prepare,
    publisher_group,
    stack,
    transform,
)
from curator.classify.lanes import lane_thresholds_from_sidecar
from curator.errors import ModelError
from curator.records import Prediction

#: Bump when the saved layout changes; a model with another format is refused with a clear error.
FORMAT_VERSION = 2  # 2: adds the compiled ``.npz`` model
#: Largest difference allowed between compiled and scikit-learn probabilities (checked on save).
PARITY_TOLERANCE = 1e-9
POINTER = "current"

#: The only types a model file may contain (checked with skops' get_untrusted_types before any
#: object is built). Anything else means the file is not one of ours.
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.float",
        "builtins.int",
        "builtins.list",
        "builtins.str",
        "builtins.tuple",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.feature_extraction.text.CountVectorizer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
    }
)


#: Inverse regularisation strengths tried for the relevance head. ``train`` (and each training
#: part of ``curator eval``) picks the one with the best publisher-grouped out-of-fold ROC-AUC on
#: its own training rows, so the choice never sees the rows it is judged on. The grid reaches
#: past the best value on the committed rows (10,000 on 1,328 rows; the sidecar lists each C's
#: ROC-AUC) so that the optimum is not at its edge.
C_RELEVANCE_GRID: tuple[float, ...] = (30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 30000.0)


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters (chosen with ``curator eval``; see models/MODEL_CARD.md).

    ``c_relevance`` is used as it is only when ``c_relevance_grid`` is empty; otherwise
    :func:`search_relevance_c` replaces it with the grid's best value for the training rows.
    """

    c_relevance: float = 100.0
    c_relevance_grid: tuple[float, ...] = C_RELEVANCE_GRID
    c_sector: float = 30.0
    c_category: float = 30.0
    target_recall: float = 0.96  # a margin so that held-out recall stays >= 0.95 (issue 3)
    #: out-of-fold recall the card lane must reach (the highest threshold that does is chosen)
    card_recall: float = 0.95
    #: out-of-fold recall card + digest together must reach
    digest_recall: float = 0.995
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class Thresholds:
    """``relevant`` is the decision threshold; between ``uncertain_low`` and ``uncertain_high``
    the answer is flagged uncertain, as is a relevant item whose sector confidence is below
    ``min_sector_confidence``."""

    relevant: float
    uncertain_low: float
    uncertain_high: float
    min_sector_confidence: float = 0.5


@dataclass
class Heads:
    """The fitted parts: vectorizers plus three heads. A head is a fitted estimator, or a
    label (str) when its training rows held a single class."""

    vectorizers: dict[str, Any]
    relevance: Any
    sector: Any
    category: Any


@dataclass(frozen=True)
class Scores:
    relevance: np.ndarray
    sector_labels: list[str]
    sector_confidence: np.ndarray
    category_labels: list[str]
    category_confidence: np.ndarray


def _logreg(c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=seed
    )


def _fit_head(x: Any, labels: list[str], weights: np.ndarray, c: float, seed: int) -> Any:
    if len(set(labels)) < 2:
        return labels[0] if labels else "reports"
    head = _logreg(c, seed)
    head.fit(x, np.array(labels), sample_weight=weights)
    return head


def fit_heads(rows: Sequence[TrainingRow], config: ModelConfig) -> Heads:
    """Fit vectorizers and the three heads on ``rows`` (deterministic for a given input)."""
    if not rows:
        raise ModelError("no training rows")
    prepared = [prepare(r.as_input()) for r in rows]
    vectorizers = build_vectorizers()
    fit(vectorizers, prepared)
    blocks = transform(vectorizers, prepared)
    x_rel = stack(blocks, RELEVANCE_FIELDS)
    x = stack(blocks, LABEL_FIELDS)
    weights = np.array([r.weight for r in rows])
    relevance = _fit_head(
        x_rel,
        ["yes" if r.relevant else "no" for r in rows],
        weights,
        config.c_relevance,
        config.seed,
    )
    rel_idx = [i for i, r in enumerate(rows) if r.relevant and r.sector]
    sector = _fit_head(
        x[rel_idx],
        [str(rows[i].sector) for i in rel_idx],
        weights[rel_idx],
        config.c_sector,
        config.seed,
    )
    cat_idx = [i for i, r in enumerate(rows) if r.relevant and r.category]
    category = _fit_head(
        x[cat_idx],
        [str(rows[i].category) for i in cat_idx],
        weights[cat_idx],
        config.c_category,
        config.seed,
    )
    return Heads(vectorizers=vectorizers, relevance=relevance, sector=sector, category=category)


def _head_scores(head: Any, x: Any) -> tuple[list[str], np.ndarray]:
    n = x.shape[0]
    if isinstance(head, str):
        return [head] * n, np.ones(n)
    proba = head.predict_proba(x)
    best = proba.argmax(axis=1)
    classes = [str(c) for c in head.classes_]
    return [classes[i] for i in best], proba[np.arange(n), best]


def _relevance_scores(head: Any, x: Any) -> np.ndarray:
    if isinstance(head, str):
        return np.full(x.shape[0], 1.0 if head == "yes" else 0.0)
    yes = list(head.classes_).index("yes")
    return np.asarray(head.predict_proba(x)[:, yes])


def score(heads: Heads, inputs: Sequence[ClassifyInput]) -> Scores:
    """Raw scores for ``inputs`` (no thresholds applied)."""
    blocks = transform(heads.vectorizers, [prepare(i) for i in inputs])
    x = stack(blocks, LABEL_FIELDS)
    relevance = _relevance_scores(heads.relevance, stack(blocks, RELEVANCE_FIELDS))
    sectors, sector_conf = _head_scores(heads.sector, x)
    categories, category_conf = _head_scores(heads.category, x)
    return Scores(relevance, sectors, sector_conf, categories, category_conf)


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


@dataclass(frozen=True)
class LanePoints:
    """The card and digest operating points with what they did on the scores they were chosen
    on: recall and false-positive rate (share of irrelevant rows let through) of the card lane
    alone and of card + digest together."""

    card: float
    digest: float
    card_recall: float
    card_fpr: float
    card_digest_recall: float
    card_digest_fpr: float

    def lanes(self) -> dict[str, float]:
        """The sidecar's ``"lanes"`` value (read by :mod:`curator.classify.lanes`)."""
        return {"card": self.card, "digest": self.digest}


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


@dataclass(frozen=True)
class CSearch:
    """The relevance head's C chosen on publisher-grouped folds of some training rows."""

    c: float
    #: out-of-fold relevance of every row with the chosen C (a model that never saw its publisher)
    oof: np.ndarray
    #: pooled out-of-fold ROC-AUC of each C tried (``None`` when the rows hold one class)
    roc_auc: dict[float, float | None]


def best_c(roc_auc: dict[float, float | None]) -> float:
    """Pure: the C with the highest ROC-AUC; on a tie the smallest (most regularised) one, and
    the smallest C when no ROC-AUC could be computed."""
    grid = sorted(roc_auc)
    known = [(auc, -c) for c in grid if (auc := roc_auc[c]) is not None]
    return -max(known)[1] if known else grid[0]


def search_relevance_c(rows: Sequence[TrainingRow], config: ModelConfig) -> CSearch:
    """Score every row out of fold (GroupKFold by publisher, ``config.folds`` folds) with each C
    of ``config.c_relevance_grid`` (just ``config.c_relevance`` when the grid is empty) and keep
    the C with the best pooled ROC-AUC (:func:`best_c`).

    The vectorizers are fitted once per fold and shared by every C, so a grid of k values costs
    k logistic-regression fits per fold, not k whole models. With one C the scores equal those
    of :func:`fit_heads` on each fold's training part.
    """
    from curator.classify.metrics import roc_auc

    grid = tuple(sorted(set(config.c_relevance_grid))) or (config.c_relevance,)
    prepared = [prepare(r.as_input()) for r in rows]
    labels = ["yes" if r.relevant else "no" for r in rows]
    weights = np.array([r.weight for r in rows])
    oof = {c: np.zeros(len(rows)) for c in grid}
    for train_idx, test_idx in group_folds(rows, config.folds):
        vectorizers = build_vectorizers()
        fit(vectorizers, [prepared[i] for i in train_idx])
        x_train = stack(transform(vectorizers, [prepared[i] for i in train_idx]), RELEVANCE_FIELDS)
        x_test = stack(transform(vectorizers, [prepared[i] for i in test_idx]), RELEVANCE_FIELDS)
        train_labels = [labels[i] for i in train_idx]
        for c in grid:
            head = _fit_head(x_train, train_labels, weights[train_idx], c, config.seed)
            oof[c][test_idx] = _relevance_scores(head, x_test)
    y = np.array([r.relevant for r in rows])
    aucs = {c: roc_auc(y, oof[c]) for c in grid}
    chosen = best_c(aucs)
    return CSearch(c=chosen, oof=oof[chosen], roc_auc=aucs)


class Classifier:
    """A loaded model. ``predict`` is pure computation (no I/O) and thread-safe.

    ``heads`` is the fitted scikit-learn objects (after training, or :func:`load_heads`) or the
    compiled model (:func:`load`); both give the same scores to within 1e-9.
    """

    def __init__(
        self,
        heads: Heads | CompiledModel,
        thresholds: Thresholds,
        version: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.heads = heads
        self.thresholds = thresholds
        self.version = version
        self.metadata = metadata or {}
        #: the card and digest operating points (see :mod:`curator.classify.lanes`)
        self.lane_thresholds = lane_thresholds_from_sidecar(self.metadata, thresholds.uncertain_low)

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]:
        if not inputs:
            return []
        if isinstance(self.heads, CompiledModel):
            s = self.heads.score(inputs)
        else:
            s = score(self.heads, inputs)
        t = self.thresholds
        out = []
        for i in range(len(inputs)):
            relevance = float(s.relevance[i])
            relevant = relevance >= t.relevant
            sector_conf = float(s.sector_confidence[i])
            uncertain = t.uncertain_low <= relevance < t.uncertain_high or (
                relevant and sector_conf < t.min_sector_confidence
            )
            out.append(
                Prediction(
                    relevant=relevant,
                    relevance=round(relevance, 4),
                    sector=s.sector_labels[i],
                    sector_confidence=round(sector_conf, 4),
                    category=s.category_labels[i],
                    category_confidence=round(float(s.category_confidence[i]), 4),
                    uncertain=uncertain,
                    model_version=self.version,
                )
            )
        return out


@dataclass
class TrainResult:
    classifier: Classifier
    rows: list[TrainingRow]
    #: out-of-fold relevance of the development rows (``dev_idx``), with the chosen C
    oof_relevance: np.ndarray
    config: ModelConfig
    data_hash: str
    trained_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    #: indices into ``rows`` of the development rows (every choice is made on them) and of the
    #: untouched test publishers' rows (:mod:`curator.classify.split`)
    dev_idx: list[int] = field(default_factory=list)
    test_idx: list[int] = field(default_factory=list)


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


def train(
    rows: Sequence[TrainingRow],
    config: ModelConfig | None = None,
    *,
    now: datetime | None = None,
    previous: PreviousSearch | None = None,
) -> TrainResult:
    """Fit the final model on all ``rows``. The relevance head's C is chosen, and the threshold
    and the card and digest points set, on publisher-grouped out-of-fold scores of the
    development rows only (the untouched test publishers' rows take part in no choice,
    :mod:`curator.classify.split`). With a ``previous`` search less than a week old its C is
    reused (one out-of-fold pass instead of one per C of the grid); the returned config holds
    the C used."""
    from curator.classify.split import split_indices

    config = config or ModelConfig()
    rows = list(rows)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    dev_idx, test_idx = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    reuse = previous is not None and previous.fresh(when)
    if reuse:
        assert previous is not None
        search = search_relevance_c(
            dev, replace(config, c_relevance=previous.c, c_relevance_grid=())
        )
        searched_at = previous.searched_at
    else:
        search = search_relevance_c(dev, config)
        searched_at = when
    config = replace(config, c_relevance=search.c)
    y = [r.relevant for r in dev]
    thresholds = choose_thresholds(y, search.oof, config.target_recall)
    lanes = choose_lanes(y, search.oof, config.card_recall, config.digest_recall)
    heads = fit_heads(rows, config)
    trained_at = when.replace(second=0, microsecond=0)
    digest = data_hash(rows)
    version = f"{trained_at:%Y-%m-%dT%H:%MZ}-{digest[:8]}"
    extra: dict[str, Any] = {
        "c_relevance_search": {
            "folds": config.folds,
            "roc_auc_by_c": {repr(c): auc for c, auc in search.roc_auc.items()},
            "searched_at": searched_at.isoformat(),
            "reused": reuse,
        },
        "lanes": lanes.lanes(),
        "lanes_out_of_fold": asdict(lanes),
        "split": {"development_rows": len(dev_idx), "test_rows": len(test_idx)},
    }
    classifier = Classifier(heads, thresholds, version, dict(extra))
    return TrainResult(
        classifier, rows, search.oof, config, digest, trained_at, extra, dev_idx, test_idx
    )


# ------------------------------------------------------------------------------------------
# Persistence
# ------------------------------------------------------------------------------------------

#: Odd inputs the compiled model is checked on at save time, beside every training row.
PARITY_PROBES: tuple[ClassifyInput, ...] = (
    ClassifyInput(title=""),
    ClassifyInput(title="Annual report", summary=""),
    ClassifyInput(title="Évaluation des données — café naïve Ærø", summary="Ñandú façade"),
    ClassifyInput(title="Adroddiad ar ofal cymdeithasol yng Nghymru: ŵyr a wyres"),
    ClassifyInput(title="<b>Care</b> &amp; support", summary="<p>Local&nbsp;authorities</p>"),
    ClassifyInput(title="Report " * 500, summary="word " * 2000, url="https://x.example/a/b"),
    ClassifyInput(title="犯罪 司法 报告", summary="Отчёт о социальной помощи"),
)


def _sklearn_version() -> str | None:
    """The installed scikit-learn version, read from its metadata (importing it costs ~100 MB)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scikit-learn")
    except PackageNotFoundError:
        return None


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _stem(version: str) -> str:
    return "classifier-" + version.replace(":", "").replace("-", "", 2)


def compile_checked(result: TrainResult) -> CompiledModel:
    """Compile the trained heads and check them against scikit-learn on every training row
    (plus :data:`PARITY_PROBES`): a difference above :data:`PARITY_TOLERANCE` is a ModelError."""
    heads = result.classifier.heads
    if isinstance(heads, CompiledModel):
        raise ModelError("only a freshly trained model (with its scikit-learn heads) can be saved")
    try:
        compiled = compile_heads(heads)
    except CompileError as exc:
        raise ModelError(f"the trained model cannot be compiled for prediction: {exc}") from exc
    inputs = [r.as_input() for r in result.rows] + list(PARITY_PROBES)
    want, got = score(heads, inputs), compiled.score(inputs)
    gaps = {
        "relevance": float(np.max(np.abs(want.relevance - got.relevance))),
        "sector": float(np.max(np.abs(want.sector_confidence - got.sector_confidence))),
        "category": float(np.max(np.abs(want.category_confidence - got.category_confidence))),
    }
    worst = max(gaps, key=lambda k: gaps[k])
    labels_differ = (
        want.sector_labels != got.sector_labels or want.category_labels != got.category_labels
    )
    if gaps[worst] > PARITY_TOLERANCE or labels_differ:
        raise ModelError(
            f"the compiled model does not reproduce scikit-learn (largest gap {gaps[worst]:.3g} "
            f"on {worst}; labels differ: {labels_differ}): fix curator/classify/compiled.py "
            "before saving this model"
        )
    return compiled


def save(result: TrainResult, model_dir: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write the model beside the old one and swap the ``current`` pointer atomically.

    Writes ``<stem>.skops`` (scikit-learn objects), ``<stem>.npz`` (the compiled model, checked
    against scikit-learn first) and the ``<stem>.json`` sidecar. Returns the path of the new
    ``.skops`` file. Models older than the previous one are removed.
    """
    import sklearn
    import skops
    import skops.io as sio

    from curator.classify import compiled as compiled_io

    compiled = compile_checked(result)
    model_dir.mkdir(parents=True, exist_ok=True)
    classifier = result.classifier
    stem = _stem(classifier.version)
    heads = classifier.heads
    assert isinstance(heads, Heads)  # compile_checked refused anything else
    payload = {
        "vectorizers": heads.vectorizers,
        "relevance": heads.relevance,
        "sector": heads.sector,
        "category": heads.category,
    }
    skops_path = model_dir / f"{stem}.skops"
    compiled_path = model_dir / f"{stem}.npz"
    json_path = model_dir / f"{stem}.json"
    with tempfile.TemporaryDirectory(dir=model_dir, prefix=".tmp-") as tmp:
        tmp_skops = Path(tmp) / skops_path.name
        sio.dump(payload, tmp_skops)
        untrusted = set(sio.get_untrusted_types(file=tmp_skops))
        unexpected = untrusted - ALLOWED_TYPES
        if unexpected:
            raise ModelError(
                f"the fitted model holds types outside the load allow-list: {sorted(unexpected)}"
            )
        tmp_compiled = Path(tmp) / compiled_path.name
        compiled_io.write(compiled, tmp_compiled)
        sidecar = {
            "format_version": FORMAT_VERSION,
            "version": classifier.version,
            "sklearn_version": str(sklearn.__version__),
            "skops_version": str(skops.__version__),
            "trained_at": result.trained_at.isoformat(),
            "data_hash": result.data_hash,
            "skops_file": skops_path.name,
            "skops_sha256": _sha256(tmp_skops),
            "compiled_file": compiled_path.name,
            "compiled_format": compiled_io.COMPILED_FORMAT,
            "compiled_sha256": _sha256(tmp_compiled),
            "thresholds": asdict(classifier.thresholds),
            "config": asdict(result.config),
            **result.extra,
            **(metadata or {}),
        }
        tmp_json = Path(tmp) / json_path.name
        tmp_json.write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp_pointer = Path(tmp) / POINTER
        tmp_pointer.write_text(stem + "\n", encoding="utf-8")
        os.replace(tmp_skops, skops_path)
        os.replace(tmp_compiled, compiled_path)
        os.replace(tmp_json, json_path)
        previous = _read_pointer(model_dir)
        os.replace(tmp_pointer, model_dir / POINTER)  # the swap: readers now see the new model
    keep = {stem, previous}
    for old in model_dir.glob("classifier-*"):
        if old.name.split(".", 1)[0] not in keep:
            old.unlink(missing_ok=True)
    return skops_path


def _read_pointer(model_dir: Path) -> str | None:
    try:
        stem = (model_dir / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return stem or None


def _missing(model_dir: Path, detail: str = "") -> ModelError:
    extra = f" ({detail})" if detail else ""
    return ModelError(f"no model at {model_dir}/{extra}: run `curator train`")


def read_sidecar(model_dir: Path) -> tuple[dict[str, Any], Path]:
    """The current model's sidecar (validated) and the path of its ``.skops`` file.

    Never imports scikit-learn: its installed version is read from the package metadata.
    """
    stem = _read_pointer(model_dir)
    if stem is None:
        raise _missing(model_dir)
    json_path = model_dir / f"{stem}.json"
    try:
        sidecar = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _missing(model_dir, f"{json_path.name} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _missing(model_dir, f"{json_path.name} is corrupt: {exc}") from exc
    if not isinstance(sidecar, dict):
        raise _missing(model_dir, f"{json_path.name} is corrupt: not a JSON object")
    fmt = sidecar.get("format_version")
    if fmt != FORMAT_VERSION:
        raise ModelError(
            f"the model at {model_dir}/ has format {fmt!r} but this version of Pulse Curator "
            f"reads format {FORMAT_VERSION}: run `curator train` to rebuild it"
        )
    written_by = str(sidecar.get("sklearn_version", "unknown"))
    installed = _sklearn_version()
    if installed is not None and _major_minor(written_by) != _major_minor(installed):
        raise ModelError(
            f"the model at {model_dir}/ was written with scikit-learn {written_by} but "
            f"scikit-learn {installed} is installed: run `curator train` to rebuild it "
            f"(or install scikit-learn {_major_minor(written_by)}.x)"
        )
    return sidecar, model_dir / str(sidecar.get("skops_file", f"{stem}.skops"))


def _verify(model_dir: Path, path: Path, expected: object) -> None:
    try:
        digest = _sha256(path)
    except OSError as exc:
        raise _missing(model_dir, f"{path.name} is missing") from exc
    if digest != expected:
        raise _missing(model_dir, f"{path.name} is corrupt: its hash does not match")


def _thresholds(sidecar: dict[str, Any]) -> Thresholds:
    t = sidecar["thresholds"]
    return Thresholds(
        relevant=float(t["relevant"]),
        uncertain_low=float(t["uncertain_low"]),
        uncertain_high=float(t["uncertain_high"]),
        min_sector_confidence=float(t.get("min_sector_confidence", 0.5)),
    )


def load(model_dir: Path, *, use_sklearn: bool = False) -> Classifier:
    """Load the current model; every failure is a :class:`ModelError` saying what to do.

    By default the classifier predicts with the compiled model (``<stem>.npz``): scikit-learn
    is never imported. Both files' hashes are checked. ``use_sklearn=True`` predicts with the
    scikit-learn objects of the ``.skops`` file instead (see :func:`load_heads`).
    """
    from curator.classify import compiled as compiled_io

    sidecar, skops_path = read_sidecar(model_dir)
    _verify(model_dir, skops_path, sidecar.get("skops_sha256"))
    if use_sklearn:
        heads: Heads | CompiledModel = load_heads(model_dir)
    else:
        name = sidecar.get("compiled_file")
        if not isinstance(name, str) or not name:
            raise _missing(model_dir, "the sidecar names no compiled model file")
        fmt = sidecar.get("compiled_format")
        if fmt != compiled_io.COMPILED_FORMAT:
            raise ModelError(
                f"the compiled model at {model_dir}/ has format {fmt!r} but this version of "
                f"Pulse Curator reads format {compiled_io.COMPILED_FORMAT}: run `curator train` "
                "to rebuild it"
            )
        compiled_path = model_dir / name
        _verify(model_dir, compiled_path, sidecar.get("compiled_sha256"))
        try:
            heads = compiled_io.read(compiled_path)
        except (OSError, CompileError) as exc:
            raise _missing(model_dir, f"{compiled_path.name} could not be read: {exc}") from exc
    try:
        thresholds = _thresholds(sidecar)
        version = str(sidecar["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise _missing(model_dir, f"the sidecar is corrupt: bad {exc}") from exc
    return Classifier(heads, thresholds, version, sidecar)


def load_heads(model_dir: Path) -> Heads:
    """The scikit-learn objects of the current model (``<stem>.skops``), for training-side
    tooling. Imports scikit-learn; types outside :data:`ALLOWED_TYPES` are never loaded."""
    import skops.io as sio

    sidecar, skops_path = read_sidecar(model_dir)
    _verify(model_dir, skops_path, sidecar.get("skops_sha256"))
    try:
        untrusted = sio.get_untrusted_types(file=skops_path)
        unexpected = sorted(set(untrusted) - ALLOWED_TYPES)
        if unexpected:
            raise ModelError(
                f"refusing to load {skops_path}: it contains types outside the allow-list "
                f"({', '.join(unexpected)}): run `curator train` to rebuild it"
            )
        payload = sio.load(skops_path, trusted=list(untrusted))
    except ModelError:
        raise
    except Exception as exc:  # skops raises many types for a damaged file
        raise _missing(model_dir, f"{skops_path.name} could not be read: {exc}") from exc
    if not isinstance(payload, dict) or not {"vectorizers", "relevance", "sector"} <= set(payload):
        raise _missing(model_dir, f"{skops_path.name} does not hold a Pulse Curator model")
    return Heads(
        vectorizers=payload["vectorizers"],
        relevance=payload["relevance"],
        sector=payload["sector"],
        category=payload.get("category", "reports"),
    )
