"""``/pulse status`` and ``curator sources status`` agree on which sources have a problem, and
which: both judge by :mod:`curator.health`. In an editor's trial, ``/pulse status`` said "Quiet
sources: none" while ``curator sources status`` listed two: it judged by when items were first
seen, against a fixed 60 days, and so never called quiet a source whose feed still lists only
old publications, nor one that stored nothing of its own.

The real ``curator poll`` of feeds on a loopback server, the real database, the Slack app behind
curator/web.py answering a signed ``/pulse status`` through the fake Slack."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from curator.cli import cli
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.test_slack_app import pulse_reply, slack_env

pytestmark = pytest.mark.storage
NOW = datetime.now(UTC)
GOV = "https://www.gov.uk/government/publications"
ATOM = {"Content-Type": "application/atom+xml"}


def _items(name: str, days_old: int) -> list[FeedItem]:
    when = (NOW - timedelta(days=days_old)).isoformat(timespec="seconds")
    return [FeedItem(f"{name.title()} care report {n}", f"{GOV}/{name}-{n}", when) for n in (1, 2)]


def _poll(path: Path, source_id: str) -> None:
    result = CliRunner().invoke(cli, ["poll", "--sources", str(path), "--source", source_id])
    assert result.exit_code == 0, result.output


def _problems(path: Path) -> dict[str, tuple[str, str]]:
    result = CliRunner().invoke(cli, ["sources", "status", str(path), "--problems", "--json"])
    return {r["id"]: (r["status"], r["detail"]) for r in json.loads(result.stdout)}


def test_pulse_status_lists_the_problems_curator_sources_status_lists(
    engine: Engine, tmp_path: Path, cli_env: None, server: LocalServer
) -> None:
    news = _items("news", 2)
    for name, entries in {
        "news": news,
        "mirror": news,  # the same publications: stored first by news
        "stale": _items("stale", 100),  # only old publications, first seen today
        "weekly": _items("weekly", 10),  # expected every week
        "blip": _items("blip", 2),
    }.items():
        server.add(f"/{name}.atom", atom(entries), headers=ATOM)
    server.add("/down.atom", b"", status=500)
    server.add("/off.atom", b"", status=500)
    server.add("/refuses.atom", b"<html><title>403 Forbidden</title></html>", status=403)

    def write(*disabled: str) -> Path:  # the file the Slack app reads
        return write_sources(
            tmp_path / "sources.yaml",
            [
                {
                    "id": i,
                    "publisher": "Department of Health and Social Care",
                    "url": server.url(f"/{i}.atom"),
                    **({"quiet_after": "7d"} if i == "weekly" else {}),
                    **({"enabled": False} if i in disabled else {}),
                }
                for i in ("news", "mirror", "stale", "weekly", "blip", "down", "refuses", "off")
            ],
        )

    with slack_env(engine, tmp_path) as env:
        path = write()
        for source_id in ("news", "mirror", "stale", "weekly", "blip"):
            _poll(path, source_id)
        for _ in range(3):
            _poll(path, "down")
            _poll(path, "refuses")
            _poll(path, "off")
        write("off")  # failing, then disabled: not watched
        server.add("/blip.atom", b"", status=502)  # one failure: not news yet
        _poll(path, "blip")

        cli = _problems(path)
        text = pulse_reply(env, "status")["text"]

    assert {i: status for i, (status, _) in cli.items()} == {
        "down": "failing",
        "refuses": "blocked",
        "mirror": "quiet",
        "stale": "quiet",
        "weekly": "quiet",
    }
    listed = re.findall(r"^• `([^`]+)` \((\w+)\): (.*)$", text, re.MULTILINE)
    assert {i: status for i, status, _ in listed} == {i: s for i, (s, _) in cli.items()}
    # each with the first words of the same detail
    for source_id, _, reason in listed:
        assert cli[source_id][1].startswith(reason.rstrip("…")), (source_id, reason)
    said = {i: reason for i, _, reason in listed}
    assert said["stale"].startswith("nothing new for 100 days (expected within 60 days)")
    assert said["weekly"].startswith("nothing new for 10 days (expected within 7 days)")
    assert said["mirror"] == (
        "its 2 publications were all stored first by 'news': it may duplicate that source"
    )
    assert "*Source problems* (1 failing, 1 blocked, 3 quiet, of 7 watched; " in text
