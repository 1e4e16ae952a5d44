"""Candidates written to the log, for a ``curator run`` without Slack: one line each, for the
editors who triage them with ``curator review``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from curator.records import CATEGORIES, SECTORS
from curator.store.handles import Engine

log = logging.getLogger("curator.run")


def log_candidates(engine: Engine, item_ids: Sequence[int]) -> None:
    """Log each candidate with its publisher, title and predicted labels."""
    from curator.store.item_reads import items_by_id
    from curator.store.predictions import latest_predictions

    with engine.connect() as conn:
        rows = items_by_id(conn, item_ids)
        predicted = latest_predictions(conn, item_ids)
    for r in rows:
        pred = predicted.get(r.id)
        label = (
            f"{SECTORS.get(pred.sector, '?')} · {CATEGORIES.get(pred.category, '?')}"
            if pred
            else "not classified"
        )
        mark = " [needs a look]" if pred and pred.uncertain else ""
        log.info(
            "candidate #%d: %s. %s (%s)%s",
            r.id,
            r.publisher,
            r.title,
            label,
            mark,
            extra={"item_id": r.id},
        )
    log.info("%d candidates wait for `curator review`", len(rows))
