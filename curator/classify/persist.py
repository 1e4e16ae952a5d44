"""Save and load a model: files, pointer, sidecar, checks.

Files in the model directory (written beside the old ones, then swapped by replacing the
one-line ``current`` pointer with ``os.replace``, so a reader never sees half a model):

* ``current``: the stem of the model in use, e.g. ``classifier-20261126T1140Z-1a2b3c4d``;
* ``<stem>.skops``: the fitted scikit-learn objects (skops format: loading runs no pickle code),
  the vectorizers' vocabularies beside them as arrays (:mod:`curator.classify.vocab_io`), read
  only by training-side tooling (:func:`load_heads`);
* ``<stem>.npz``: the same model compiled to plain arrays (:mod:`curator.classify.compiled`):
  what :func:`load` reads, so predicting never imports scikit-learn (~170 MB less memory);
* ``<stem>.json``: the sidecar (:class:`~curator.classify.types.Sidecar`): format version,
  scikit-learn version, thresholds, lanes, hashes of the ``.skops`` and ``.npz`` files, training
  counts. Checked before either file is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from curator.classify import vocab_io
from curator.classify.classifier import Classifier
from curator.classify.compiled import CompiledModel, CompileError
from curator.classify.compiled_io import (
    COMPILED_FORMAT,
    compile_heads,
    read_compiled,
    write_compiled,
)
from curator.classify.fit import SklearnScorer, score
from curator.classify.types import ClassifyInput, Heads, Scorer, Sidecar
from curator.errors import ModelError

if TYPE_CHECKING:
    from curator.classify.trainer import TrainResult

#: Bump when the saved layout changes; a model with another format is refused with a clear error.
FORMAT_VERSION = 3  # 2: adds the compiled ``.npz`` model; 3: vocabularies as arrays (vocab_io)
#: The formats this version reads: a format-2 ``.skops`` file keeps its vocabularies inside the
#: vectorizers, and prediction reads neither.
READABLE_FORMATS = frozenset({2, 3})
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
    heads = result.heads
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


def skops_payload(heads: Heads) -> dict[str, Any]:
    """What the ``.skops`` file holds: the heads, and the vectorizers with their vocabularies
    beside them as arrays (:mod:`curator.classify.vocab_io`)."""
    vectorizers, vocabularies = vocab_io.split(heads.vectorizers)
    return {
        "vectorizers": vectorizers,
        "vocabularies": vocabularies,
        "relevance": heads.relevance,
        "sector": heads.sector,
        "category": heads.category,
    }


def save(result: TrainResult, model_dir: Path, metadata: dict[str, Any] | None = None) -> Path:
    """Write the model beside the old one and swap the ``current`` pointer atomically.

    Writes ``<stem>.skops`` (scikit-learn objects), ``<stem>.npz`` (the compiled model, checked
    against scikit-learn first) and the ``<stem>.json`` sidecar. Returns the path of the new
    ``.skops`` file. Models older than the previous one are removed.
    """
    import sklearn
    import skops
    import skops.io as sio

    compiled = compile_checked(result)
    model_dir.mkdir(parents=True, exist_ok=True)
    classifier = result.classifier
    stem = _stem(classifier.version)
    heads = result.heads
    payload = skops_payload(heads)
    skops_path = model_dir / f"{stem}.skops"
    compiled_path = model_dir / f"{stem}.npz"
    json_path = model_dir / f"{stem}.json"
    with tempfile.TemporaryDirectory(dir=model_dir, prefix=".tmp-") as tmp:
        tmp_skops = Path(tmp) / skops_path.name
        # deflated: only training-side tooling reads it
        sio.dump(payload, tmp_skops, compression=zipfile.ZIP_DEFLATED)
        untrusted = set(sio.get_untrusted_types(file=tmp_skops))
        unexpected = untrusted - ALLOWED_TYPES
        if unexpected:
            raise ModelError(
                f"the fitted model holds types outside the load allow-list: {sorted(unexpected)}"
            )
        tmp_compiled = Path(tmp) / compiled_path.name
        write_compiled(compiled, tmp_compiled)
        sidecar = Sidecar.from_json(
            {
                **result.extra,
                **(metadata or {}),
                "format_version": FORMAT_VERSION,
                "version": classifier.version,
                "sklearn_version": str(sklearn.__version__),
                "skops_version": str(skops.__version__),
                "trained_at": result.trained_at.isoformat(),
                "data_hash": result.data_hash,
                "skops_file": skops_path.name,
                "skops_sha256": _sha256(tmp_skops),
                "compiled_file": compiled_path.name,
                "compiled_format": COMPILED_FORMAT,
                "compiled_sha256": _sha256(tmp_compiled),
                "thresholds": asdict(classifier.thresholds),
                "config": asdict(result.config),
            }
        ).to_json()
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


def _in_folder(model_dir: Path, name: object, what: str) -> Path:
    """``model_dir / name`` for a plain file name; a name with a folder in it (``../x``, an
    absolute path) would read a file outside the model folder, so it is refused."""
    if not isinstance(name, str) or not name or name in (".", "..") or Path(name).name != name:
        raise _missing(model_dir, f"{what} {name!r} is not a file name in the model folder")
    return model_dir / name


def _missing(model_dir: Path, detail: str = "") -> ModelError:
    extra = f" ({detail})" if detail else ""
    return ModelError(f"no model at {model_dir}/{extra}: run `curator train`")


def read_sidecar(model_dir: Path) -> tuple[Sidecar, Path]:
    """The current model's sidecar (validated) and the path of its ``.skops`` file.

    Never imports scikit-learn: its installed version is read from the package metadata.
    """
    stem = _read_pointer(model_dir)
    if stem is None:
        raise _missing(model_dir)
    json_path = _in_folder(model_dir, f"{stem}.json", f"{POINTER} names")
    try:
        raw = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _missing(model_dir, f"{json_path.name} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _missing(model_dir, f"{json_path.name} is corrupt: {exc}") from exc
    if not isinstance(raw, dict):
        raise _missing(model_dir, f"{json_path.name} is corrupt: not a JSON object")
    fmt = raw.get("format_version")
    if fmt not in READABLE_FORMATS:
        readable = " or ".join(str(f) for f in sorted(READABLE_FORMATS))
        raise ModelError(
            f"the model at {model_dir}/ has format {fmt!r} but this version of Pulse Curator "
            f"reads format {readable}: run `curator train` to rebuild it"
        )
    written_by = str(raw.get("sklearn_version", "unknown"))
    installed = _sklearn_version()
    if installed is not None and _major_minor(written_by) != _major_minor(installed):
        raise ModelError(
            f"the model at {model_dir}/ was written with scikit-learn {written_by} but "
            f"scikit-learn {installed} is installed: run `curator train` to rebuild it "
            f"(or install scikit-learn {_major_minor(written_by)}.x)"
        )
    try:
        sidecar = Sidecar.from_json(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise _missing(model_dir, f"the sidecar is corrupt: bad {exc}") from exc
    return sidecar, _in_folder(model_dir, sidecar.skops_file, "the sidecar's skops_file")


def _verify(model_dir: Path, path: Path, expected: object) -> None:
    try:
        digest = _sha256(path)
    except OSError as exc:
        raise _missing(model_dir, f"{path.name} is missing") from exc
    if digest != expected:
        raise _missing(model_dir, f"{path.name} is corrupt: its hash does not match")


def load(model_dir: Path, *, use_sklearn: bool = False) -> Classifier:
    """Load the current model; every failure is a :class:`ModelError` saying what to do.

    By default the classifier predicts with the compiled model (``<stem>.npz``): scikit-learn
    is never imported. Both files' hashes are checked. ``use_sklearn=True`` predicts with the
    scikit-learn objects of the ``.skops`` file instead (see :func:`load_heads`).
    """
    sidecar, skops_path = read_sidecar(model_dir)
    _verify(model_dir, skops_path, sidecar.skops_sha256)
    scorer: Scorer
    if use_sklearn:
        scorer = SklearnScorer(load_heads(model_dir))
    else:
        name = sidecar.compiled_file
        if not isinstance(name, str) or not name:
            raise _missing(model_dir, "the sidecar names no compiled model file")
        compiled_path = _in_folder(model_dir, name, "the sidecar's compiled_file")
        fmt = sidecar.compiled_format
        if fmt != COMPILED_FORMAT:
            raise ModelError(
                f"the compiled model at {model_dir}/ has format {fmt!r} but this version of "
                f"Pulse Curator reads format {COMPILED_FORMAT}: run `curator train` "
                "to rebuild it"
            )
        _verify(model_dir, compiled_path, sidecar.compiled_sha256)
        try:
            scorer = read_compiled(compiled_path)
        except (OSError, CompileError) as exc:
            raise _missing(model_dir, f"{compiled_path.name} could not be read: {exc}") from exc
    return Classifier(scorer, sidecar.thresholds, sidecar.version, sidecar=sidecar)


def load_heads(model_dir: Path) -> Heads:
    """The scikit-learn objects of the current model (``<stem>.skops``), for training-side
    tooling. Imports scikit-learn; types outside :data:`ALLOWED_TYPES` are never loaded."""
    import skops.io as sio

    sidecar, skops_path = read_sidecar(model_dir)
    _verify(model_dir, skops_path, sidecar.skops_sha256)
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
    try:
        vocab_io.restore(payload["vectorizers"], payload.get("vocabularies", {}))
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise _missing(model_dir, f"{skops_path.name} holds a damaged vocabulary: {exc}") from exc
    return Heads(
        vectorizers=payload["vectorizers"],
        relevance=payload["relevance"],
        sector=payload["sector"],
        category=payload.get("category", "reports"),
    )
