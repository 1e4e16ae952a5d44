"""No floods, through the real poll path (``curator poll`` against a loopback publisher, a real
database): a source's first document is its archive, and a later document that re-lists a flood
of new items is stored quiet with a warning naming the count, where admins look (``curator
sources status``, ``/pulse status``, the weekly report), and still found by ``curator find``.

No model here: every item the rules let through is carded, so what is kept quiet is the rules'
doing alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from curator.cli import cli
from curator.config import get_settings
from curator.dedupe import is_near_duplicate
from curator.jobs import weekly_report
from curator.slack.pulse import status_text
from curator.sources import load_sources
from curator.store.schema import items, outbox
from tests.conftest import REPO
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
HTML = {"Content-Type": "text/html; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml"}
SELECTORS = {"item": "li.publication", "title": "h3", "link": "h3 a"}


def real_titles(n: int) -> list[str]:
    """``n`` titles of real publications (the collected training items, in order), none a near
    duplicate of another (those would be stored once, as one publication)."""
    path = REPO / "data" / "training" / "collected-public-items.jsonl"
    seen: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        title = " ".join(json.loads(line)["title"].split())
        if not any(is_near_duplicate(title, t) for t in seen):
            seen.append(title)
        if len(seen) == n:
            return seen
    raise AssertionError(f"fewer than {n} distinct titles")


def listing(titles: list[str], shown: list[int]) -> bytes:
    """A publisher's listing page: one undated publication per title of ``shown`` (indexes into
    ``titles``; each title has a link of its own)."""
    rows = "".join(
        f'<li class="publication"><h3><a href="/publications/{n}">{titles[n]}</a></h3></li>\n'
        for n in shown
    )
    return f"<html><body><main><ul>\n{rows}</ul></main></body></html>".encode()


@pytest.fixture(autouse=True)
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "0")
    # Slack configured: a card would be put in the outbox to be posted.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_CHANNEL", "C0PULSE")
    get_settings.cache_clear()


def poll(sources: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def page_source(tmp_path: Path, server: LocalServer, **extra: object) -> Path:
    entry = {
        "id": "nuffield",
        "publisher": "Nuffield Trust",
        "kind": "page",
        "url": server.url("/publications"),
        "selectors": SELECTORS,
        **extra,
    }
    return write_sources(tmp_path / "sources.yaml", [entry])


def posted(engine: Engine) -> int:
    """Cards put in the outbox (posted to Slack by its drain)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)).scalar_one())


def lanes(engine: Engine) -> dict[tuple[str | None, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(items.c.lane, items.c.status, func.count()).group_by(
                items.c.lane, items.c.status
            )
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}


def test_a_page_polled_for_the_first_time_posts_nothing_and_a_new_item_later_is_a_candidate(
    tmp_path: Path, server: LocalServer, engine: Engine
) -> None:
    titles = real_titles(31)
    server.add("/publications", listing(titles, list(range(30))), headers=HTML)
    sources = page_source(tmp_path, server)

    first = poll(sources)

    assert (first["new_items"], first["candidates"], first["cards"], first["quiet"]) == (
        30,
        0,
        0,
        30,
    )
    assert lanes(engine) == {("quiet", "new"): 30}
    assert posted(engine) == 0
    with engine.connect() as conn:
        assert set(conn.execute(select(items.c.published_at)).scalars()) == {None}  # undated

    server.add("/publications", listing(titles, [30, *range(30)]), headers=HTML)
    later = poll(sources)

    assert (later["new_items"], later["candidates"], later["cards"], later["quiet"]) == (1, 1, 1, 0)
    assert lanes(engine) == {("quiet", "new"): 30, ("card", "queued"): 1}
    assert posted(engine) == 1


def test_a_changed_url_or_a_source_enabled_again_starts_with_its_archive(
    tmp_path: Path, server: LocalServer, engine: Engine
) -> None:
    titles = real_titles(17)
    server.add("/publications", listing(titles, [0, 1]), headers=HTML)
    sources = page_source(tmp_path, server)
    assert poll(sources)["quiet"] == 2  # its first document
    server.add("/moved", listing(titles, list(range(2, 12))), headers=HTML)
    sources = page_source(tmp_path, server, url=server.url("/moved"))
    moved = poll(sources)
    assert (moved["new_items"], moved["candidates"], moved["quiet"]) == (10, 0, 10)

    # Disabled (a poll sees it so), then enabled again with what it published meanwhile.
    poll(page_source(tmp_path, server, url=server.url("/moved"), enabled=False))
    server.add("/moved", listing(titles, list(range(2, 16))), headers=HTML)
    again = poll(page_source(tmp_path, server, url=server.url("/moved")))
    assert (again["new_items"], again["candidates"], again["quiet"]) == (4, 0, 4)
    # And from then on, a new item is news again.
    server.add("/moved", listing(titles, list(range(2, 17))), headers=HTML)
    assert poll(sources)["candidates"] == 1
    assert posted(engine) == 1


def test_a_re_listing_of_60_new_items_is_stored_quiet_with_a_warning_naming_60(
    tmp_path: Path, server: LocalServer, engine: Engine, db_url: str
) -> None:
    recent = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    titles = real_titles(71)
    feed = [
        FeedItem(t, f"https://www.gov.uk/government/news/{n}", recent) for n, t in enumerate(titles)
    ]
    server.add("/feed.xml", atom(feed[:10]), headers=ATOM)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "dhsc",
                "publisher": "Department of Health and Social Care",
                "url": server.url("/feed.xml"),
            }
        ],
    )
    first = poll(sources)
    assert (first["new_items"], first["cards"]) == (10, 10)  # dated and recent: news

    server.add("/feed.xml", atom(feed[:70]), headers=ATOM)  # 60 new among 70 entries
    flood = poll(sources)

    assert (flood["new_items"], flood["candidates"], flood["quiet"]) == (60, 0, 60)
    (warning,) = [w["warning"] for w in flood["warnings"] if w["id"] == "dhsc"]
    assert warning.startswith("60 new items at once")
    assert lanes(engine) == {("card", "queued"): 10, ("quiet", "new"): 60}
    assert posted(engine) == 10

    status = CliRunner().invoke(cli, ["sources", "status", str(sources), "--json"])
    (health,) = json.loads(status.stdout)
    assert health["flood_items"] == 60 and "60 new items at once" in health["detail"]
    now = datetime.now(UTC)
    assert "`dhsc`: 60 new items at once" in status_text(engine, now)
    report = weekly_report(engine, load_sources(sources), now)
    assert (
        report is not None
        and "`dhsc` (Department of Health and Social Care): 60 new items" in report
    )

    # The editors can still find them.
    found = CliRunner().invoke(cli, ["find", *titles[69].split()[:6], "--lane", "quiet", "--json"])
    assert found.exit_code == 0, found.output
    assert titles[69] in {r["title"] for r in json.loads(found.stdout)}

    # The next new item is news again (the summary line counts the lanes too).
    server.add("/feed.xml", atom(feed[:71]), headers=ATOM)
    text = CliRunner().invoke(cli, ["poll", "--all", "--sources", str(sources)])
    assert text.exit_code == 0, text.output
    assert "1 new item (1 for editors: 1 card, 0 in the digest; 0 quiet)" in text.output
    assert lanes(engine) == {("card", "queued"): 11, ("quiet", "new"): 60}
