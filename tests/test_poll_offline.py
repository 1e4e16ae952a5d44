"""A pass in which no source's host name resolved says once what to check (this machine offline,
or its DNS down), where each source's own error names only its host. The hosts here are names
the IDNA codec refuses (an empty label) before any DNS query, so nothing leaves the machine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.cli import cli
from curator.errors import ConnectFailed, HostUnresolved
from curator.pipeline import PollReport
from tests.support.feeds import write_sources

pytestmark = pytest.mark.storage
OFFLINE = "no source's host name resolved (2 of 2): is this machine offline, or its DNS down?"


def poll(path: Path) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["poll", "--sources", str(path)])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


@pytest.mark.parametrize(
    "allow_private",
    [
        # As deployed: the address guard resolves each host before connecting (tests otherwise
        # let the fetcher reach loopback, which skips that step).
        "false",
        # With the guard off (tests and benchmarks only), or a name that stopped resolving
        # between the guard's look-up and the connection, the socket's own resolver fails
        # inside the connection attempt; glibc refuses an empty label without sending a query.
        "true",
    ],
    ids=["in-the-address-guard", "at-connect-time"],
)
def test_every_host_unresolved_is_said_once(
    tmp_path: Path, cli_env: None, monkeypatch: pytest.MonkeyPatch, allow_private: str
) -> None:
    monkeypatch.setenv("CURATOR_ALLOW_PRIVATE_NETWORKS", allow_private)
    path = write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": "a", "publisher": "A", "url": "http://a..example/feed"},
            {"id": "b", "publisher": "B", "url": "http://b..example/feed"},
        ],
    )
    out, err = poll(path)
    assert out.startswith("Polled 2 sources: 0 ok, 0 not modified, 2 failed")
    assert err.count(OFFLINE) == 1
    assert err.count("cannot resolve host") == 2  # and each source's own error
    assert (
        "failed: a: could not fetch http://a..example/feed: cannot resolve host 'a..example'" in err
    )
    # a script reading --json gets the count, and the same line on stderr
    result = CliRunner().invoke(cli, ["poll", "--sources", str(path), "--all", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert (got["sources"], got["failed"], got["unresolved"]) == (2, 2, 2)
    assert result.stderr.count(OFFLINE) == 1


def test_the_offline_line_needs_every_source_unresolved() -> None:
    assert issubclass(HostUnresolved, ConnectFailed)  # handled as any connection failure
    assert PollReport(sources=2, failed=2, unresolved=2).offline() is not None
    assert PollReport(sources=3, failed=3, unresolved=2).offline() is None  # one other failure
    assert PollReport(sources=1, failed=1, unresolved=1).offline() is None  # one mistyped host
