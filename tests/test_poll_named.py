"""`curator poll --source ID` when nothing is polled: it said "No source is due. `curator poll
--all` polls every enabled source now." for a disabled source (which --all skips too) and for
one another worker was polling (which --all cannot take either)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from curator.cli import cli
from curator.sources import load_sources
from curator.store import source_state as state_store
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
FEED = atom([FeedItem("Research and analysis: A report", "https://www.gov.uk/government/x")])


@pytest.fixture
def sources(tmp_path: Path, server: LocalServer, cli_env: None) -> Path:
    server.add("/a.atom", FEED)
    server.add("/b.atom", FEED)
    return write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": "moj", "publisher": "Ministry of Justice", "url": server.url("/a.atom")},
            {
                "id": "old",
                "publisher": "Old Publisher",
                "url": server.url("/b.atom"),
                "enabled": False,
            },
        ],
    )


def poll(sources: Path, *ids: str) -> Result:
    args = [a for i in ids for a in ("--source", i)]
    result = CliRunner().invoke(cli, ["poll", "--sources", str(sources), *args])
    assert result.exit_code == 0, result.output
    return result


def test_a_disabled_source_asked_for_is_said_to_be_disabled(
    sources: Path, server: LocalServer
) -> None:
    result = poll(sources, "old")
    assert result.stdout == f"Nothing polled: 'old': disabled in {sources} (enabled: false).\n"
    assert server.requests == []


def test_a_disabled_source_asked_for_with_others_is_named_as_not_polled(sources: Path) -> None:
    result = poll(sources, "moj", "old")
    assert result.stdout.startswith("Polled 1 source: 1 ok")
    assert f"not polled: 'old': disabled in {sources}\n" in result.stderr


def test_a_source_another_worker_is_polling_is_said_to_be_busy(
    sources: Path, engine: Engine
) -> None:
    with engine.begin() as conn:  # `curator run` on another host holds it right now
        state_store.sync_sources(conn, load_sources(sources))
        assert state_store.claim_due(conn, ["moj"], datetime.now(UTC), "elsewhere:1:1") == ["moj"]
    result = poll(sources, "moj")
    assert result.stdout.startswith(
        "Nothing polled: 'moj': being polled by another worker right now (`curator run`?)"
    )


def test_with_json_stdout_is_one_object_and_stderr_says_why_nothing_was_polled(
    sources: Path,
) -> None:
    # A script polling with --json got {"sources": 0, ...} and no word of why.
    result = CliRunner().invoke(
        cli, ["poll", "--sources", str(sources), "--source", "old", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"] == 0
    assert result.stderr == f"Nothing polled: 'old': disabled in {sources} (enabled: false).\n"
    both = CliRunner().invoke(
        cli, ["poll", "--sources", str(sources), "--source", "moj", "--source", "old", "--json"]
    )
    assert json.loads(both.stdout)["sources"] == 1
    assert f"not polled: 'old': disabled in {sources}\n" in both.stderr
    again = CliRunner().invoke(cli, ["poll", "--sources", str(sources), "--json"])
    assert json.loads(again.stdout)["sources"] == 0
    assert again.stderr.startswith("No source is due.")
