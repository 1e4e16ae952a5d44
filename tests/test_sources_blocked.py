"""Blocked is not broken: a site that refuses automated clients three polls in a row is `blocked`,
checked once a day, listed for an admin to check by hand, and fine again once it answers. Real
loopback server, real database, the real CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli
from curator.config import get_settings
from curator.health import report_text
from curator.sources import load_sources
from curator.store.db import open_engine
from curator.store.health import source_health
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage

#: What Cloudflare sends a client that does not run its challenge script (shape from its docs:
#: the `cf-mitigated: challenge` header is on every challenge page).
CHALLENGE_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b"<body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>"
)


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _status(sources: Path) -> tuple[int, dict[str, dict[str, object]]]:
    result = _run("sources", "status", str(sources), "--json")
    return result.exit_code, {str(r["id"]): r for r in json.loads(result.stdout)}


def _when(value: object) -> datetime:
    assert isinstance(value, str)
    return datetime.fromisoformat(value)


@pytest.fixture
def sources(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    server.add("/rss.xml", b"<html><title>403 Forbidden</title></html>", status=403)
    server.add("/ok.atom", atom([FeedItem("Guidance: X", "https://www.gov.uk/guidance/x")]))
    return write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "lga",
                "publisher": "Local Government Association",
                "url": server.url("/rss.xml"),
            },
            {"id": "ok", "publisher": "NHS England", "url": server.url("/ok.atom")},
        ],
    )


def test_three_refusals_make_a_source_blocked_and_checked_a_day_later(
    sources: Path, server: LocalServer
) -> None:
    for n in (1, 2):
        assert _run("poll", "--source", "lga", "--sources", str(sources)).exit_code == 0
        _, rows = _status(sources)
        assert rows["lga"]["status"] != "blocked" and rows["lga"]["consecutive_blocks"] == n
        # still on the ordinary backoff: 1 h, then 2 h (± jitter), not a day yet
        wait = _when(rows["lga"]["next_check_at"]) - datetime.now(UTC)
        assert wait < timedelta(hours=3)
    before = datetime.now(UTC)
    assert _run("poll", "--source", "lga", "--sources", str(sources)).exit_code == 0
    after = datetime.now(UTC)
    code, rows = _status(sources)
    lga = rows["lga"]
    assert lga["status"] == "blocked" and lga["consecutive_blocks"] == 3
    assert lga["url"] == server.url("/rss.xml")
    assert "HTTP 403" in str(lga["last_error"]) and "check it by hand" in str(lga["detail"])
    # the next check is a day later (jitter only ever lengthens it: 1 h ± 10 % for this source)
    next_check = _when(lga["next_check_at"])
    assert before + timedelta(days=1) <= next_check <= after + timedelta(days=1, hours=2.5)
    assert code == 0  # blocked is not broken: nothing in sources.yaml can fix it

    # Every request carried our own User-Agent, never a browser's.
    agents = {h.get("User-Agent", "") for _, path, h in server.requests if path == "/rss.xml"}
    assert agents == {get_settings().effective_user_agent}
    (agent,) = agents
    assert agent.startswith("PulseCurator/") and "Mozilla" not in agent


def test_a_blocked_source_is_not_polled_faster_by_poll_all_but_recovers_when_named(
    sources: Path, server: LocalServer
) -> None:
    for _ in range(3):
        _run("poll", "--source", "lga", "--sources", str(sources))
    fetched = [p for _, p, _ in server.requests].count("/rss.xml")
    assert fetched == 3
    # A scripted `poll --all` leaves it to its daily check ...
    assert _run("poll", "--all", "--sources", str(sources)).exit_code == 0
    assert [p for _, p, _ in server.requests].count("/rss.xml") == 3
    assert [p for _, p, _ in server.requests].count("/ok.atom") == 1
    # ... and once the site answers again (an admin asks for it by name), it is ok at once.
    server.add("/rss.xml", atom([FeedItem("Report: Y", "https://www.local.gov.uk/y")]))
    assert _run("poll", "--source", "lga", "--sources", str(sources)).exit_code == 0
    _, rows = _status(sources)
    assert rows["lga"]["status"] in ("ok", "quiet")
    assert rows["lga"]["consecutive_blocks"] == 0 and rows["lga"]["consecutive_failures"] == 0
    wait = _when(rows["lga"]["next_check_at"]) - datetime.now(UTC)
    assert wait < timedelta(hours=2)  # back on its hourly schedule


@pytest.mark.parametrize("status", [429, 503])
def test_poll_all_waits_as_a_server_asked_but_a_named_source_is_asked_now(
    sources: Path, server: LocalServer, status: int
) -> None:
    server.add("/rss.xml", b"Slow down", status=status, headers={"Retry-After": "7200"})
    assert _run("poll", "--source", "lga", "--sources", str(sources)).exit_code == 0
    _, rows = _status(sources)
    assert _when(rows["lga"]["next_check_at"]) - datetime.now(UTC) > timedelta(hours=1.9)
    # a scripted `poll --all` leaves it to the hours its server asked for ...
    assert _run("poll", "--all", "--sources", str(sources)).exit_code == 0
    fetched = [p for _, p, _ in server.requests]
    assert (fetched.count("/rss.xml"), fetched.count("/ok.atom")) == (1, 1)
    # ... an ordinary failure does not hold --all back ...
    server.add("/ok.atom", b"", status=500)
    _run("poll", "--all", "--sources", str(sources))
    _run("poll", "--all", "--sources", str(sources))
    assert [p for _, p, _ in server.requests].count("/ok.atom") == 3
    # ... and naming the source asks it now
    server.add("/rss.xml", atom([FeedItem("Report: Y", "https://www.local.gov.uk/y")]))
    assert _run("poll", "--source", "lga", "--sources", str(sources)).exit_code == 0
    assert [p for _, p, _ in server.requests].count("/rss.xml") == 2
    # answered: --all asks it again
    _run("poll", "--all", "--sources", str(sources))
    assert [p for _, p, _ in server.requests].count("/rss.xml") == 3


def test_a_source_enabled_again_is_checked_at_the_next_pass(
    sources: Path, server: LocalServer, tmp_path: Path
) -> None:
    for _ in range(3):
        _run("poll", "--source", "lga", "--sources", str(sources))
    _, rows = _status(sources)
    assert rows["lga"]["status"] == "blocked"
    entries: list[dict[str, object]] = [
        {
            "id": "lga",
            "publisher": "Local Government Association",
            "url": server.url("/rss.xml"),
            "enabled": enabled,
        }
        for enabled in (False, True)
    ]
    off = write_sources(tmp_path / "off.yaml", [entries[0]])
    _run("poll", "--sources", str(off))  # a pass sees it disabled
    # the admin lets our User-Agent through and enables it again: the next plain pass asks it
    server.add("/rss.xml", atom([FeedItem("Report: Y", "https://www.local.gov.uk/y")]))
    on = write_sources(tmp_path / "on.yaml", [entries[1]])
    assert _run("poll", "--sources", str(on)).exit_code == 0
    assert [p for _, p, _ in server.requests].count("/rss.xml") == 4
    _, rows = _status(on)
    assert rows["lga"]["status"] in ("ok", "quiet") and rows["lga"]["consecutive_blocks"] == 0


def test_poll_all_still_asks_a_source_whose_last_failure_had_no_http_status(
    sources: Path, server: LocalServer
) -> None:
    # a failure with no HTTP answer (a feed turned web page, a timeout) is no server asking to
    # wait: --all asks it again at once, as it does after a 500
    server.add("/ok.atom", b"<html><body><p>We have moved our news.</p></body></html>")
    assert _run("poll", "--source", "ok", "--sources", str(sources)).exit_code == 0
    _, rows = _status(sources)
    assert rows["ok"]["consecutive_failures"] == 1
    assert _run("poll", "--all", "--sources", str(sources)).exit_code == 0
    assert [p for _, p, _ in server.requests].count("/ok.atom") == 2


def test_challenge_pages_count_as_refusals_and_another_failure_ends_the_streak(
    sources: Path, server: LocalServer
) -> None:
    # a 200 challenge page, then a 503 one, then a 403: three refusals in a row
    server.add("/rss.xml", CHALLENGE_PAGE, headers={"Content-Type": "text/html"})
    _run("poll", "--source", "lga", "--sources", str(sources))
    server.add("/rss.xml", CHALLENGE_PAGE, status=503, headers={"cf-mitigated": "challenge"})
    _run("poll", "--source", "lga", "--sources", str(sources))
    _, rows = _status(sources)
    assert rows["lga"]["consecutive_blocks"] == 2
    assert "Cloudflare challenge page" in str(rows["lga"]["last_error"])
    # an ordinary server error is not a refusal: the count starts again
    server.add("/rss.xml", b"", status=500)
    _run("poll", "--source", "lga", "--sources", str(sources))
    _, rows = _status(sources)
    assert rows["lga"]["consecutive_blocks"] == 0 and rows["lga"]["status"] == "failing"
    server.add("/rss.xml", b"", status=403)
    for _ in range(2):
        _run("poll", "--source", "lga", "--sources", str(sources))
    assert _status(sources)[1]["lga"]["status"] == "failing"
    _run("poll", "--source", "lga", "--sources", str(sources))
    assert _status(sources)[1]["lga"]["status"] == "blocked"


def test_status_and_weekly_report_list_blocked_sources_to_check_by_hand(
    sources: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        _run("poll", "--source", "lga", "--sources", str(sources))
    monkeypatch.setenv("COLUMNS", "250")
    table = _run("sources", "status", str(sources), "--problems")
    assert table.exit_code == 0
    hand = table.stdout.split("Check by hand", 1)[1]
    assert f"lga (Local Government Association): {server.url('/rss.xml')}" in hand
    assert "blocked" in table.stdout.split("Check by hand", 1)[0]

    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            healths = source_health(conn, load_sources(sources), datetime.now(UTC))
    finally:
        engine.dispose()
    text = report_text(healths)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("*Check by hand*"))
    assert lines[start + 1] == (f"• `lga` (Local Government Association): {server.url('/rss.xml')}")
    assert "*blocked*" not in text  # listed once, with its URL, not again as a failure
    assert lines[-1].startswith("2 sources: 1 blocked")
