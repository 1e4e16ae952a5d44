"""Rebuild the model from the training files plus the editors' decisions (I/O shell).

Used by ``curator train`` and by ``curator run``'s nightly job (``retrain_if_needed``). A new
model is written beside the old one and swapped in atomically (``model.save``); predictions
already stored keep the version that made them: the pipeline records new predictions with the
new version (issue 3).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator.classify.data import TrainingRow, counts, data_hash, decisions_from_engine, load_files
from curator.errors import CuratorError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from curator.classify.model import TrainResult
    from curator.config import Settings


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


def train_and_write(
    rows: list[TrainingRow],
    *,
    database_rows: int,
    model_dir: Path,
    n_boot: int,
    command: str,
    now: datetime | None = None,
) -> tuple[TrainResult, dict[str, Any]]:
    """Fit, evaluate (held out), save the model, write ``MODEL_CARD.md`` and ``evaluation.json``."""
    from curator.classify.card import render
    from curator.classify.evaluate import evaluate
    from curator.classify.model import ModelConfig, read_sidecar, save, train

    config = ModelConfig()
    result = train(rows, config, now=now)
    report = evaluate(rows, config, n_boot=n_boot)
    save(result, model_dir, {"training_counts": counts(rows), "database_rows": database_rows})
    sidecar, _ = read_sidecar(model_dir)
    _write_atomic(model_dir / "MODEL_CARD.md", render(sidecar, report, command))
    _write_atomic(
        model_dir / "evaluation.json", json.dumps(report, indent=2, sort_keys=True) + "\n"
    )
    return result, report


def retrain_if_needed(
    engine: Engine, settings: Settings, *, now: datetime, n_boot: int = 200
) -> RetrainOutcome:
    """Retrain when the training data (files + editors' decisions) changed since the current
    model was built. Never raises for expected problems: the outcome says what happened."""
    from curator.classify.model import read_sidecar

    try:
        db_rows = decisions_from_engine(engine)
        rows = load_files(settings.training_dir) + db_rows
    except CuratorError as exc:
        return RetrainOutcome(False, f"not retrained: {exc}")
    try:
        sidecar, _ = read_sidecar(settings.model_dir)
        current = sidecar.get("data_hash")
    except CuratorError:
        current = None  # no usable model yet: build one
    if current == data_hash(rows):
        return RetrainOutcome(False, "training data unchanged since the current model")
    result, _ = train_and_write(
        rows,
        database_rows=len(db_rows),
        model_dir=settings.model_dir,
        n_boot=n_boot,
        command="curator run (nightly retrain)",
        now=now,
    )
    return RetrainOutcome(
        True,
        f"retrained on {len(rows)} rows ({len(db_rows)} editors' decisions)",
        result.classifier.version,
    )
