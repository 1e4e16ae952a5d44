"""Reading predictions back: the newest one of each item asked for.

Every prediction ever made is kept, with the model version that made it (a retrained model
predicts again; nothing is overwritten), so "the prediction of an item" is its newest row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select

from curator.records import Prediction
from curator.store.schema import predictions


@dataclass(frozen=True)
class StoredPrediction:
    item_id: int
    model_version: str
    relevant: bool
    relevance: float
    sector: str
    sector_confidence: float
    category: str
    category_confidence: float
    uncertain: bool
    created_at: datetime


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
    conn.execute(
        insert(predictions).values(
            item_id=item_id,
            model_version=prediction.model_version,
            relevant=prediction.relevant,
            relevance=prediction.relevance,
            sector=prediction.sector,
            sector_confidence=prediction.sector_confidence,
            category=prediction.category,
            category_confidence=prediction.category_confidence,
            uncertain=prediction.uncertain,
            created_at=now,
        )
    )
