from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage


def test_status_lists_health_and_fails_on_a_failing_source(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/ok.atom", atom([FeedItem("Guidance: X", "https://www.gov.uk/guidance/x")]))
    server.add("/down.atom", b"", status=500)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": "ok", "publisher": "NHS England", "url": server.url("/ok.atom")},
            {"id": "down", "publisher": "Ofsted", "url": server.url("/down.atom")},
            {"id": "new", "publisher": "CQC", "url": server.url("/new.atom"), "enabled": False},
        ],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(cli, ["poll", "--all", "--sources", str(sources)]).exit_code == 0
    result = runner.invoke(cli, ["sources", "status", str(sources), "--json"])
    assert result.exit_code == 1, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert rows["down"]["status"] == "failing" and rows["down"]["consecutive_failures"] == 2
    assert "500" in rows["down"]["last_error"]
    assert rows["ok"]["status"] == "quiet" or rows["ok"]["status"] == "ok"
    # its one item came without a summary: counted, too few to be told about
    assert rows["ok"]["items_without_summary_30_days"] == rows["ok"]["items_last_30_days"] == 1
    assert rows["new"]["status"] == "disabled"
    monkeypatch.setenv("COLUMNS", "250")
    table = runner.invoke(cli, ["sources", "status", str(sources), "--problems"])
    ids = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert "down" in ids and "new" not in ids


def test_stored_error_text_is_printed_as_text_never_as_markup(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server decides the text of the error: here the feed link its HTML page advertises,
    # which rich would read as a closing tag with nothing to close (a crash) or as styling.
    page = (
        b"<html><head><link rel='alternate' type='application/rss+xml' "
        b"href='/feed[/]x[bold]y[link=https://evil.example]z'></head><body>hi</body></html>"
    )
    server.add("/page", page, headers={"Content-Type": "text/html"})
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "odd", "publisher": "NHS England", "url": server.url("/page")}],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(cli, ["poll", "--all", "--sources", str(sources)]).exit_code == 0
    monkeypatch.setenv("COLUMNS", "400")
    result = runner.invoke(cli, ["sources", "status", str(sources)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1  # failing
    assert "/feed[/]x[bold]y[link=https://evil.example]z" in result.stdout


def test_a_narrow_table_keeps_whole_ids_and_no_problems_is_said(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("/ok.atom", atom([FeedItem("Guidance: X", "https://www.gov.uk/guidance/x")]))
    server.add("/down.atom", b"", status=500)
    long_ids = ["nhs-england-publications", "cqc-government-organisation-feed"]
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": long_ids[0], "publisher": "NHS England", "url": server.url("/ok.atom")},
            {"id": long_ids[1], "publisher": "CQC", "url": server.url("/down.atom")},
        ],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "120")
    runner = CliRunner()
    assert runner.invoke(cli, ["poll", "--all", "--sources", str(sources)]).exit_code == 0
    table = runner.invoke(cli, ["sources", "status", str(sources)])
    assert table.exit_code == 1, table.output  # never fetched, failed once: failing
    ids = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert set(long_ids) <= set(ids), table.stdout
    assert re.search(r"│ \d{4}-\d\d-\d\d \d\d:\d\d", table.stdout), table.stdout  # whole dates
    details = table.stdout.split("Details:", 1)[1]
    assert f"{long_ids[1]} (failing): never fetched successfully (1 attempt): " in details
    # narrower than the table can be (80 columns, these ids): a line a source, nothing cut
    monkeypatch.setenv("COLUMNS", "80")
    lines = runner.invoke(cli, ["sources", "status", str(sources)]).stdout.splitlines()
    assert lines[0].startswith("2 sources (id, status, last success,")
    assert lines[1].startswith(f"  {long_ids[0]}  ")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", lines[1])
    assert lines[2].startswith(f"  {long_ids[1]}  failing  —  1  —  0  —")
    assert "Details:" in lines
    # a source not polled yet is no problem
    fine = write_sources(
        tmp_path / "fine.yaml",
        [{"id": "later", "publisher": "Ofsted", "url": server.url("/later.atom")}],
    )
    none = runner.invoke(cli, ["sources", "status", str(fine), "--problems"])
    assert none.exit_code == 0, none.output
    assert none.stdout.startswith("No problems: no source is failing")
