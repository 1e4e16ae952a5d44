"""The review queue, the outbox and the audit export with a long history behind them.

    .venv/bin/python -m benchmarks.queue [--items 100000] [--decided 20000] [--repeat 50]
                                         [--url postgresql+psycopg://…]

Builds a database (a fresh SQLite file in a temporary folder, or the empty database at
``--url``) holding ``--items`` queued candidates, each with a prediction (half of them with a
second one, from a retrained model) and an outbox row, all posted but the newest 50; and
``--decided`` accepted or rejected items with one decision each. Rows are written straight into
the tables in bulk (what a year of polling leaves behind, built in seconds; the history
benchmark builds one through the poll's own code); PostgreSQL is then vacuumed and analysed, as
autovacuum would after such a load. Then it measures:

- ``curator review``: seconds from start until the first card is on screen, and the process's
  peak RSS (it quits at once);
- ``curator decisions export --format jsonl``: seconds and peak RSS for the whole audit trail;
- in process, the median of ``--repeat`` calls: the newest predictions of 20 candidates (what
  a ``curator run`` tick prints without Slack), the outbox claim of the next pending card, and
  the pending count (every tick refreshes it).

It prints a Markdown table; nothing is written to RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from benchmarks.common import curator_env, machine
from benchmarks.measure import median_ms, run_curator
from curator.store.db import open_engine
from curator.store.schema import decisions, items, outbox, predictions

CHANNEL = "C0BENCH"
PENDING = 50
BATCH = 5000
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _item(n: int, status: str) -> dict[str, Any]:
    return {
        "source_id": f"source-{n % 100}",
        "publisher": f"Publisher {n % 100}",
        "title": f"Publication number {n} on services for children and adults",
        "title_key": f"publication number {n} on services for children and adults",
        "url": f"https://example.org/publications/{n}",
        "canonical_url": f"https://example.org/publications/{n}",
        "summary": "A summary of a few sentences, as a feed gives it. " * 4,
        "published_at": T0 + timedelta(minutes=5 * n),
        "first_seen_at": T0 + timedelta(minutes=5 * n),
        "status": status,
        "version": 1,
    }


def _prediction(item_id: int, version: str) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "model_version": version,
        "relevant": True,
        "relevance": 0.5 + (item_id % 50) / 100,
        "sector": ("adult_social_care_health", "children_young_people", "criminal_justice")[
            item_id % 3
        ],
        "sector_confidence": 0.7,
        "category": ("reports", "briefings", "tools_guidance")[item_id % 3],
        "category_confidence": 0.6,
        "uncertain": item_id % 7 == 0,
        "created_at": T0,
    }


def build(engine: Engine, queued: int, decided: int) -> list[int]:
    """Fill the tables; returns the ids of the queued items."""
    with engine.connect() as conn:
        if conn.execute(select(items.c.id).limit(1)).first() is not None:
            sys.exit("the database is not empty: give an empty one (or no --url)")
    for start in range(0, queued + decided, BATCH):
        stop = min(start + BATCH, queued + decided)
        rows = [
            _item(n, "queued" if n < queued else ("accepted", "rejected")[n % 2])
            for n in range(start, stop)
        ]
        with engine.begin() as conn:
            conn.execute(insert(items), rows)
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(select(items.c.id).order_by(items.c.id)).scalars()]
    queued_ids, decided_ids = ids[:queued], ids[queued:]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        preds = [_prediction(i, "m1") for i in chunk]
        preds += [_prediction(i, "m2") for i in chunk if i % 2 == 0]
        with engine.begin() as conn:
            conn.execute(insert(predictions), preds)
    for start in range(0, queued, BATCH):
        chunk = queued_ids[start : start + BATCH]
        rows = [
            {
                "item_id": i,
                "channel": CHANNEL,
                "status": "pending" if i > queued_ids[-1 - PENDING] else "posted",
                "attempts": 0 if i > queued_ids[-1 - PENDING] else 1,
                "next_attempt_at": T0,
                "message_ts": None if i > queued_ids[-1 - PENDING] else f"{i}.000100",
                "created_at": T0,
            }
            for i in chunk
        ]
        with engine.begin() as conn:
            conn.execute(insert(outbox), rows)
    for start in range(0, decided, BATCH):
        chunk = decided_ids[start : start + BATCH]
        rows = [
            {
                "item_id": i,
                "action": ("accept", "reject")[i % 2],
                "sector": "criminal_justice",
                "category": "reports",
                "user_id": "U0EDITOR",
                "user_name": "editor",
                "via": "slack",
                "previous_state": {"status": "queued", "sector": None, "category": None},
                "created_at": T0 + timedelta(minutes=i),
            }
            for i in chunk
        ]
        with engine.begin() as conn:
            conn.execute(insert(decisions), rows)
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load: without statistics the planner guesses.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return queued_ids


def measure(engine: Engine, url: str, queued_ids: list[int], repeat: int) -> list[str]:
    from curator.store.outbox import oldest_due, pending_count
    from curator.store.predictions import latest_predictions

    env = curator_env(CURATOR_DATABASE_URL=url, USER="bench")
    review_s, review_mb = run_curator(["review"], env, until="[1/")
    export = ["decisions", "export", "--format", "jsonl", "--out", os.devnull]
    export_s, export_mb = run_curator(export, env)
    now = T0 + timedelta(days=1)
    candidates = queued_ids[-20:]
    with engine.connect() as conn:
        latest_ms = median_ms(lambda: latest_predictions(conn, candidates), repeat)
        claim_ms = median_ms(lambda: oldest_due(conn, CHANNEL, now), repeat)
        count_ms = median_ms(lambda: pending_count(conn, CHANNEL), repeat)
    return [
        "| measure | result |",
        "|---|---|",
        f"| `curator review`: first card on screen | {review_s:.2f} s, {review_mb:.0f} MB |",
        f"| `curator decisions export --format jsonl` | {export_s:.2f} s, {export_mb:.0f} MB |",
        f"| newest predictions of 20 candidates (median) | {latest_ms:.2f} ms |",
        f"| outbox: read the next card to claim (median) | {claim_ms:.2f} ms |",
        f"| outbox: pending count (median) | {count_ms:.2f} ms |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="queued candidates")
    parser.add_argument("--decided", type=int, default=20_000, help="decided items")
    parser.add_argument("--repeat", type=int, default=50, help="calls per in-process median")
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'curator.db'}"
        engine = open_engine(url)
        try:
            start = time.perf_counter()
            queued_ids = build(engine, args.items, args.decided)
            built = time.perf_counter() - start
            lines = measure(engine, url, queued_ids, args.repeat)
        finally:
            engine.dispose()
    backend = url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"{args.items:,} queued candidates ({PENDING} cards pending, the rest posted), "
        f"{args.decided:,} decisions, on {backend} (built in {built:.0f} s)."
    )
    print(machine())
    print("\n".join(lines))


if __name__ == "__main__":
    main()
