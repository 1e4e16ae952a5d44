"""Full-text search at scale: build N items, then time ``search_items`` (``curator find``).

    .venv/bin/python -m benchmarks.search [--items 1000000] [--repeat 7] [--db PATH] [--record]
    CURATOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m benchmarks.search --items 1000000 --record

Target (archive search): one search under 200 ms at a million items, on SQLite and PostgreSQL.

Items are made from the real publications in data/training (titles, summaries, publishers), each
with some words swapped for words drawn from all those titles (so common words stay as common as
in real titles) and a year or series suffix; every item has a prediction and a lane (70% quiet,
20% digest, 10% card), dates spread over five years with ids roughly in date order (a backfill
now and then stores old items late). They go in through the migrated schema in batches of
executemany, so the database's own triggers or generated column index them as in production.

SQLite: a fresh file in a temporary directory (``--db PATH`` keeps it and reuses it when it
already holds the items). PostgreSQL (``CURATOR_DATABASE_URL``): a fresh schema, dropped at the
end (``--schema NAME`` keeps it and reuses it likewise). Each query runs once cold (first run,
after building), then ``--repeat`` times; p50 and p95 are over every timed run of every query.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import append_results, machine, training_rows, vary

#: (label, query, filters): rare and common words, several words, a prefix, filters.
QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("one rare word", "loneliness", {}),
    ("two words", "youth justice", {}),
    ("three words", "children social care", {}),
    ("prefix of the last word", "safeguard", {}),
    ("three-letter prefix", "chi", {}),
    ("word, then a prefix", "care hom", {}),
    ("common word", "report", {}),
    ("very common word", "care", {}),
    ("publisher name", "ofsted", {}),
    ("quiet lane", "prison inspection", {"lane": "quiet"}),
    ("since a year ago", "mental health", {"since_days": 365}),
    ("common words seldom together", "prison dementia", {}),
    ("common word in the card lane", "care", {"lane": "card"}),
    ("rare word, card lane, last year", "loneliness", {"lane": "card", "since_days": 365}),
    ("no match", "xylophonic zeppelins", {}),
    ("hostile input", '"NEAR(care* -home) AND OR"', {}),
]
#: The item the benchmark must find (a quiet item, by a word of its title).
NEEDLE = "Quokka welfare standards in secure children's homes"
LANES = ["quiet"] * 7 + ["digest"] * 2 + ["card"]
BATCH = 10_000
#: New items stored to measure what keeping the index costs each write.
WRITE_ITEMS = 20_000
START = datetime(2021, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=5 * 365)


def _rows(n: int, seed: int = 7) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(item row, prediction row) for items 1..n, deterministic for a given seed."""
    rng = random.Random(seed)
    seeds = [
        {"title": r["title"], "summary": r.get("summary") or "", "publisher": r["publisher"]}
        for r in training_rows()
    ]
    pool = [w for s in seeds for w in s["title"].split()]
    suffixes = [
        "",
        "",
        "",
        " 2023/24",
        " 2024 to 2025",
        " (England)",
        ": quarterly update",
        " – annual report",
        ": summary",
        " (Wales)",
    ]
    step = SPAN / n
    for i in range(1, n + 1):
        base = rng.choice(seeds)
        title = vary(rng, base["title"].split(), pool, 0.3) + rng.choice(suffixes)
        summary = vary(rng, base["summary"][:400].split(), pool, 0.2)
        if i == n // 2:
            title, summary = NEEDLE, "A review of standards."
        seen = START + step * i
        # a backfill now and then: published well before it was first seen
        back = timedelta(days=rng.randrange(30, 900)) if rng.random() < 0.05 else timedelta(0)
        hours = timedelta(hours=rng.randrange(48))
        published = None if rng.random() < 0.03 else seen - back - hours
        lane = "quiet" if i == n // 2 else rng.choice(LANES)
        item = {
            "id": i,
            "source_id": f"src{i % 400}",
            "publisher": base["publisher"],
            "title": title,
            "title_key": title.lower(),
            "url": f"https://bench.example/{i}",
            "canonical_url": f"https://bench.example/{i}",
            "summary": summary,
            "published_at": published,
            "first_seen_at": seen,
            "status": "new" if lane == "quiet" else "queued",
            "lane": lane,
            "version": 1,
        }
        relevance = rng.random()
        prediction = {
            "item_id": i,
            "model_version": "bench",
            "relevant": relevance > 0.5,
            "relevance": relevance,
            "sector": rng.choice(
                ["adult_social_care_health", "children_young_people", "criminal_justice"]
            ),
            "sector_confidence": 0.8,
            "category": rng.choice(["reports", "briefings", "tools_guidance"]),
            "category_confidence": 0.7,
            "uncertain": False,
            "created_at": seen,
        }
        yield item, prediction


def _build(engine: Any, n: int) -> float:
    from sqlalchemy import insert

    from curator.store.schema import items, predictions

    start = time.perf_counter()
    batch: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(items), [b[0] for b in batch])
            conn.execute(insert(predictions), [b[1] for b in batch])
        batch.clear()

    for pair in _rows(n):
        batch.append(pair)
        if len(batch) == BATCH:
            flush()
            done = pair[0]["id"]
            if done % 100_000 == 0:
                print(f"  {done:,} items, {time.perf_counter() - start:.0f} s", flush=True)
    if batch:
        flush()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE items")
            conn.exec_driver_sql("ANALYZE predictions")
    return time.perf_counter() - start


def _write_cost(database: Callable[[], Any], n: int = WRITE_ITEMS) -> dict[str, float]:
    """Seconds (wall, and this process's CPU) to store ``n`` new items without the search index
    (migration 0002) and with it (head), as a poll stores them: feeds of 20 entries listed
    newest first, 200 entries (STORE_BATCH_ENTRIES) per transaction."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert

    from curator.store.db import MIGRATIONS, open_engine
    from curator.store.schema import items

    rows = [item for item, _ in _rows(n, seed=11)]
    for row in rows:
        del row["id"], row["lane"]  # ids as the database gives them; no lane column at 0002
    feeds = [rows[i : i + 20][::-1] for i in range(0, n, 20)]
    batches = [[r for feed in feeds[i : i + 10] for r in feed] for i in range(0, len(feeds), 10)]
    out = {}
    for revision in ("0002", "head"):
        with database() as url:
            engine = open_engine(url, upgrade=False)
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            wall, cpu = time.perf_counter(), time.process_time()
            for batch in batches:
                with engine.begin() as conn:
                    conn.execute(insert(items), batch)
            out[f"{revision} wall"] = time.perf_counter() - wall
            out[f"{revision} cpu"] = time.process_time() - cpu
            engine.dispose()
    return out


def _count(engine: Any) -> int:
    from sqlalchemy import func, select

    from curator.store.schema import items

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def _time_queries(engine: Any, repeat: int) -> tuple[list[dict[str, Any]], list[float]]:
    from curator.store.search import search_items

    newest = START + SPAN
    per_query = []
    timed: list[float] = []
    with engine.connect() as conn:
        found = search_items(conn, "quokka", lane="quiet")
        assert [f.title for f in found] == [NEEDLE], found
        for label, query, filters in QUERIES:
            kwargs: dict[str, Any] = {"lane": filters.get("lane")}
            if "since_days" in filters:
                kwargs["since"] = newest - timedelta(days=filters["since_days"])
            runs = []
            for _ in range(repeat + 1):
                t = time.perf_counter()
                hits = search_items(conn, query, **kwargs)
                runs.append(time.perf_counter() - t)
            timed.extend(runs[1:])
            per_query.append(
                {
                    "label": label,
                    "query": query,
                    "hits": len(hits),
                    "first": runs[0],
                    "median": statistics.median(runs[1:]),
                    "max": max(runs[1:]),
                }
            )
    return per_query, timed


@contextmanager
def _fresh_database(pg: str | None) -> Iterator[str]:
    """A new empty database URL: a SQLite file in a temporary directory, or a new schema of the
    PostgreSQL database ``pg``; removed afterwards."""
    from sqlalchemy import create_engine, text

    if not pg:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'curator.db'}"
        return
    schema = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _in_schema(pg, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _in_schema(pg: str, schema: str) -> str:
    return f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each query")
    parser.add_argument("--db", type=Path, help="SQLite file to build in (kept, reused)")
    parser.add_argument(
        "--schema", help="PostgreSQL schema to build in (kept, reused); default: a fresh one"
    )
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    from curator.store.db import open_engine

    pg = os.environ.get("CURATOR_DATABASE_URL")
    schema = None
    tmp = None
    if pg:
        schema = args.schema or f"bench_search_{uuid.uuid4().hex[:8]}"
        admin = create_engine(pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        url = _in_schema(pg, schema)
    else:
        if args.db is None:
            tmp = tempfile.TemporaryDirectory(prefix="bench-search-")
            args.db = Path(tmp.name) / "curator.db"
        url = f"sqlite:///{args.db}"
    engine = open_engine(url)
    try:
        built = None
        have = _count(engine)
        if have == 0:
            print(f"building {args.items:,} items on {engine.dialect.name}…", flush=True)
            built = _build(engine, args.items)
        elif have != args.items:
            raise SystemExit(f"{args.db or schema} holds {have:,} items, not {args.items:,}")
        per_query, timed = _time_queries(engine, args.repeat)
        size = _size(engine, args.db)
        engine.dispose()

        def database() -> AbstractContextManager[str]:
            return _fresh_database(pg)

        writes = _write_cost(database)
    finally:
        engine.dispose()
        if schema and not args.schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        if tmp is not None:
            tmp.cleanup()

    p50, p95 = _pct(timed, 0.5), _pct(timed, 0.95)
    worst = max(timed)
    verdict = "met" if p95 < 0.2 else "NOT met"
    env = "CURATOR_DATABASE_URL=postgresql+psycopg://…/test " if pg else ""
    where = f" --db {args.db}" if args.db and tmp is None else ""
    where += f" --schema {args.schema}" if args.schema else ""
    command = (
        f"{env}.venv/bin/python -m benchmarks.search --items {args.items} --repeat {args.repeat}"
        f"{where}"
    )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kept = "" if args.schema else ", new, dropped after"
    lines = [
        f"## Search, {engine.dialect.name}, {args.items:,} items — {when}",
        "",
        f"Command: `{command}`" + (f" (in schema {schema}{kept})." if schema else "."),
        machine(),
        "Build: "
        + (
            f"{built:.0f} s ({args.items / built:,.0f} items/s, batches of {BATCH:,}"
            " through the triggers / generated column)"
            if built
            else "reused"
        )
        + (f"; database {size}." if size else "."),
        "",
        "| query | words | hits (limit 50) | first run ms | median ms | max ms |",
        "|---|---|---|---|---|---|",
        *(
            f"| {q['label']} | `{q['query']}` | {q['hits']} | {q['first'] * 1000:.1f} | "
            f"{q['median'] * 1000:.1f} | {q['max'] * 1000:.1f} |"
            for q in per_query
        ),
        "",
        f"Over all {len(timed)} timed runs: p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {worst * 1000:.1f} ms. Target one search < 200 ms (p95): **{verdict}**.",
        "",
        f"Cost of keeping the index on write: {WRITE_ITEMS:,} new items stored as a poll stores "
        "them (feeds of 20 listed newest first, 200 entries a transaction), in a fresh database "
        f"without the index (migration 0002): {writes['0002 wall']:.2f} s wall"
        + (f", {writes['0002 cpu']:.2f} s CPU" if not pg else "")
        + f"; with it (head): {writes['head wall']:.2f} s wall"
        + (f", {writes['head cpu']:.2f} s CPU" if not pg else "")
        + f": {_per_item(writes, 'wall')} µs more wall time per item"
        + (f", {_per_item(writes, 'cpu')} µs more CPU" if not pg else " (the work is the server's)")
        + ".",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.record:
        append_results(report)


def _per_item(writes: dict[str, float], kind: str) -> str:
    return f"{(writes[f'head {kind}'] - writes[f'0002 {kind}']) / WRITE_ITEMS * 1e6:.0f}"


def _size(engine: Any, db: Path | None) -> str | None:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            total = conn.exec_driver_sql(
                "SELECT pg_total_relation_size('items') + pg_total_relation_size('predictions')"
            ).scalar_one()
        return f"{int(total) / 1e6:,.0f} MB (items and predictions with their indexes)"
    if db is not None and db.exists():
        return f"{db.stat().st_size / 1e6:,.0f} MB file"
    return None


if __name__ == "__main__":
    main()
