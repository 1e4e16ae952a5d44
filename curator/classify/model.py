"""Fit, predict, save and load the three-headed classifier (relevant?, sector, category).

Model: sparse features from :mod:`curator.classify.features` feeding three L2-regularised
logistic regressions (class-balanced, sample-weighted so editors' decisions count most). The
relevance threshold is chosen on out-of-fold predictions grouped by publisher so that recall is
at least ``target_recall`` (missing a real report is worse than showing a dud, issue 3).

Files in the model directory (written beside the old ones, then swapped by replacing the
one-line ``current`` pointer with ``os.replace``, so a reader never sees half a model):

* ``current``: the stem of the model in use, e.g. ``classifier-20261126T1140Z-1a2b3c4d``;
* ``<stem>.skops``: the fitted scikit-learn objects (skops format: loading runs no pickle code);
* ``<stem>.json``: the sidecar: format version, scikit-learn version, thresholds, hash of the
  ``.skops`` file, training counts. Checked before the ``.skops`` file is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from curator.classify import ClassifyInput
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
from curator.errors import ModelError
from curator.records import Prediction

#: Bump when the saved layout changes; a model with another format is refused with a clear error.
FORMAT_VERSION = 1
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


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters (chosen with ``curator eval``; see models/MODEL_CARD.md)."""

    c_relevance: float = 3.0
    c_sector: float = 10.0
    c_category: float = 10.0
    target_recall: float = 0.96  # a margin so that held-out recall stays >= 0.95 (issue 3)
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


def score(heads: Heads, inputs: Sequence[ClassifyInput]) -> Scores:
    """Raw scores for ``inputs`` (no thresholds applied)."""
    blocks = transform(heads.vectorizers, [prepare(i) for i in inputs])
    x = stack(blocks, LABEL_FIELDS)
    if isinstance(heads.relevance, str):
        relevance = np.full(x.shape[0], 1.0 if heads.relevance == "yes" else 0.0)
    else:
        yes = list(heads.relevance.classes_).index("yes")
        relevance = heads.relevance.predict_proba(stack(blocks, RELEVANCE_FIELDS))[:, yes]
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


def group_folds(rows: Sequence[TrainingRow], folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs with every publisher wholly on one side (GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    groups = [publisher_group(r.publisher) for r in rows]
    n_splits = min(folds, len(set(groups)))
    if n_splits < 2:
        raise ModelError("held-out evaluation needs rows from at least two publishers")
    splitter = GroupKFold(n_splits=n_splits)
    idx = np.arange(len(rows))
    return [(tr, te) for tr, te in splitter.split(idx, groups=groups)]


def out_of_fold_relevance(rows: Sequence[TrainingRow], config: ModelConfig) -> np.ndarray:
    """Relevance scores for each row from a model that never saw its publisher."""
    oof = np.zeros(len(rows))
    for train_idx, test_idx in group_folds(rows, config.folds):
        heads = fit_heads([rows[i] for i in train_idx], config)
        oof[test_idx] = score(heads, [rows[i].as_input() for i in test_idx]).relevance
    return oof


class Classifier:
    """A loaded model. ``predict`` is pure computation (no I/O) and thread-safe."""

    def __init__(
        self,
        heads: Heads,
        thresholds: Thresholds,
        version: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.heads = heads
        self.thresholds = thresholds
        self.version = version
        self.metadata = metadata or {}

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]:
        if not inputs:
            return []
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
    oof_relevance: np.ndarray
    config: ModelConfig
    data_hash: str
    trained_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


def train(
    rows: Sequence[TrainingRow], config: ModelConfig | None = None, *, now: datetime | None = None
) -> TrainResult:
    """Fit the final model on all ``rows``; thresholds come from grouped out-of-fold scores."""
    config = config or ModelConfig()
    rows = list(rows)
    oof = out_of_fold_relevance(rows, config)
    thresholds = choose_thresholds([r.relevant for r in rows], oof, config.target_recall)
    heads = fit_heads(rows, config)
    trained_at = (now or datetime.now(UTC)).astimezone(UTC).replace(second=0, microsecond=0)
    digest = data_hash(rows)
    version = f"{trained_at:%Y-%m-%dT%H:%MZ}-{digest[:8]}"
    classifier = Classifier(heads, thresholds, version)
    return TrainResult(classifier, rows, oof, config, digest, trained_at)


# ------------------------------------------------------------------------------------------
# Persistence
# ------------------------------------------------------------------------------------------


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stem(version: str) -> str:
    return "classifier-" + version.replace(":", "").replace("-", "", 2)


def save(result: TrainResult, model_dir: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write the model beside the old one and swap the ``current`` pointer atomically.

    Returns the path of the new ``.skops`` file. Models older than the previous one are removed.
    """
    import skops
    import skops.io as sio

    model_dir.mkdir(parents=True, exist_ok=True)
    classifier = result.classifier
    stem = _stem(classifier.version)
    heads = classifier.heads
    payload = {
        "vectorizers": heads.vectorizers,
        "relevance": heads.relevance,
        "sector": heads.sector,
        "category": heads.category,
    }
    skops_path = model_dir / f"{stem}.skops"
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
        sidecar = {
            "format_version": FORMAT_VERSION,
            "version": classifier.version,
            "sklearn_version": _sklearn_version(),
            "skops_version": str(skops.__version__),
            "trained_at": result.trained_at.isoformat(),
            "data_hash": result.data_hash,
            "skops_file": skops_path.name,
            "skops_sha256": _sha256(tmp_skops),
            "thresholds": asdict(classifier.thresholds),
            "config": asdict(result.config),
            **(metadata or {}),
        }
        tmp_json = Path(tmp) / json_path.name
        tmp_json.write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp_pointer = Path(tmp) / POINTER
        tmp_pointer.write_text(stem + "\n", encoding="utf-8")
        os.replace(tmp_skops, skops_path)
        os.replace(tmp_json, json_path)
        previous = _read_pointer(model_dir)
        os.replace(tmp_pointer, model_dir / POINTER)  # the swap: readers now see the new model
    keep = {stem, previous}
    for old in model_dir.glob("classifier-*"):
        if old.name.rsplit(".", 1)[0] not in keep:
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
    """The current model's sidecar (validated) and the path of its ``.skops`` file."""
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
    if _major_minor(written_by) != _major_minor(installed):
        raise ModelError(
            f"the model at {model_dir}/ was written with scikit-learn {written_by} but "
            f"scikit-learn {installed} is installed: run `curator train` to rebuild it "
            f"(or install scikit-learn {_major_minor(written_by)}.x)"
        )
    return sidecar, model_dir / str(sidecar.get("skops_file", f"{stem}.skops"))


def load(model_dir: Path) -> Classifier:
    """Load the current model; every failure is a :class:`ModelError` saying what to do."""
    import skops.io as sio

    sidecar, skops_path = read_sidecar(model_dir)
    try:
        digest = _sha256(skops_path)
    except OSError as exc:
        raise _missing(model_dir, f"{skops_path.name} is missing") from exc
    if digest != sidecar.get("skops_sha256"):
        raise _missing(model_dir, f"{skops_path.name} is corrupt: its hash does not match")
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
    heads = Heads(
        vectorizers=payload["vectorizers"],
        relevance=payload["relevance"],
        sector=payload["sector"],
        category=payload.get("category", "reports"),
    )
    t = sidecar["thresholds"]
    thresholds = Thresholds(
        relevant=float(t["relevant"]),
        uncertain_low=float(t["uncertain_low"]),
        uncertain_high=float(t["uncertain_high"]),
        min_sector_confidence=float(t.get("min_sector_confidence", 0.5)),
    )
    return Classifier(heads, thresholds, str(sidecar["version"]), sidecar)
