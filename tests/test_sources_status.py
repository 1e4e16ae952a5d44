from __future__ import annotations

import json
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
    assert rows["new"]["status"] == "disabled"
    monkeypatch.setenv("COLUMNS", "250")
    table = runner.invoke(cli, ["sources", "status", str(sources), "--problems"])
    ids = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert "down" in ids and "new" not in ids
