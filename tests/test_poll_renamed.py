"""A source whose id an admin changes in sources.yaml, its URL unchanged, keeps its history.

The state and the items of a source are keyed by its id: renamed `howard` to `howard-league`,
the source started afresh. Its publications already stored counted for nobody (`curator
sources status` said "quiet: fetched, but no publication found in it yet", with no newest item
and no acceptance rate), its document was parsed again as a first one, and `apply-rules` and
`suggest-rules` no longer saw its items."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update

from curator.cli import cli
from curator.store.schema import items, source_state
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
RECENT = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
FEED = atom(
    [
        FeedItem(
            f"Research and analysis: Report {n}", f"https://www.gov.uk/government/r{n}", RECENT
        )
        for n in range(3)
    ]
)


@pytest.fixture
def path(tmp_path: Path, cli_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sources file in force (CURATOR_SOURCES_FILE): renames are told from it only."""
    from curator.config import get_settings

    sources = tmp_path / "sources.yaml"
    monkeypatch.setenv("CURATOR_SOURCES_FILE", str(sources))
    get_settings.cache_clear()
    return sources


def source(source_id: str, url: str, **more: Any) -> dict[str, Any]:
    return {"id": source_id, "publisher": "Howard League", "url": url, **more}


def poll(sources: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["poll", "--sources", str(sources), "--json", *args])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    # No model here: its warning (id "-") is not the sources'.
    report["warnings"] = [w for w in report["warnings"] if w["id"] != "-"]
    return report


def status(sources: Path) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["sources", "status", str(sources), "--json"])
    return {row["id"]: row for row in json.loads(result.stdout)}


def owners(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.source_id)).scalars().all()
        states = set(conn.execute(select(source_state.c.source_id)).scalars())
    counts = {sid: rows.count(sid) for sid in set(rows)}
    assert set(counts) <= states
    return counts


def test_a_renamed_source_keeps_its_state_and_items(
    path: Path, server: LocalServer, engine: Engine
) -> None:
    server.add("/blog.atom", FEED)
    write_sources(path, [source("howard", server.url("/blog.atom"))])
    assert poll(path)["new_items"] == 3
    with engine.begin() as conn:  # the editors decided two of them
        conn.execute(update(items).where(items.c.id <= 2).values(status="rejected"))

    write_sources(path, [source("howard-league", server.url("/blog.atom"))])
    report = poll(path, "--all")

    assert report["warnings"] == [
        {
            "id": "howard-league",
            "warning": "was 'howard' in sources.yaml (the same url): its state and its 3 items "
            "stored under 'howard' now go by 'howard-league'",
        }
    ]
    assert report["not_modified"] == 1  # the very document already stored, not parsed again
    assert owners(engine) == {"howard-league": 3}
    health = status(path)["howard-league"]
    assert health["status"] == "ok", health["detail"]
    assert (health["items_last_30_days"], health["items_decided"]) == (3, 2)
    assert health["newest_item_at"] is not None

    assert poll(path, "--all")["warnings"] == []  # said once


def test_a_rename_is_seen_when_polling_other_sources_only(
    path: Path, server: LocalServer, engine: Engine
) -> None:
    server.add("/a.atom", FEED)
    server.add("/b.atom", atom([]))
    write_sources(path, [source("a", server.url("/a.atom")), source("b", server.url("/b.atom"))])
    poll(path)
    # "a" renamed; "b" disabled and polled by no one: --source b names neither.
    write_sources(
        path,
        [
            source("a-blog", server.url("/a.atom")),
            source("b", server.url("/b.atom"), enabled=False),
            source("c", server.url("/c.atom"), enabled=False),
        ],
    )
    poll(path, "--source", "b")
    assert owners(engine) == {"a-blog": 3}
    with engine.connect() as conn:
        states = set(conn.execute(select(source_state.c.source_id)).scalars())
    assert states == {"a-blog", "b"}


def test_a_source_added_where_another_was_removed_is_not_its_rename(
    path: Path, server: LocalServer, engine: Engine
) -> None:
    server.add("/a.atom", FEED)
    server.add("/new.atom", atom([]))
    write_sources(path, [source("a", server.url("/a.atom"))])
    poll(path)
    # Removed, and another source added elsewhere: nothing of "a" is given to it.
    write_sources(path, [source("other", server.url("/new.atom"))])
    assert poll(path)["warnings"] == []
    assert owners(engine) == {"a": 3}


def test_a_rename_is_said_by_a_plain_poll_that_finds_nothing_due(
    path: Path, server: LocalServer, engine: Engine
) -> None:
    # The state carried over keeps the old id's schedule, so the poll after a rename usually
    # finds nothing due: it said only "No source is due", and the rename, said once, was never
    # said at all.
    server.add("/blog.atom", FEED)
    write_sources(path, [source("howard", server.url("/blog.atom"))])
    poll(path)
    write_sources(path, [source("howard-league", server.url("/blog.atom"))])
    result = CliRunner().invoke(cli, ["poll", "--sources", str(path)])
    assert result.exit_code == 0, result.output
    assert owners(engine) == {"howard-league": 3}
    assert (
        "warning: howard-league: was 'howard' in sources.yaml (the same url): its state and its "
        "3 items stored under 'howard' now go by 'howard-league'" in result.stderr
    ), result.output


def test_a_trial_file_polled_against_the_database_takes_no_history(
    path: Path, tmp_path: Path, server: LocalServer, engine: Engine
) -> None:
    # `curator poll --sources trial.yaml` on the production database: every source missing
    # from the trial file looked renamed, and one listed there at a production URL under a new
    # id took that source's state and items (and `curator run` then never polled it again).
    server.add("/blog.atom", FEED)
    write_sources(path, [source("howard", server.url("/blog.atom"))])
    poll(path)
    trial = write_sources(tmp_path / "trial.yaml", [source("try", server.url("/blog.atom"))])
    assert poll(trial, "--all")["warnings"] == []
    assert owners(engine) == {"howard": 3}
    with engine.connect() as conn:
        assert set(conn.execute(select(source_state.c.source_id)).scalars()) == {"howard", "try"}
