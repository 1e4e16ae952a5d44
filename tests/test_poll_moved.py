"""A source's URL that has moved permanently (301/308) is said to have moved, by `curator poll`
on every pass (the unchanged ones too), by `curator sources check`, and in the source's health
and the weekly report, so an admin updates `url:` before the old address stops redirecting. Real
loopback server, database and CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from curator.cli import cli
from curator.health import report_text
from curator.sources import load_sources
from curator.store.health import source_health
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage


def test_poll_and_check_say_a_source_has_moved(
    tmp_path: Path, server: LocalServer, cli_env: None, engine: Engine
) -> None:
    new = server.add("/new.atom", atom([FeedItem("Report: A", "https://www.gov.uk/x")]))
    old = server.add("/old.atom", status=301, headers={"Location": "/new.atom"})
    server.add("/temporary.atom", status=302, headers={"Location": "/new.atom"})
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": "moj", "publisher": "Ministry of Justice", "url": old},
            {"id": "yjb", "publisher": "Youth Justice Board", "url": server.url("/temporary.atom")},
        ],
    )
    said = (
        f"{old} has moved permanently (HTTP 301/308) to {new}; "
        "set the source's url to the new address"
    )
    for _ in range(2):  # stored, then the same document again (recorded as unchanged)
        run = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources), "--json"])
        assert run.exit_code == 0, run.output
        warnings = [w for w in json.loads(run.stdout)["warnings"] if w["id"] != "-"]  # no model
        assert warnings == [{"id": "moj", "warning": said}]
    text = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources)])
    assert f"warning: moj: {said}" in text.stderr

    check = CliRunner().invoke(cli, ["sources", "check", str(sources), "--json"])
    rows = {r["id"]: r for r in json.loads(check.stdout)["sources"]}
    assert said in rows["moj"]["warnings"] and rows["yjb"]["warnings"] == []

    # It stays said where an admin looks, not only in a poll's output: the source's health and
    # the weekly report, until its url is set to the new address.
    status = CliRunner().invoke(cli, ["sources", "status", str(sources), "--json"])
    health = {r["id"]: r for r in json.loads(status.stdout)}
    assert health["moj"]["moved_to"] == new and health["yjb"]["moved_to"] is None
    assert f"moved permanently to {new}: set its url to that" in health["moj"]["detail"]
    with engine.connect() as conn:
        report = report_text(source_health(conn, load_sources(sources), datetime.now(UTC)))
    assert f"• `moj` (Ministry of Justice): {old} → {new}" in report
    assert "`yjb`" not in report.split("*Moved*", 1)[1]

    fixed = sources.read_text(encoding="utf-8").replace(old, new)
    sources.write_text(fixed, encoding="utf-8")
    again = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources), "--json"])
    assert [w for w in json.loads(again.stdout)["warnings"] if w["id"] == "moj"] == []
    status = CliRunner().invoke(cli, ["sources", "status", str(sources), "--json"])
    assert {r["id"]: r for r in json.loads(status.stdout)}["moj"]["moved_to"] is None
