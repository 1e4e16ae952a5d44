"""``/pulse status`` lists as failing, quiet or flooded only the sources sources.yaml still
watches: the state of a source disabled or removed there stays in the database, failures and
all, and an admin who disabled a broken source was still told it was failing, week after week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, update

from curator.records import SourceConfig
from curator.slack.pulse import status_text, watched_ids
from curator.store.schema import source_state
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
    watched = watched_ids(_sources(tmp_path / "sources.yaml"))
    assert watched == frozenset({"dhsc"})

    text = status_text(engine, NOW, watched=watched)

    assert "*Failing sources* (1):" in text
    # the source named once, as in `curator sources status`
    assert "• `dhsc`: 2 failure(s): HTTP 404 from https://example.org/dhsc\n" in text
    assert "`nspcc`" not in text and "`gone`" not in text
    assert "*Quiet sources* (nothing new for 60+ days, 1):" in text
    assert "*Sources that flooded* (last 7 days, 1):" in text


def test_an_unreadable_sources_file_lists_every_source(engine: Engine, tmp_path: Path) -> None:
    _fail(engine, "dhsc", "gone")
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [", encoding="utf-8")
    assert watched_ids(bad) is None
    assert watched_ids(tmp_path / "missing.yaml") is None
    text = status_text(engine, NOW, watched=None)
    assert "*Failing sources* (2):" in text
