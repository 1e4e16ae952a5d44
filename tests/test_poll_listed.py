"""A source whose every publication was stored first by another source is told apart from one
whose document lists nothing: the real `curator poll` and `curator sources status`, feeds on a
loopback server, the real database.

Items are stored once: the same publication reached through two feeds is stored by the source
that lists it first, and the other stores none. `curator sources status` said of that other
source "quiet: fetched, but no publication found in it yet", as of an empty feed, and the admin
went looking for a fault in a source that works and merely duplicates another."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.store.schema import items, source_state
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.support.polling import Pollers

pytestmark = pytest.mark.storage
RECENT = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
GOV = "https://www.gov.uk/government/publications"
DHSC = "Department of Health and Social Care"
REPORTS = [FeedItem(f"Care workforce report {n}", f"{GOV}/care-{n}", RECENT) for n in range(3)]
ATOM = {"Content-Type": "application/atom+xml"}


def serve(server: LocalServer, **feeds: list[FeedItem]) -> None:
    for name, entries in feeds.items():
        server.add(f"/{name}.atom", atom(entries), headers=ATOM)


def sources(path: Path, server: LocalServer, *names: str, publisher: str = DHSC) -> Path:
    return write_sources(
        path,
        [{"id": n, "publisher": publisher, "url": server.url(f"/{n}.atom")} for n in names],
    )


def poll(path: Path, *ids: str) -> dict[str, Any]:
    args = [a for i in ids for a in ("--source", i)] or ["--all"]
    result = CliRunner().invoke(cli, ["poll", "--sources", str(path), "--json", *args])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def status(path: Path) -> dict[str, tuple[str, str]]:
    result = CliRunner().invoke(cli, ["sources", "status", str(path), "--json"])
    return {row["id"]: (row["status"], row["detail"]) for row in json.loads(result.stdout)}


def owners(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.source_id)).scalars().all()
    return {sid: rows.count(sid) for sid in set(rows)}


def listing(engine: Engine, source_id: str) -> tuple[int | None, int | None, str | None]:
    c = source_state.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.entries_listed, c.entries_stored_elsewhere, c.stored_first_by).where(
                c.source_id == source_id
            )
        ).one()
    return row.entries_listed, row.entries_stored_elsewhere, row.stored_first_by


def test_a_source_another_stored_everything_of_first_is_said_to_duplicate_it(
    tmp_path: Path, cli_env: None, server: LocalServer, engine: Engine
) -> None:
    serve(server, **{"dhsc-news": REPORTS, "dhsc-mirror": REPORTS, "empty": []})
    path = sources(tmp_path / "sources.yaml", server, "dhsc-news", "dhsc-mirror", "empty")
    assert poll(path, "dhsc-news")["new_items"] == 3
    mirrored = poll(path, "dhsc-mirror", "empty")
    assert (mirrored["ok"], mirrored["new_items"], mirrored["duplicates"]) == (2, 0, 3)
    assert owners(engine) == {"dhsc-news": 3}

    said = status(path)
    assert said["dhsc-news"] == ("ok", "")
    assert said["dhsc-mirror"] == (
        "quiet",
        "its 3 publications were all stored first by 'dhsc-news': it may duplicate that source",
    )
    assert said["empty"] == ("quiet", "fetched, but no publication found in it yet")
    assert listing(engine, "dhsc-mirror") == (3, 3, "dhsc-news")
    assert listing(engine, "empty") == (0, 0, None)
    assert listing(engine, "dhsc-news") == (3, 0, None)

    # The same document again is not parsed again: what it listed stays on record.
    again = poll(path, "dhsc-mirror")
    assert (again["ok"], again["not_modified"], again["duplicates"]) == (0, 1, 0)
    assert status(path)["dhsc-mirror"] == said["dhsc-mirror"]


def test_two_sources_polled_together_one_stores_and_the_other_names_it(
    tmp_path: Path, cli_env: None, server: LocalServer, engine: Engine
) -> None:
    """In one pass (the two documents stored in one transaction, or one after the other as
    they arrive) whichever stores the publications is the one the other names."""
    serve(server, **{"dhsc-news": REPORTS, "dhsc-mirror": REPORTS})
    path = sources(tmp_path / "sources.yaml", server, "dhsc-news", "dhsc-mirror")
    report = poll(path)
    assert (report["ok"], report["new_items"], report["duplicates"]) == (2, 3, 3)
    [(first, stored)] = owners(engine).items()
    [other] = {"dhsc-news", "dhsc-mirror"} - {first}
    assert stored == 3
    said = status(path)
    assert said[first] == ("ok", "")
    assert said[other] == (
        "quiet",
        f"its 3 publications were all stored first by '{first}': it may duplicate that source",
    )


def test_the_same_publications_under_other_links_count_as_stored_first(
    tmp_path: Path, cli_env: None, server: LocalServer, engine: Engine
) -> None:
    """The department's own pages of the same reports: other links, near-identical titles of
    the same publisher (the near-duplicate rule of dedupe), stored by none."""
    own = [
        FeedItem(f"Care Workforce Report {n}.", f"https://dhsc.example/r{n}", RECENT)
        for n in range(3)
    ]
    serve(server, **{"dhsc-news": REPORTS, "dhsc-pages": own})
    path = sources(tmp_path / "sources.yaml", server, "dhsc-news", "dhsc-pages")
    poll(path, "dhsc-news")
    assert poll(path, "dhsc-pages")["new_items"] == 0
    assert listing(engine, "dhsc-pages") == (3, 3, "dhsc-news")
    assert status(path)["dhsc-pages"][1].startswith(
        "its 3 publications were all stored first by 'dhsc-news'"
    )


def test_several_other_sources_are_named_most_publications_first(
    tmp_path: Path, cli_env: None, server: LocalServer, engine: Engine
) -> None:
    extra = FeedItem("Adult social care statistics", f"{GOV}/asc-stats", RECENT)
    serve(
        server,
        **{"dhsc-news": REPORTS[:2], "dhsc-stats": [extra], "dhsc-all": [*REPORTS[:2], extra]},
    )
    path = sources(tmp_path / "sources.yaml", server, "dhsc-news", "dhsc-stats", "dhsc-all")
    poll(path, "dhsc-news", "dhsc-stats")
    poll(path, "dhsc-all")
    assert listing(engine, "dhsc-all") == (3, 3, "dhsc-news,dhsc-stats")
    assert status(path)["dhsc-all"] == (
        "quiet",
        "its 3 publications were all stored first by 'dhsc-news' and 'dhsc-stats': it may "
        "duplicate those sources",
    )


def test_a_source_with_one_publication_of_its_own_is_fine(
    tmp_path: Path, cli_env: None, server: LocalServer, engine: Engine
) -> None:
    """Only a source with no item of its own is told it may duplicate another: one that stored
    anything works and adds something."""
    own = FeedItem("Hospital discharge guidance", f"{GOV}/discharge", RECENT)
    serve(server, **{"dhsc-news": REPORTS, "dhsc-mirror": [*REPORTS, own]})
    path = sources(tmp_path / "sources.yaml", server, "dhsc-news", "dhsc-mirror")
    poll(path, "dhsc-news")
    assert poll(path, "dhsc-mirror")["new_items"] == 1
    assert listing(engine, "dhsc-mirror") == (4, 3, "dhsc-news")
    assert status(path)["dhsc-mirror"] == ("ok", "")


def test_stored_in_one_transaction_the_second_source_counts_the_firsts_rows(
    engine: Engine, pollers: Pollers
) -> None:
    """Two documents arriving together are stored in one transaction: the second source's
    duplicates are of rows the first inserted a moment before, not yet committed."""
    from curator.fetch import FetchRequest
    from curator.pipeline import PollReport
    from curator.pipeline.records import Arrival
    from curator.records import FetchResult, SourceConfig
    from curator.store import source_state as state_store

    news, mirror = (
        SourceConfig(id=n, publisher=DHSC, kind="feed", url=f"https://x.test/{n}.atom")
        for n in ("dhsc-news", "dhsc-mirror")
    )
    with engine.begin() as conn:
        state_store.sync_sources(conn, [news, mirror])
    with engine.connect() as conn:
        states = state_store.load_states(conn)
    report = PollReport(sources=2)
    store = pollers(parse_workers=0).source_store(report, states)

    def arrival(src: SourceConfig) -> Arrival:
        result = FetchResult(src.id, src.url, 200, ATOM, atom(REPORTS), 0.0)
        return Arrival(FetchRequest(src), result)

    assert len(list(store.store_group([arrival(news), arrival(mirror)]))) == 2
    assert (report.ok, report.new_items, report.duplicates) == (2, 3, 3)
    assert owners(engine) == {"dhsc-news": 3}
    assert listing(engine, "dhsc-mirror") == (3, 3, "dhsc-news")
