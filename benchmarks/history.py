"""Daily work with years of history behind it: build a history through the project's own code,
then time the commands editors and admins run, against a fresh database's.

    .venv/bin/python -m benchmarks.history --items 100000 [--keep data/history-100k.db]
    CURATOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/wt_history \\
        .venv/bin/python -m benchmarks.history --items 1000000 --keep history_1m

Targets at 1M items, on SQLite and PostgreSQL: every command within 1.5x of its time on a fresh
database and under 250 MB; ``curator train`` under 10 minutes and 1 GB.

The history: 100 sources of 20 publishers (ids ``h<H>-f<F>``, as the feed farm names them), with
a long-tailed volume (the busiest source stores ~50 times what the quietest does); ~100,000
items a year, so ``--items`` sets the years (1M: ten). Week by week, the week's items go through
``store_entries`` (near-duplicate check included) in one transaction, are classified in one
batch by the shipped model, their predictions stored with ``add_predictions``, their lanes set
(``set_lane``) and the cards queued with their outbox rows (``queue_items``); the outbox rows
older than a day are marked posted, as the Slack worker would. Titles come from the real
publications in data/training with words swapped and series suffixes, so they differ. Editors
accept ~5% of items and reject ~5% (``decide``, one transaction each, as Slack does), into the
month's edition, which is closed when the month ends; undecided candidates expire after 60 days
(``expire_candidates``). The fresh database is the same builder's first month (8,333 items:
what a near-duplicate window around today holds in any history).

SQLite: a temporary file (``--keep PATH`` builds it at PATH and reuses it next time).
PostgreSQL (``--database-url`` or ``CURATOR_DATABASE_URL``): a schema of that database,
``history_<items>`` (``--keep NAME`` names it and keeps it; otherwise it is dropped at the end);
the fresh database is the schema ``history_fresh``, rebuilt each run.

Measured on each database, each command a real ``curator`` process (seconds to its first card
for ``review``, else to exit; peak RSS from ``wait4``): ``review``, ``review --limit 1``,
``draft`` of the last closed edition, ``edition list``, ``sources status``, the weekly report,
``decisions export`` (all of it as JSON Lines and as CSV, and ``--since`` the last 30 days), a
200-feed ``poll`` pass against the local feed farm (its items are deleted after), and ``train``.
In this process, medians of ``--repeat`` calls: a ``run`` tick's reads with candidates and no
Slack (the queue count, a page of candidates and their newest predictions), a ``/metrics``
scrape's gauges (the lanes and the week's decisions), the outbox claim with the pending count,
and the near-duplicate load of a 200-feed pass (the 4,000 entries the farm serves, feed by
feed). ``--only export,export-since`` times only the measures named (see
:data:`MEASURES`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, Integer, create_engine, delete, select, text, update

from benchmarks.common import ROOT, curator_env, machine, start_farm, training_rows, vary
from benchmarks.measure import median_ms, run_curator, run_python
from curator.records import Entry, Lane, Prediction

CHANNEL = "C0HISTORY"
ITEMS_PER_YEAR = 100_000
#: A fresh deployment: its first month (a near-duplicate window's worth of items).
FRESH_ITEMS = ITEMS_PER_YEAR // 12
HOSTS, FEEDS = 20, 5  # 100 sources of 20 publishers
ACCEPT, REJECT = 0.05, 0.05
CANDIDATE_DAYS = 60
SUFFIXES = [
    "",
    "",
    "",
    " 2023/24",
    " 2024 to 2025",
    " (England)",
    ": quarterly update",
    " - annual report",
    ": summary",
    " (Wales)",
]
EDITOR = None  # set lazily: curator.store.decisions.Actor


@dataclass(frozen=True)
class Source:
    id: str
    publisher: str
    weight: float


def history_sources() -> list[Source]:
    """100 sources with a long-tailed volume (weight ~ 1/rank, shuffled over publishers)."""
    ids = [(h, f) for h in range(HOSTS) for f in range(FEEDS)]
    random.Random(11).shuffle(ids)
    return [
        Source(f"h{h}-f{f}", f"Farm publisher {h}", 1 / (rank + 1) ** 0.85)
        for rank, (h, f) in enumerate(ids)
    ]


def write_sources(path: Path) -> Path:
    sources = [
        {
            "id": s.id,
            "publisher": s.publisher,
            "kind": "feed",
            "url": f"https://h{s.id.split('-')[0][1:]}.example.org/{s.id}.atom",
            "every": "1h",
        }
        for s in history_sources()
    ]
    path.write_text(json.dumps({"sources": sources}, indent=1), encoding="utf-8")
    return path


# -- building --------------------------------------------------------------------------------


def build(engine: Engine, n_items: int, end: datetime, *, log: Callable[[str], None]) -> None:
    """Store ``n_items`` items week by week up to ``end``, through the project's store, classify
    and decide code (see the module docstring)."""
    from curator.classify import ClassifyInput, load_classifier
    from curator.classify.features import has_summary
    from curator.classify.lanes import model_lane
    from curator.store.decisions import Actor, decide
    from curator.store.editions import close_edition, open_edition
    from curator.store.expiry import expire_candidates
    from curator.store.items import PublisherTitles, store_entries
    from curator.store.lanes import set_lane
    from curator.store.predictions import add_predictions
    from curator.store.queue import queue_items
    from curator.store.schema import outbox

    rng = random.Random(n_items)
    classifier = load_classifier(ROOT / "models")
    seeds = [
        {
            "title": r["title"],
            "summary": r.get("summary") or "",
            "document_type": r.get("document_type") or "",
        }
        for r in training_rows()
    ]
    pool = [w for s in seeds for w in s["title"].split()]
    sources = history_sources()
    weights = [s.weight for s in sources]
    weeks = max(1, round(n_items / ITEMS_PER_YEAR * 52))
    start = end - timedelta(weeks=weeks)
    editor = Actor("U0EDITOR", "editor", via="slack")
    stored = 0
    started = time.perf_counter()
    open_month: str | None = None
    for week in range(weeks):
        week_start = start + timedelta(weeks=week)
        now = week_start + timedelta(weeks=1)
        month = week_start.strftime("%Y-%m")
        with engine.begin() as conn:
            if month != open_month:
                if open_month is not None:
                    close_edition(conn, open_month, week_start)
                open_edition(conn, month, week_start)
                open_month = month
        count = n_items * (week + 1) // weeks - n_items * week // weeks
        by_source: dict[Source, list[Entry]] = {}
        for n, src in enumerate(rng.choices(sources, weights, k=count)):
            seed = rng.choice(seeds)
            title = vary(rng, seed["title"].split(), pool, 0.3) + rng.choice(SUFFIXES)
            url = f"https://{src.id}.example.org/{week}/{n}"
            by_source.setdefault(src, []).append(
                Entry(
                    source_id=src.id,
                    publisher=src.publisher,
                    url=url,
                    original_url=url,
                    title=title,
                    summary=vary(rng, seed["summary"][:400].split(), pool, 0.2),
                    document_type=seed["document_type"] or None,
                    published_at=(
                        None
                        if rng.random() < 0.03
                        else week_start + timedelta(seconds=rng.uniform(0, 7 * 86400))
                    ),
                )
            )
        with engine.begin() as conn:
            titles = PublisherTitles()
            new: list[tuple[int, Entry]] = []
            for entries in by_source.values():
                new += store_entries(conn, entries, now, titles=titles).new
            inputs = [ClassifyInput.of_entry(e) for _, e in new]
            predictions = classifier.predict(inputs)
            add_predictions(conn, [(i, p) for (i, _), p in zip(new, predictions, strict=True)], now)
            lanes: dict[Lane, list[int]] = {}
            for (item_id, _), p, i in zip(new, predictions, inputs, strict=True):
                lane = model_lane(p, classifier.lane_thresholds, has_summary=has_summary(i))
                lanes.setdefault(lane, []).append(item_id)
            for lane, ids in lanes.items():
                set_lane(conn, ids, lane)
            cards = lanes.get("card", [])
            queue_items(conn, cards, channel=CHANNEL, now=now)
            conn.execute(
                update(outbox)
                .where(outbox.c.status == "pending", outbox.c.created_at < now)
                .values(status="posted", posted_at=now, attempts=1, message_ts="1.0")
            )
            while expire_candidates(conn, now - timedelta(days=CANDIDATE_DAYS), now=now):
                pass
        stored += len(new)
        _decide(engine, new, predictions, cards, month, now, rng, editor, decide)
        if week % 26 == 25 or week == weeks - 1:
            log(
                f"week {week + 1}/{weeks}: {stored:,} items stored "
                f"({time.perf_counter() - started:.0f} s)"
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def _decide(
    engine: Engine,
    new: list[tuple[int, Entry]],
    predictions: list[Prediction],
    cards: list[int],
    edition: str,
    now: datetime,
    rng: random.Random,
    editor: Any,
    decide: Callable[..., Any],
) -> None:
    """Editors accept ~5% of the week's items and reject ~5%, from its cards."""
    predicted = {item_id: p for (item_id, _), p in zip(new, predictions, strict=True)}
    shown = list(cards)
    rng.shuffle(shown)
    n_accept = min(len(shown), round(len(new) * ACCEPT))
    n_reject = min(len(shown) - n_accept, round(len(new) * REJECT))
    for k, item_id in enumerate(shown[: n_accept + n_reject]):
        p = predicted[item_id]
        when = now + timedelta(hours=rng.uniform(1, 72))
        if k < n_accept:
            decide(
                engine,
                item_id,
                "accept",
                editor,
                sector=p.sector,
                category=p.category,
                edition=edition,
                now=when,
            )
        else:
            decide(engine, item_id, "reject", editor, now=when)


# -- databases -------------------------------------------------------------------------------


@contextmanager
def database(
    base: str | None, n_items: int, keep: str | None, tmp: Path, name: str
) -> Iterator[str]:
    """The URL of the database for a history of ``n_items`` (see the module docstring)."""
    if base is None:
        path = Path(keep) if keep else tmp / f"{name}.db"
        yield f"sqlite:///{path.resolve()}"
        return
    schema = keep or f"history_{name}"
    admin = create_engine(base)
    with admin.begin() as conn:
        if not keep:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def copy_history(source_url: str, engine: Engine, log: Callable[[str], None]) -> None:
    """Copy every table of a history built by :func:`build` (on SQLite) into ``engine``'s
    empty, migrated database, rows as they are, ids kept: the same history on another backend
    in minutes rather than the hours of building it again statement by statement."""
    from curator.store.db import open_engine
    from curator.store.schema import metadata

    source = open_engine(source_url, upgrade=False)
    try:
        for table in metadata.sorted_tables:
            key = next(iter(table.primary_key.columns))
            copied = 0
            with source.connect() as src, engine.begin() as dst:
                rows = src.execution_options(yield_per=BATCH_ROWS).execute(
                    select(table).order_by(key)
                )
                if engine.dialect.name == "postgresql":
                    copied = _copy_rows(dst, table, rows)
                else:
                    for part in rows.mappings().partitions(BATCH_ROWS):
                        dst.execute(table.insert(), [dict(r) for r in part])
                        copied += len(part)
            if copied and engine.dialect.name == "postgresql" and _serial(key):
                with engine.begin() as dst:
                    dst.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key.name}'), "
                        f"(SELECT max({key.name}) FROM {table.name}))"
                    )
            log(f"copied {copied:,} rows of {table.name}")
    finally:
        source.dispose()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


BATCH_ROWS = 5000


def _copy_rows(dst: Any, table: Any, rows: Any) -> int:
    """PostgreSQL's COPY … FROM STDIN of ``rows`` (selected through the table, so values are
    Python's: aware datetimes, JSON as objects) into ``table``; the count."""
    names = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    cursor = dst.connection.driver_connection.cursor()
    copied = 0
    columns = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(v) if n in json_columns and v is not None else v
                    for n, v in zip(names, row, strict=True)
                ]
            )
            copied += 1
    return copied


def _serial(key: Any) -> bool:
    """Whether a primary key column takes its values from a sequence on PostgreSQL."""
    return isinstance(key.type, Integer) and key.autoincrement in (True, "auto")


def with_sources(url: str, sources: Path) -> None:
    """The sources' state rows, as `curator run` makes them (``sync_sources``): source facts
    are read for each of them."""
    from curator.sources.load import load_sources
    from curator.store.db import open_engine
    from curator.store.source_state import sync_sources

    engine = open_engine(url, upgrade=False)
    try:
        with engine.begin() as conn:
            sync_sources(conn, load_sources(sources))
    finally:
        engine.dispose()


def ensure_history(
    url: str,
    n_items: int,
    end: datetime,
    log: Callable[[str], None],
    copy_from: str | None = None,
) -> float:
    """Build the history unless the database already holds this one; seconds spent building."""
    from curator.store.db import open_engine
    from curator.store.meta import get_value, set_value

    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            built = get_value(conn, "history-benchmark")
        if isinstance(built, dict) and built.get("items") == n_items:
            log(f"reusing the history of {n_items:,} items built {built.get('end')}")
            return 0.0
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM items LIMIT 1")).first() is not None:
                sys.exit("the database holds another history: give an empty one")
        started = time.perf_counter()
        if copy_from:
            copy_history(copy_from, engine, log)
            return time.perf_counter() - started
        build(engine, n_items, end, log=log)
        with engine.begin() as conn:
            set_value(conn, "history-benchmark", {"items": n_items, "end": end.isoformat()}, end)
        return time.perf_counter() - started
    finally:
        engine.dispose()


# -- measuring -------------------------------------------------------------------------------


WEEKLY_REPORT = """
from datetime import UTC, datetime
from pathlib import Path
from curator.jobs import weekly_text
from curator.sources.load import load_sources
from curator.store.db import open_engine
engine = open_engine(upgrade=False)
with engine.connect() as conn:
    weekly_text(conn, load_sources(Path({sources!r})), datetime.now(UTC))
"""


def farm_entries(now: datetime) -> list[list[Entry]]:
    """The entries a 200-feed pass of the farm brings (20 hosts x 10 feeds x 20 entries), as
    parsed: feed by feed."""
    out = []
    for h in range(HOSTS):
        for f in range(10):
            feed = []
            for n in range(20):
                url = f"https://h{h}.example.org/f{f}/p{n}"
                feed.append(
                    Entry(
                        source_id=f"h{h}-f{f}",
                        publisher=f"Farm publisher {h}",
                        url=url,
                        original_url=url,
                        title=f"Research and analysis: Report {n} on social care, host {h} "
                        f"feed {f}",
                        published_at=now - timedelta(hours=n),
                    )
                )
            out.append(feed)
    return out


#: The measures, by the names ``--only`` takes.
MEASURES = (
    "review",
    "review-limit",
    "draft",
    "edition-list",
    "sources-status",
    "weekly-report",
    "export",
    "export-csv",
    "export-since",
    "tick",
    "gauges",
    "outbox",
    "dedupe",
    "poll",
    "train",
)
#: ``decisions export --since``: the decisions of the last this many days.
SINCE_DAYS = 30


def measure(
    url: str,
    sources: Path,
    tmp: Path,
    repeat: int,
    train_timeout: float,
    only: frozenset[str] = frozenset(MEASURES),
) -> dict[str, str]:
    """The measures named in ``only`` on the database at ``url``: label -> result text."""
    from curator.daily import refresh_gauges
    from curator.metrics import Metrics
    from curator.slack.cards import queued_cards
    from curator.store.db import open_engine
    from curator.store.editions import list_editions
    from curator.store.item_reads import queued_count
    from curator.store.items import PublisherTitles
    from curator.store.outbox import oldest_due, pending_count
    from curator.store.schema import items, predictions, source_state

    with_sources(url, sources)  # again: the last round's poll pass took over their ids
    env = curator_env(
        CURATOR_DATABASE_URL=url,
        CURATOR_CANDIDATE_DAYS=str(CANDIDATE_DAYS),
        CURATOR_MODEL_DIR=str(ROOT / "models"),
        USER="bench",
    )
    out: dict[str, str] = {}

    def timed(label: str, seconds: float, mb: float) -> None:
        out[label] = f"{seconds:.2f} s, {mb:.0f} MB"

    if "review" in only:
        timed("`curator review`: first card", *run_curator(["review"], env, until="[1/"))
    if "review-limit" in only:
        timed(
            "`curator review --limit 1`: first card",
            *run_curator(["review", "--limit", "1"], env, until="[1/"),
        )
    engine = open_engine(url, upgrade=False)
    now = datetime.now(UTC)
    if "draft" in only:
        with engine.connect() as conn:
            closed = [e.id for e in list_editions(conn, now) if e.status == "closed"]
        edition = closed[-1] if closed else None
        draft = ["draft", "--out", os.devnull] + (["--edition", edition] if edition else [])
        timed("`curator draft` (last closed edition)", *run_curator(draft, env))
    if "edition-list" in only:
        timed("`curator edition list`", *run_curator(["edition", "list"], env))
    if "sources-status" in only:
        timed(
            "`curator sources status --json`",
            *run_curator(["sources", "status", str(sources), "--json"], env),
        )
    if "weekly-report" in only:
        timed(
            "weekly report (source health, rules to consider, the week's decisions)",
            *run_python(WEEKLY_REPORT.format(sources=str(sources)), env),
        )
    export = ["decisions", "export", "--format", "jsonl", "--out", os.devnull]
    if "export" in only:
        timed("`curator decisions export --format jsonl`", *run_curator(export, env))
    if "export-csv" in only:
        csv_export = ["decisions", "export", "--out", os.devnull]  # CSV, the default format
        timed("`curator decisions export` (CSV)", *run_curator(csv_export, env))
    if "export-since" in only:
        since = (now - timedelta(days=SINCE_DAYS)).date().isoformat()
        timed(
            f"`curator decisions export --format jsonl --since` (last {SINCE_DAYS} days)",
            *run_curator([*export, "--since", since], env),
        )
    with engine.connect() as conn:
        if "tick" in only:

            def tick() -> None:
                queued_count(conn)
                queued_cards(conn, limit=20)

            out["`curator run` tick: queue count + 20 candidates with predictions (median)"] = (
                f"{median_ms(tick, repeat):.1f} ms"
            )
        if "gauges" in only:
            metrics = Metrics()

            def gauges() -> None:
                refresh_gauges(conn, metrics, now)

            out["`/metrics` scrape: the lanes' and the week's decisions' gauges (median)"] = (
                f"{median_ms(gauges, repeat):.1f} ms"
            )
        if "outbox" in only:

            def outbox_tick() -> None:
                oldest_due(conn, CHANNEL, now)
                pending_count(conn, CHANNEL)

            out["outbox: next card to claim + pending count (median)"] = (
                f"{median_ms(outbox_tick, repeat):.2f} ms"
            )
        if "dedupe" in only:
            feeds = farm_entries(now)

            def dedupe_load() -> None:
                titles = PublisherTitles()
                for feed in feeds:
                    titles.prepare(conn, feed, now)

            out["near-duplicate load of a 200-feed pass (median)"] = (
                f"{median_ms(dedupe_load, max(3, repeat // 5)):.1f} ms"
            )
    if "poll" in only:
        # A 200-feed poll pass against the local farm (no latency); its items are removed after.
        farm_sources = tmp / f"farm-{uuid.uuid4().hex[:6]}.json"
        farm = start_farm(farm_sources, HOSTS, 10, latency=0.0)
        try:
            poll = ["poll", "--all", "--sources", str(farm_sources)]
            timed("`curator poll --all`: 200 feeds, 4,000 entries", *run_curator(poll, env))
        finally:
            farm.terminate()
            farm.wait()
        with engine.begin() as conn:
            farm_url = items.c.canonical_url.like("https://h%.example.org/f%")
            farm_ids = select(items.c.id).where(farm_url)
            conn.execute(delete(predictions).where(predictions.c.item_id.in_(farm_ids)))
            conn.execute(delete(items).where(farm_url))
            conn.execute(delete(source_state).where(source_state.c.url.like("http://127.0.0.1:%")))
    engine.dispose()
    if train_timeout > 0 and "train" in only:
        model_dir = tmp / f"model-{uuid.uuid4().hex[:6]}"
        model_dir.mkdir()
        try:
            seconds, mb = run_curator(
                ["train", "--model-dir", str(model_dir)], env, timeout=train_timeout
            )
            timed("`curator train`", seconds, mb)
        except subprocess.TimeoutExpired:
            out["`curator train`"] = f"killed after {train_timeout:.0f} s"
    return out


def _only(text: str | None) -> frozenset[str]:
    """``--only``'s names, checked."""
    if not text:
        return frozenset(MEASURES)
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = sorted(names - set(MEASURES))
    if unknown:
        sys.exit(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--items", type=int, default=100_000, help="items in the history")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CURATOR_DATABASE_URL"),
        help="a PostgreSQL database (default: CURATOR_DATABASE_URL; none: SQLite files)",
    )
    parser.add_argument(
        "--keep", help="SQLite: the history's database file; PostgreSQL: its schema (reused)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="calls per in-process median")
    parser.add_argument(
        "--rounds", type=int, default=3, help="measures of each database, alternately (median)"
    )
    parser.add_argument(
        "--train-timeout", type=float, default=900, help="seconds before `curator train` is killed"
    )
    parser.add_argument("--build-only", action="store_true", help="build (or reuse) and stop")
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help=f"time only these measures, comma-separated ({', '.join(MEASURES)})",
    )
    parser.add_argument(
        "--copy-from",
        metavar="PATH",
        help="fill the history by copying a SQLite history built by this script (--keep PATH)",
    )
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--combine", nargs="+", metavar="JSON", help="print the tables of earlier --json files"
    )
    args = parser.parse_args()
    only = _only(args.only)
    if args.combine:
        print(combine(args.combine))
        return

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    backend = "postgresql" if args.database_url else "sqlite"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sources = write_sources(tmp / "sources.json")
        results: dict[str, dict[str, str]] = {}
        with database(args.database_url, args.items, args.keep, tmp, str(args.items)) as url:
            copy_from = f"sqlite:///{Path(args.copy_from).resolve()}" if args.copy_from else None
            built = ensure_history(url, args.items, end, log, copy_from)
            with_sources(url, sources)
            log(f"history of {args.items:,} items ready (built in {built:.0f} s)")
            if args.build_only:
                return
            with database(args.database_url, FRESH_ITEMS, None, tmp, "fresh") as fresh:
                ensure_history(fresh, FRESH_ITEMS, end, log)
                with_sources(fresh, sources)
                rounds: dict[str, list[dict[str, str]]] = {"fresh": [], "history": []}
                for n in range(args.rounds):
                    # Alternately, so that a machine whose load drifts weighs on both alike;
                    # `curator train` only in the last round.
                    train = args.train_timeout if n == args.rounds - 1 else 0
                    for name, at in (("fresh", fresh), ("history", url)):
                        log(f"round {n + 1}/{args.rounds}: measuring the {name} database")
                        rounds[name].append(measure(at, sources, tmp, args.repeat, train, only))
            results = {name: _median_results(r) for name, r in rounds.items()}
    lines = [
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.items:,} items on {backend} "
        f"(built in {built:.0f} s; 0: reused), against a "
        f"fresh database of {FRESH_ITEMS:,} items; median of {args.rounds} rounds, taken "
        f"alternately. {machine()}",
        "",
        f"| measure | fresh | {args.items:,} items | ratio |",
        "|---|---|---|---|",
    ]
    for label, fresh_result in results["fresh"].items():
        got = results["history"].get(label, "")
        lines.append(f"| {label} | {fresh_result} | {got} | {_ratio(fresh_result, got)} |")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "items": args.items,
                    "backend": backend,
                    "built_s": built,
                    "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                    **results,
                }
            ),
            encoding="utf-8",
        )


def combine(paths: list[str]) -> str:
    """One Markdown table per backend from ``--json`` files: fresh, then each history size, and
    whether the largest meets its target (within 1.5x of fresh and under 250 MB; ``curator
    train`` under 10 minutes and 1 GB)."""
    runs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in paths]
    out = []
    for backend in ("sqlite", "postgresql"):
        mine = sorted((r for r in runs if r["backend"] == backend), key=lambda r: r["items"])
        if not mine:
            continue
        sizes = [f"{r['items']:,} items" for r in mine]
        out += [
            f"**{backend}** (fresh: the first month, {FRESH_ITEMS:,} items)",
            "",
            f"| measure | fresh | {' | '.join(sizes)} | ratio at {sizes[-1]} | target met |",
            "|---|---|" + "---|" * len(sizes) + "---|---|",
        ]
        for label, fresh in mine[-1]["fresh"].items():
            cells = [r["history"].get(label, "") for r in mine]
            ratio = _ratio(fresh, cells[-1])
            out.append(
                f"| {label} | {fresh} | {' | '.join(cells)} | {ratio} | "
                f"{_met(label, fresh, cells[-1])} |"
            )
        out.append("")
    return "\n".join(out)


def _met(label: str, fresh: str, got: str) -> str:
    try:
        value = float(got.split()[0])
        base = float(fresh.split()[0])
    except (ValueError, IndexError):
        return "no" if "killed" in got else ""
    mb = float(got.split(", ")[1].split()[0]) if ", " in got else None
    if "train" in label:
        return "yes" if value < 600 and (mb is None or mb < 1024) else "no"
    ok = value <= 1.5 * base and (mb is None or mb < 250)
    return "yes" if ok else "no"


def _median_results(rounds: list[dict[str, str]]) -> dict[str, str]:
    """Per measure, the median time over ``rounds`` and the largest peak RSS."""
    out = {}
    for label in rounds[-1]:
        got = [r[label] for r in rounds if label in r]
        try:
            values = [float(g.split()[0]) for g in got]
        except ValueError:
            out[label] = got[-1]
            continue
        unit = got[0].split()[1].rstrip(",")
        text = f"{statistics.median(values):.2f} {unit}"
        mbs = [float(g.split(", ")[1].split()[0]) for g in got if ", " in g]
        out[label] = text + (f", {max(mbs):.0f} MB" if mbs else "")
    return out


def _ratio(fresh: str, got: str) -> str:
    try:
        a, b = float(fresh.split()[0]), float(got.split()[0])
    except (ValueError, IndexError):
        return ""
    return f"{b / a:.2f}x" if a else ""


if __name__ == "__main__":
    main()
