"""A new item without a summary is given its own page's description before it is classified:
the poll on a real loopback server, the real fetcher and parser processes, and a real database.

The item pages are tests/fixtures/enrich/pages/ (built pages around real published text; see that
folder's PROVENANCE.md); the feed is built by the test (tests/support/feeds.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, select

from curator.parse.describe import DescribeJob, page_description
from curator.pipeline import Poller, PollReport
from curator.pipeline.stages import SourceStore
from curator.records import PageSelectors, SourceConfig
from curator.store.schema import items
from tests.conftest import FIXTURES
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.support.polling import NOW, Pollers

pytestmark = pytest.mark.storage
PAGES = FIXTURES / "enrich" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
SITE_WIDE = b'<html><head><meta name="description" content="We are the charity for it."></head>'


@pytest.fixture(params=[1, 0], ids=["parser-process", "in-process"])
def workers(request: pytest.FixtureRequest) -> int:
    return int(request.param)


def poll(
    server: LocalServer,
    pollers: Pollers,
    workers: int,
    *,
    at: datetime = NOW,
    **settings: object,
) -> PollReport:
    made = pollers(at=at, parse_workers=workers, **settings)  # type: ignore[arg-type]
    source = SourceConfig(
        id="thf", publisher="The Health Foundation", kind="feed", url=server.url("/feed.atom")
    )
    return made.poll([source], force=True)


def serve(server: LocalServer, entries: list[FeedItem]) -> None:
    server.add("/feed.atom", atom(entries), headers={"Content-Type": "application/atom+xml"})
    server.add(
        "/p/hf", (PAGES / "drupal-health-foundation-publics-views.html").read_bytes(), headers=HTML
    )
    server.add(
        "/p/lga", (PAGES / "drupal-lga-care-act-10-years-on.html").read_bytes(), headers=HTML
    )
    server.add("/p/site-1", SITE_WIDE, headers=HTML)
    server.add("/p/site-2", SITE_WIDE, headers=HTML)


def feed(server: LocalServer) -> list[FeedItem]:
    return [
        FeedItem("The public's views on the future of the NHS", server.url("/p/hf")),
        FeedItem("Care Act 2014: 10 years on", server.url("/p/lga")),
        FeedItem("Building bridges", server.url("/p/missing")),  # 404
        FeedItem("Trustees", server.url("/p/site-1")),  # a site-wide description, shared
        FeedItem("Volunteers", server.url("/p/site-2")),
        FeedItem("Minutes", server.url("/p/minutes"), summary="<p>The board met in May</p>"),
    ]


def fetched(server: LocalServer) -> list[str]:
    return [path for method, path, _ in server.requests if path.startswith("/p/")]


def stored(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.url, items.c.summary, items.c.lane)).all()
    return {r.url.rsplit("/", 1)[-1]: (r.summary, r.lane) for r in rows}


def test_items_without_a_summary_are_given_their_pages_description(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    serve(server, feed(server))
    report = poll(server, pollers, workers)
    assert (report.new_items, report.described, report.failed) == (6, 2, 0)
    assert report.as_json()["described"] == 2
    own = {
        name: page_description(DescribeJob((PAGES / page).read_bytes()))
        for name, page in [
            ("hf", "drupal-health-foundation-publics-views.html"),
            ("lga", "drupal-lga-care-act-10-years-on.html"),
        ]
    }
    assert stored(engine) == {
        # described: read at the usual points, where the fake's 0.1 is quiet
        "hf": (own["hf"], "quiet"),
        "lga": (own["lga"], "quiet"),
        # no page, or only the site's description: as they came, at the lower points
        "missing": ("", "card"),
        "site-1": ("", "card"),
        "site-2": ("", "card"),
        "minutes": ("The board met in May", "quiet"),  # it had a summary: its page is not read
    }
    assert sorted(fetched(server)) == ["/p/hf", "/p/lga", "/p/missing", "/p/site-1", "/p/site-2"]


def test_a_page_is_read_once_not_on_every_poll(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    entries = feed(server)
    serve(server, entries)
    poll(server, pollers, workers)
    server.requests.clear()
    later = [FeedItem("Evaluation of virtual wards", server.url("/p/new")), *entries]
    server.add("/feed.atom", atom(later), headers={"Content-Type": "application/atom+xml"})
    report = poll(server, pollers, workers, at=NOW + timedelta(hours=2))
    assert (report.new_items, report.described) == (1, 0)
    assert fetched(server) == ["/p/new"]  # the stored items' pages are not read again


def test_the_pages_read_in_a_pass_are_capped(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    serve(server, feed(server))
    report = poll(server, pollers, workers, describe_pages=1)
    assert report.new_items == 6 and len(fetched(server)) == 1
    server.requests.clear()
    serve(server, feed(server)[:1])
    assert poll(server, pollers, workers, describe_pages=0).new_items == 0
    assert fetched(server) == []


def test_robots_txt_is_obeyed_and_the_items_are_stored_as_they_came(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    serve(server, feed(server))
    server.add(
        "/robots.txt", "User-agent: *\nDisallow: /p/\n", headers={"Content-Type": "text/plain"}
    )
    report = poll(server, pollers, workers)
    assert (report.new_items, report.described, report.failed) == (6, 0, 0)
    assert fetched(server) == []
    assert stored(engine)["hf"] == ("", "card")


def test_an_undated_archive_on_a_sources_first_poll_is_not_read_but_a_later_item_is(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    # a page source's listing of undated items, polled for the first time: its archive, quiet
    def listing(count: int) -> str:
        links = "".join(
            f'<li><a href="{server.url(f"/p/{n}")}">Report number {n}</a></li>'
            for n in range(count)
        )
        return f"<html><body><ul>{links}</ul></body></html>"

    server.add("/list", listing(30), headers=HTML)
    source = SourceConfig(
        id="epi",
        publisher="EPI",
        kind="page",
        url=server.url("/list"),
        selectors=PageSelectors(item="li", title="a", link="a"),
    )

    def run(at: datetime) -> PollReport:
        return pollers(at=at, parse_workers=workers).poll([source], force=True)

    report = run(NOW)
    assert (report.new_items, report.quiet) == (30, 30)
    assert fetched(server) == []
    server.add("/list", listing(31), headers=HTML)
    server.add("/p/30", (PAGES / "drupal-lga-care-act-10-years-on.html").read_bytes(), headers=HTML)
    report = run(NOW + timedelta(hours=2))
    assert (report.new_items, report.described) == (1, 1)
    assert fetched(server) == ["/p/30"]


def test_curator_poll_counts_the_described_items(
    engine: Engine,
    server: LocalServer,
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from curator.cli import cli

    # the command polls at the real time: dated yesterday, so the items are not an old archive
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    recent = [replace(item, updated=yesterday) for item in feed(server)]
    serve(server, recent)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "thf", "publisher": "The Health Foundation", "url": server.url("/feed.atom")}],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["poll", "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["new_items"], data["described"]) == (6, 2)
    serve(server, [FeedItem("Annual review", server.url("/p/lga-again"), yesterday), *recent])
    server.add(
        "/p/lga-again", (PAGES / "drupal-lga-care-act-10-years-on.html").read_bytes(), headers=HTML
    )
    result = CliRunner().invoke(cli, ["poll", "--sources", str(sources), "--all"])
    assert result.exit_code == 0, result.output
    assert "1 came without a summary and were given their page's description." in result.stdout


def test_when_the_pages_run_short_each_source_gets_its_turn(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int
) -> None:
    # two sources of three items each without a summary, and three pages a pass, of which one
    # source may use a third: one of each
    for name in ("a", "b"):
        entries = [FeedItem(f"Item {n} of {name}", server.url(f"/p/{name}{n}")) for n in range(3)]
        server.add(f"/{name}.atom", atom(entries), headers={"Content-Type": "application/atom+xml"})
        for n in range(3):
            server.add(f"/p/{name}{n}", SITE_WIDE.replace(b"for it", f"for {name}{n}".encode()))
    made = pollers(parse_workers=workers, describe_pages=3)
    sources = [
        SourceConfig(id=name, publisher=name, kind="feed", url=server.url(f"/{name}.atom"))
        for name in ("a", "b")
    ]
    report = made.poll(sources, force=True)
    assert (report.new_items, report.described) == (6, 2)
    assert sorted(p[3] for p in fetched(server)) == ["a", "b"]


def test_a_failure_to_read_descriptions_never_costs_the_batch(
    engine: Engine, server: LocalServer, pollers: Pollers, workers: int, tmp_path: Path
) -> None:
    class Unlucky(Poller):
        """The pages are read through a database that cannot be opened: the read of which items
        are stored fails, as a bug or a lost database would."""

        def source_store(self, report: PollReport, states: Any) -> SourceStore:
            store = super().source_store(report, states)
            assert store.describe is not None
            missing = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
            store.describe = replace(store.describe, engine=missing)
            return store

    serve(server, feed(server))
    made = pollers(kind=Unlucky, parse_workers=workers)
    source = SourceConfig(id="thf", publisher="THF", kind="feed", url=server.url("/feed.atom"))
    report = made.poll([source], force=True)
    assert (report.ok, report.failed, report.new_items, report.described) == (1, 0, 6, 0)
    assert stored(engine)["hf"] == ("", "card")


def test_a_page_sources_own_description_is_not_taken_for_an_items(
    server: LocalServer, pollers: Pollers, workers: int
) -> None:
    # the listing page and one item page share the site's description; the other item's is its own
    site = b'<meta name="description" content="We are the charity for it.">'
    links = "".join(
        f'<li><a href="{server.url(f"/p/{name}")}">Paper {name}</a></li>' for name in ("a", "b")
    )
    listing = f"<html><head>{site.decode()}</head><body><ul>{links}</ul></body></html>"
    server.add("/list", listing, headers=HTML)
    server.add("/p/a", SITE_WIDE, headers=HTML)
    server.add("/p/b", (PAGES / "drupal-lga-care-act-10-years-on.html").read_bytes(), headers=HTML)
    source = SourceConfig(
        id="epi",
        publisher="EPI",
        kind="page",
        url=server.url("/list"),
        selectors=PageSelectors(item="li", title="a", link="a"),
    )
    pollers(parse_workers=workers).poll([source], force=True)  # the first poll: its archive
    server.add(
        "/list",
        listing.replace("</ul>", f'<li><a href="{server.url("/p/c")}">Paper c</a></li></ul>'),
        headers=HTML,
    )
    server.add("/p/c", SITE_WIDE, headers=HTML)
    report = pollers(at=NOW + timedelta(hours=2), parse_workers=workers).poll([source], force=True)
    assert (report.new_items, report.described) == (1, 0)  # the site's sentence is not Paper c's
    assert fetched(server) == ["/p/c"]
