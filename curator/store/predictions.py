"""Predictions: stored as the model makes them, read back as the newest one of each item.

Every prediction ever made is kept, with the model version that made it (a retrained model
predicts again; nothing is overwritten), so "the prediction of an item" is its newest row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select

from curator.records import Prediction
from curator.store.schema import predictions

#: Built once: a poll stores predictions for every batch of sources (SQLAlchemy then compiles
#: it once and need not build and hash a new statement each time).
_INSERT = insert(predictions)


def _row(item_id: int, p: Prediction, now: datetime) -> dict[str, object]:
    return {
        "item_id": item_id,
        "model_version": p.model_version,
        "relevant": p.relevant,
        "relevance": p.relevance,
        "sector": p.sector,
        "sector_confidence": p.sector_confidence,
        "category": p.category,
        "category_confidence": p.category_confidence,
        "uncertain": p.uncertain,
        "created_at": now,
    }


def add_predictions(
    conn: Connection, predicted: Sequence[tuple[int, Prediction]], now: datetime
) -> None:
    """Store each ``(item id, prediction)`` made at ``now``: one executemany, not a row each."""
    if not predicted:
        return
    conn.execute(_INSERT, [_row(item_id, p, now) for item_id, p in predicted])


@dataclass(frozen=True)
class StoredPrediction(Prediction):
    """A prediction as stored: for which item, and when it was made."""

    item_id: int
    created_at: datetime

    def prediction(self) -> Prediction:
        """The prediction alone, without where and when it was stored."""
        return Prediction(**{name: getattr(self, name) for name in _PREDICTION_FIELDS})


_PREDICTION_FIELDS = tuple(Prediction.__dataclass_fields__)

#: Ids per statement: a page of cards is one query; a longer list (a poll's candidates) is a few,
#: kept well under SQLite's limit on bound parameters.
CHUNK = 500

_COLUMNS = [predictions.c[name] for name in StoredPrediction.__dataclass_fields__]

# The newest row of each item asked for, and only of those: the GROUP BY runs over the
# (item_id, id) index entries of the ids given, never over the whole table (which holds a row
# per item ever classified, and more after each retrain).
_LATEST = select(*_COLUMNS).where(
    predictions.c.id.in_(
        select(func.max(predictions.c.id))
        .where(predictions.c.item_id.in_(bindparam("ids", expanding=True)))
        .group_by(predictions.c.item_id)
    )
)


def latest_predictions(conn: Connection, item_ids: Iterable[int]) -> dict[int, StoredPrediction]:
    """The newest prediction of each of ``item_ids`` that has one, by item id."""
    ids = sorted(set(item_ids))
    out: dict[int, StoredPrediction] = {}
    for start in range(0, len(ids), CHUNK):
        for row in conn.execute(_LATEST, {"ids": ids[start : start + CHUNK]}):
            pred = StoredPrediction(**row._mapping)
            out[pred.item_id] = pred
    return out


def store_prediction(conn: Connection, item_id: int, prediction: Prediction, now: datetime) -> None:
    """Keep one prediction of ``item_id`` (the poll stores a batch of them its own way)."""
    conn.execute(_INSERT, _row(item_id, prediction, now))
