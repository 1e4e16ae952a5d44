"""``/pulse status`` lists as failing, quiet or flooded only the sources sources.yaml still
watches: the state of a source disabled or removed there stays in the database, failures and
all, and an admin who disabled a broken source was still told it was failing, week after week.
It judges them as ``curator sources status`` does (:mod:`curator.health`), and keeps its lists
short enough for a Slack message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, update

from curator.health import PROBLEMS
from curator.records import SourceConfig
from curator.slack.pulse import status_text, watched_sources
from curator.slack.pulse_sources import MAX_LINES, ORDER
from curator.store.schema import items, source_state
from curator.store.source_state import record_failure, sync_sources
from tests.support.feeds import write_sources

NOW = datetime(2026, 12, 7, 8, tzinfo=UTC)


def _sources(path: Path) -> Path:
    return write_sources(
        path,
        [
            {"id": "dhsc", "publisher": "DHSC", "url": "https://example.org/dhsc.atom"},
            {
                "id": "nspcc",
                "publisher": "NSPCC",
                "url": "https://example.org/nspcc.xml",
                "enabled": False,
            },
        ],
    )


def _fail(engine: Engine, *ids: str) -> None:
    with engine.begin() as conn:
        sync_sources(
            conn,
            [
                SourceConfig(id=i, publisher=i, kind="feed", url=f"https://example.org/{i}")
                for i in ids
            ],
        )
        for source_id in ids:
            for _ in range(2):
                record_failure(
                    conn,
                    source_id,
                    now=NOW,
                    next_check_at=NOW + timedelta(hours=1),
                    error=f"{source_id}: HTTP 404 from https://example.org/{source_id}",
                    status=404,
                )
        conn.execute(
            update(source_state).values(
                last_new_item_at=NOW - timedelta(days=90),
                flood_items=40,
                flood_at=NOW - timedelta(days=1),
            )
        )


def test_only_the_watched_sources_are_listed_as_failing_quiet_or_flooded(
    engine: Engine, tmp_path: Path
) -> None:
    _fail(engine, "dhsc", "nspcc", "gone")  # nspcc disabled, gone removed from the file
    watched = watched_sources(_sources(tmp_path / "sources.yaml"))
    assert watched is not None and [s.id for s in watched] == ["dhsc"]

    text = status_text(engine, NOW, watched=watched)

    assert "*Source problems* (1 failing, of 1 watched; details: " in text
    # the source named once, as in `curator sources status`
    assert (
        "• `dhsc` (failing): never fetched successfully (2 attempts): HTTP 404 from "
        "https://example.org/dhsc\n" in text
    )
    assert "`nspcc`" not in text and "`gone`" not in text
    assert "*Sources that flooded* (last 7 days, 1):" in text


def test_an_unreadable_sources_file_lists_every_source(engine: Engine, tmp_path: Path) -> None:
    _fail(engine, "dhsc", "gone")
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [", encoding="utf-8")
    assert watched_sources(bad) is None
    assert watched_sources(tmp_path / "missing.yaml") is None
    text = status_text(engine, NOW, watched=None)
    assert (
        "*Source problems* (2 failing, of 2 sources in the database: the sources file could "
        "not be read, `/pulse sources` says why; details: " in text
    )


def _quiet(engine: Engine, count: int) -> list[SourceConfig]:
    """``count`` sources polled fine an hour ago whose one publication is 90 days old (first
    seen an hour ago too), each of which flooded yesterday."""
    configs = [
        SourceConfig(id=f"s{n:02d}", publisher="P", kind="feed", url=f"https://example.org/{n}")
        for n in range(count)
    ]
    with engine.begin() as conn:
        sync_sources(conn, configs)
        conn.execute(
            update(source_state).values(
                last_checked_at=NOW - timedelta(hours=1),
                last_ok_at=NOW - timedelta(hours=1),
                flood_items=40,
                flood_at=NOW - timedelta(days=1),
            )
        )
        for c in configs:
            conn.execute(
                insert(items).values(
                    source_id=c.id,
                    publisher="P",
                    title=f"Report {c.id}",
                    title_key=f"report {c.id}",
                    url=f"{c.url}/r",
                    canonical_url=f"{c.url}/r",
                    first_seen_at=NOW - timedelta(hours=1),
                    published_at=NOW - timedelta(days=90),
                    status="new",
                    lane="quiet",
                )
            )
    return configs


def test_long_lists_are_cut_and_point_to_the_command_that_lists_them_all(
    engine: Engine,
) -> None:
    watched = _quiet(engine, MAX_LINES + 4)
    text = status_text(engine, NOW, watched=watched)
    assert f"*Source problems* ({MAX_LINES + 4} quiet, of {MAX_LINES + 4} watched;" in text
    assert text.count(" (quiet): nothing new for 90 days (expected within 60 days)") == MAX_LINES
    assert "• … and 4 more: `curator sources status --problems` lists them all" in text
    assert text.count("40 new items at once") == MAX_LINES
    assert "• … and 4 more: `curator sources status` lists them all" in text
    assert len(text) < 3000


def test_none_is_said_of_the_watched_sources(engine: Engine) -> None:
    watched = _quiet(engine, 1)
    with engine.begin() as conn:
        conn.execute(update(items).values(published_at=NOW - timedelta(days=2)))
    assert "*Source problems*: none (of 1 watched)" in status_text(engine, NOW, watched=watched)


def test_every_problem_status_has_its_place_in_the_list() -> None:
    assert sorted(ORDER) == sorted(PROBLEMS) and len(ORDER) == len(set(ORDER))
