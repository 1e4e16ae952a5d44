"""A source's URL that has moved permanently (301/308) is said to have moved, by `curator poll`
on every pass (the unchanged ones too) and by `curator sources check`, so an admin updates
`url:` before the old address stops redirecting. Real loopback server, database and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage


def test_poll_and_check_say_a_source_has_moved(
    tmp_path: Path, server: LocalServer, cli_env: None
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
