"""Rebuild the model from the training files plus the editors' decisions (I/O shell).

Used by ``curator train`` and by ``curator run``'s nightly job (``retrain_if_needed``). A new
model is written beside the old one and swapped in atomically (``model.save``); predictions
already stored keep the version that made them: the pipeline records new predictions with the
new version.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator.classify.data import TrainingRow, counts, data_hash, decisions_from_engine, load_files
from curator.errors import CuratorError

if TYPE_CHECKING:
    from curator.classify.select import PreviousSearch
    from curator.classify.trainer import TrainResult
    from curator.classify.types import EvaluationReport
    from curator.config import Settings
    from curator.store.handles import Engine


@dataclass(frozen=True)
class RetrainOutcome:
    swapped: bool
    reason: str
    version: str | None = None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


#: How far a held-out figure may fall before a retrained model is kept out: the cross-validated
#: estimates on a few hundred rows move by about this much between runs on the same data.
TOLERANCE = 0.02
COMPARED = ("relevance ROC-AUC", "sector macro-F1", "category macro-F1")


def regressions(new: Mapping[str, float | None], old: Mapping[str, float | None]) -> list[str]:
    """Pure: the held-out figures on which ``new`` is worse than ``old`` beyond TOLERANCE, and a
    recall that fell below the 95 % editors rely on."""
    out = []
    for key in COMPARED:
        n, o = new.get(key), old.get(key)
        if n is not None and o is not None and n < o - TOLERANCE:
            out.append(f"{key} {n:.3f} < {o:.3f}")
    n, o = new.get("recall at threshold"), old.get("recall at threshold")
    if n is not None and o is not None and n < 0.95 and n < o - TOLERANCE:
        out.append(f"recall at threshold {n:.3f} < {o:.3f}")
    return out


def previous_search(model_dir: Path) -> PreviousSearch | None:
    """The current model's relevance C and when it was searched for (``None`` without a usable
    model; a model from before the date was kept counts as searched when it was trained)."""
    from curator.classify.persist import read_sidecar
    from curator.classify.select import PreviousSearch

    try:
        sidecar, _ = read_sidecar(model_dir)
        search = sidecar.c_relevance_search or {}
        when = search.get("searched_at") or sidecar.trained_at
        return PreviousSearch(
            c=float(sidecar.config["c_relevance"]), searched_at=datetime.fromisoformat(when)
        )
    except (CuratorError, KeyError, TypeError, ValueError):
        return None


def _train_and_evaluate(
    rows: list[TrainingRow],
    n_boot: int,
    now: datetime | None,
    *,
    previous: PreviousSearch | None = None,
    cross_validate: bool = False,
) -> tuple[TrainResult, EvaluationReport]:
    """Train, then score the untouched test publishers with a model fitted on the development
    rows with train's own choices; with ``cross_validate`` also the nested cross-validated
    splits of ``curator eval`` (slow: a C search inside each fold)."""
    from curator.classify.evaluate import date_split, publisher_split, untouched_split
    from curator.classify.targets import TARGETS
    from curator.classify.trainer import train
    from curator.classify.types import ModelConfig

    config = ModelConfig()
    result = train(rows, config, now=now, previous=previous)
    report: EvaluationReport = {
        "test": untouched_split(
            rows,
            result.config,
            n_boot=n_boot,
            chosen=(result.config.c_relevance, result.oof_relevance),
            chosen_without_summary=result.oof_without_summary,
        ),
        "bootstrap_resamples": n_boot,
        "targets": TARGETS,
    }
    if cross_validate:
        dev = [rows[i] for i in result.dev_idx]
        report["by_publisher"] = publisher_split(dev, config, n_boot=n_boot)
        report["by_date"] = date_split(dev, config, n_boot=n_boot)
    return result, report


def _write(
    result: TrainResult,
    report: EvaluationReport,
    rows: list[TrainingRow],
    *,
    database_rows: int,
    model_dir: Path,
    command: str,
    window: Mapping[str, Any] | None = None,
) -> None:
    from curator.classify.card import render
    from curator.classify.persist import read_sidecar, save

    metadata = {"training_counts": counts(rows), "database_rows": database_rows}
    if window is not None:
        metadata["window"] = dict(window)
    save(result, model_dir, metadata)
    sidecar, _ = read_sidecar(model_dir)
    _write_atomic(model_dir / "MODEL_CARD.md", render(sidecar.to_json(), report, command))
    _write_atomic(
        model_dir / "evaluation.json", json.dumps(report, indent=2, sort_keys=True) + "\n"
    )


def train_and_write(
    rows: list[TrainingRow],
    *,
    database_rows: int,
    model_dir: Path,
    n_boot: int,
    command: str,
    now: datetime | None = None,
    search_c: bool = False,
    cross_validate: bool = False,
    window: Mapping[str, Any] | None = None,
) -> tuple[TrainResult, EvaluationReport]:
    """Fit, evaluate (held out), save the model, write ``MODEL_CARD.md`` and ``evaluation.json``.

    The current model's C is reused unless ``search_c`` or it was searched 7 or more days ago."""
    previous = None if search_c else previous_search(model_dir)
    result, report = _train_and_evaluate(
        rows, n_boot, now, previous=previous, cross_validate=cross_validate
    )
    _write(
        result,
        report,
        rows,
        database_rows=database_rows,
        model_dir=model_dir,
        command=command,
        window=window,
    )
    return result, report


def _current_headline(model_dir: Path) -> dict[str, float | None] | None:
    """The current model's figures on the untouched test publishers (its ``evaluation.json``):
    the fixed sample a retrained model is compared on."""
    from curator.classify.targets import headline

    try:
        report = json.loads((model_dir / "evaluation.json").read_text(encoding="utf-8"))
        if "skipped" in report["test"]:
            return None
        return headline(report["test"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def retrain_if_needed(
    engine: Engine, settings: Settings, *, now: datetime, n_boot: int = 200
) -> RetrainOutcome:
    """Retrain when the training data (files + the newest editors' decisions) changed since the
    current model was built, and swap the new model in only if it does no worse on the untouched
    test publishers than the current one did. The current model's C is reused while it is less
    than a week old. Never raises for expected problems: the outcome says what
    happened."""
    from curator.classify.persist import read_sidecar
    from curator.classify.targets import headline

    try:
        decided = decisions_from_engine(engine)
        rows = load_files(settings.training_dir) + decided.rows
    except CuratorError as exc:
        return RetrainOutcome(False, f"not retrained: {exc}")
    try:
        sidecar, _ = read_sidecar(settings.model_dir)
        current: str | None = sidecar.data_hash
    except CuratorError:
        current = None  # no usable model yet: build one
    if current == data_hash(rows):
        return RetrainOutcome(False, "training data unchanged since the current model")
    previous = previous_search(settings.model_dir)
    result, report = _train_and_evaluate(rows, n_boot, now, previous=previous)
    old = _current_headline(settings.model_dir) if current is not None else None
    worse = (
        regressions(headline(report["test"]), old)
        if old and "skipped" not in report["test"]
        else []
    )
    if worse:
        return RetrainOutcome(
            False,
            "kept the current model: the retrained one is worse on held-out data ("
            + "; ".join(worse)
            + ")",
            result.classifier.version,
        )
    _write(
        result,
        report,
        rows,
        database_rows=len(decided.rows),
        model_dir=settings.model_dir,
        command="curator run (nightly retrain)",
        window=decided.window(),
    )
    return RetrainOutcome(
        True,
        f"retrained on {len(rows)} rows ({len(decided.rows)} editors' decisions)",
        result.classifier.version,
    )
