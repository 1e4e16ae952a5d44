"""Small helpers that put rows in a test database through the real tables."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from curator.store.schema import items

_counter = itertools.count(1)


def add_item(engine: Engine, **overrides: Any) -> int:
    n = next(_counter)
    row: dict[str, Any] = {
        "source_id": "dhsc",
        "publisher": "Department of Health and Social Care",
        "title": f"Making prevention everyone's business {n}",
        "title_key": f"making prevention everyone s business {n}",
        "url": f"https://www.gov.uk/government/publications/example-{n}",
        "canonical_url": f"https://gov.uk/government/publications/example-{n}",
        "summary": "A report on prevention.",
        "first_seen_at": datetime(2024, 6, 3, 9, tzinfo=UTC),
        "status": "queued",
        "sector": None,
        "category": None,
    }
    row.update(overrides)
    with engine.begin() as conn:
        return int(conn.execute(insert(items).values(**row).returning(items.c.id)).scalar_one())


def add_prediction(engine: Engine, item_id: int, **overrides: Any) -> None:
    """Store a prediction for ``item_id`` as the poll would (model version ``m1``)."""
    from curator.store.schema import predictions

    row: dict[str, Any] = {
        "item_id": item_id,
        "model_version": "m1",
        "relevant": True,
        "relevance": 0.9,
        "sector": "criminal_justice",
        "sector_confidence": 0.8,
        "category": "reports",
        "category_confidence": 0.7,
        "uncertain": False,
        "created_at": datetime(2024, 6, 3, 9, tzinfo=UTC),
    }
    row.update(overrides)
    with engine.begin() as conn:
        conn.execute(predictions.insert().values(**row))
