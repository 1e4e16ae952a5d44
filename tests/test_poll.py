"""The poll pipeline end to end against a real loopback server and a real database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from curator.classify import ClassifyInput
from curator.classify.lanes import LaneThresholds
from curator.config import Settings
from curator.fetch import FetchRequest, FetchSettings
from curator.pipeline import Poller
from curator.pipeline.records import Arrival
from curator.records import FetchResult, Prediction, SourceConfig
from curator.store.decisions import Actor, decide
from curator.store.schema import items, predictions, source_state
from tests.conftest import FIXTURES
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.support.polling import KeywordClassifier

pytestmark = pytest.mark.storage
NOW = datetime(2024, 6, 12, 8, tzinfo=UTC)
FAST = FetchSettings(
    connect_timeout=2, read_timeout=2, total_timeout=3, allow_private_networks=True
)


def src(server: LocalServer, path: str, sid: str = "dhsc", **kw: object) -> SourceConfig:
    base = SourceConfig(
        id=sid,
        publisher="Department of Health and Social Care",
        kind="feed",
        url=server.url(path),
        every=timedelta(hours=1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


_OPEN: list[Poller] = []


@pytest.fixture(autouse=True, params=[1, 0], ids=["parser-process", "in-process"])
def parse_workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Every test runs with documents parsed in a child process (the default) and in-process
    (CURATOR_PARSE_WORKERS=0); the parser processes are stopped afterwards."""
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", str(request.param))
    yield int(request.param)
    while _OPEN:
        _OPEN.pop().close()


def poller(engine: Engine, now: datetime = NOW, **kw: object) -> Poller:
    kw.setdefault("classifier", KeywordClassifier())
    made = Poller(
        engine,
        Settings(),
        clock=lambda: now,
        fetch_settings=FAST,
        **kw,  # type: ignore[arg-type]
    )
    _OPEN.append(made)
    return made


def count(engine: Engine, table: object = items) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


FEED = [
    FeedItem(
        "Research and analysis: Making prevention everyone's business report",
        "https://www.gov.uk/government/publications/making-prevention-everyones-business",
        summary="<p>A report &amp; a plan</p>",
    ),
    FeedItem(
        "Press release: Minister visits care home",
        "https://www.gov.uk/government/news/minister-visits-care-home",
    ),
]


def test_new_items_are_stored_classified_and_queued(engine: Engine, server: LocalServer) -> None:
    server.add(
        "/dhsc.atom", atom(FEED), etag='"v1"', headers={"Content-Type": "application/atom+xml"}
    )
    report = poller(engine).poll([src(server, "/dhsc.atom")])
    assert (report.ok, report.new_items, report.candidates, report.failed) == (1, 2, 1, 0)
    with engine.connect() as conn:
        rows = conn.execute(select(items).order_by(items.c.id)).mappings().all()
        preds = conn.execute(select(predictions)).mappings().all()
    assert rows[0]["title"] == "Making prevention everyone's business report"
    assert rows[0]["document_type"] == "Research and analysis"
    assert rows[0]["summary"] == "A report & a plan"
    assert rows[0]["govuk_path"] == "/government/publications/making-prevention-everyones-business"
    assert [r["status"] for r in rows] == ["queued", "new"]
    assert {p["model_version"] for p in preds} == {"fake-1"} and len(preds) == 2


class PointsClassifier(KeywordClassifier):
    """The same fake with operating points, and lower ones for an item without a summary."""

    lane_thresholds = LaneThresholds(
        card=0.5, digest=0.2, without_summary=LaneThresholds(card=0.05, digest=0.01)
    )


def test_an_item_without_a_summary_is_laned_at_the_points_for_items_without_one(
    engine: Engine, server: LocalServer
) -> None:
    feed = [
        FeedItem("Minutes of the board", "https://x.test/minutes", summary="<p>Budget agreed</p>"),
        FeedItem("Minutes of the panel", "https://x.test/panel", summary="<p> </p>"),
        FeedItem("Minutes of the trust", "https://x.test/trust", summary="Minutes of the Trust"),
        FeedItem("Annual report", "https://x.test/annual"),
    ]
    server.add("/dhsc.atom", atom(feed), headers={"Content-Type": "application/atom+xml"})
    # a later document: the source's first one would keep undated items quiet, and these are
    # dated; the fake scores 0.1 without "report" in the title and 0.9 with it
    report = poller(engine, classifier=PointsClassifier()).poll([src(server, "/dhsc.atom")])
    assert (report.new_items, report.cards, report.digest, report.quiet) == (4, 3, 0, 1)
    with engine.connect() as conn:
        lanes = {r.url: r.lane for r in conn.execute(select(items.c.url, items.c.lane))}
    assert lanes == {
        "https://x.test/minutes": "quiet",  # 0.1 with a summary: below the digest point 0.2
        "https://x.test/panel": "card",  # 0.1 without one: above its card point 0.05
        "https://x.test/trust": "card",  # a summary that repeats the title is none
        "https://x.test/annual": "card",
    }


def test_second_poll_sends_validators_and_304_parses_nothing(
    engine: Engine, server: LocalServer
) -> None:
    server.add("/dhsc.atom", atom(FEED), etag='"v1"')
    source = src(server, "/dhsc.atom")
    poller(engine).poll([source])
    again = poller(engine, NOW + timedelta(hours=2)).poll([source])
    assert (again.not_modified, again.new_items, again.ok) == (1, 0, 0)
    assert server.requests[-1][2].get("If-None-Match") == '"v1"'
    assert count(engine) == 2


def test_the_same_document_again_without_validators_is_not_parsed_again(
    engine: Engine, server: LocalServer
) -> None:
    """A server that sends no ETag or Last-Modified answers 200 with the same bytes: recorded
    as not modified, nothing parsed (no duplicates counted); a changed document parses."""
    body = atom(FEED)
    server.add("/dhsc.atom", body)
    source = src(server, "/dhsc.atom")
    first = poller(engine).poll([source])
    assert (first.ok, first.new_items) == (1, 2)

    again = poller(engine, NOW + timedelta(hours=2)).poll([source])
    assert (again.not_modified, again.ok, again.duplicates, again.new_items) == (1, 0, 0, 0)
    with engine.connect() as conn:
        state = conn.execute(select(source_state)).one()
    assert state.last_status == 200 and state.consecutive_failures == 0
    assert state.last_ok_at is not None and state.last_ok_at.replace(tzinfo=UTC) == NOW + timedelta(
        hours=2
    )

    server.add("/dhsc.atom", atom([*FEED, FeedItem("A new report", "https://example.org/new")]))
    changed = poller(engine, NOW + timedelta(hours=4)).poll([source])
    assert (changed.ok, changed.new_items, changed.duplicates) == (1, 1, 2)


def test_a_document_that_failed_to_parse_is_parsed_again_next_time(
    engine: Engine, server: LocalServer
) -> None:
    """Only a document whose entries were stored is remembered: a failure is retried in full."""
    server.add("/dhsc.atom", b"<html><body><p>Maintenance</p></body></html>")
    source = src(server, "/dhsc.atom")
    assert poller(engine).poll([source]).failed == 1
    assert poller(engine, NOW + timedelta(hours=2)).poll([source], force=True).failed == 1


def test_a_changed_source_setting_parses_the_same_document_again(
    engine: Engine, server: LocalServer
) -> None:
    body = atom(FEED)
    server.add("/dhsc.atom", body)
    server.add("/moved.atom", body)
    source = src(server, "/dhsc.atom")
    poller(engine).poll([source])
    moved = replace(source, url=server.url("/moved.atom"))  # a new final URL: links may differ
    report = poller(engine, NOW + timedelta(hours=2)).poll([moved])
    assert (report.ok, report.not_modified, report.duplicates) == (1, 0, 2)


def test_a_source_that_is_not_due_is_not_fetched(engine: Engine, server: LocalServer) -> None:
    server.add("/dhsc.atom", atom(FEED))
    source = src(server, "/dhsc.atom")
    poller(engine).poll([source])
    report = poller(engine, NOW + timedelta(minutes=5)).poll([source])
    assert report.sources == 0 and len(server.requests) == 1
    assert poller(engine, NOW + timedelta(minutes=5)).poll([source], force=True).sources == 1


def test_the_same_publication_under_other_urls_is_stored_once(
    engine: Engine, server: LocalServer
) -> None:
    variants = [
        FeedItem(
            "Guidance: Prevent duty", "https://www.gov.uk/government/publications/prevent-duty"
        ),
        FeedItem(
            "Guidance: Prevent duty",
            "http://gov.uk/government/publications/prevent-duty?utm_source=x#top",
        ),
    ]
    server.add("/a.atom", atom(variants[:1]))
    server.add("/b.atom", atom(variants[1:]))
    report = poller(engine).poll([src(server, "/a.atom", "a"), src(server, "/b.atom", "b")])
    assert (report.new_items, report.duplicates) == (1, 1)


def test_near_identical_title_from_same_publisher_within_14_days_is_a_duplicate(
    engine: Engine, server: LocalServer
) -> None:
    server.add(
        "/a.atom",
        atom(
            [
                FeedItem(
                    "Care Act 2014: 10 Years On",
                    "https://www.local.gov.uk/publications/care-act-2014-10-years",
                )
            ]
        ),
    )
    server.add(
        "/b.atom",
        atom(
            [
                FeedItem(
                    "Care Act 2014 - 10 years on", "https://www.local.gov.uk/care-act-10-years-on"
                )
            ]
        ),
    )
    report = poller(engine).poll([src(server, "/a.atom", "a"), src(server, "/b.atom", "b")])
    assert (report.new_items, report.duplicates) == (1, 1)


def test_a_near_duplicate_far_older_than_the_feeds_first_entry_is_still_found(
    engine: Engine, server: LocalServer
) -> None:
    """Titles are read around each entry's own date, not only around the first entry's."""
    old = FeedItem(
        "Prison estate review 2023",
        "https://publisher.example/prison-estate-review",
        updated="2023-01-02T09:00:00Z",
    )
    server.add("/a.atom", atom([old]))
    assert poller(engine).poll([src(server, "/a.atom", "a")]).new_items == 1
    later = [
        FeedItem("Quarterly report on adult social care", "https://publisher.example/q2"),
        FeedItem(
            "Prison estate review, 2023",
            "https://publisher.example/archive/prison-estate-review-2023",
            updated="2023-01-05T09:00:00Z",
        ),
    ]
    server.add("/a.atom", atom(later))
    report = poller(engine, now=NOW + timedelta(hours=2)).poll([src(server, "/a.atom", "a")])
    assert (report.new_items, report.duplicates) == (1, 1)


def test_a_rejected_item_never_comes_back_as_new(engine: Engine, server: LocalServer) -> None:
    server.add("/dhsc.atom", atom(FEED), etag='"v1"')
    source = src(server, "/dhsc.atom")
    poller(engine).poll([source])
    with engine.connect() as conn:
        first = conn.execute(select(items.c.id).order_by(items.c.id)).scalars().first()
    assert first is not None
    decide(engine, first, "reject", Actor("U1", "ana"))
    # the feed changed (a full body again), and still lists the rejected item
    later = [*FEED, FeedItem("Another report", "https://example.org/another")]
    server.add("/dhsc.atom", atom(later), etag='"v2"')
    again = poller(engine, NOW + timedelta(hours=2)).poll([source])
    assert (again.new_items, again.duplicates) == (1, 2)
    with engine.connect() as conn:
        assert (
            conn.execute(select(items.c.status).where(items.c.id == first)).scalar() == "rejected"
        )


def test_a_failing_source_is_reported_backed_off_and_others_carry_on(
    engine: Engine, server: LocalServer
) -> None:
    server.add("/ok.atom", atom(FEED))
    server.add("/down.atom", b"oops", status=503, headers={"Retry-After": "7200"})
    report = poller(engine).poll([src(server, "/ok.atom", "ok"), src(server, "/down.atom", "down")])
    assert (report.ok, report.failed, report.new_items) == (1, 1, 2)
    assert report.errors[0]["id"] == "down" and "503" in report.errors[0]["error"]
    with engine.connect() as conn:
        st = (
            conn.execute(select(source_state).where(source_state.c.source_id == "down"))
            .mappings()
            .one()
        )
    assert st["consecutive_failures"] == 1 and "503" in st["last_error"]
    assert st["next_check_at"] >= NOW + timedelta(seconds=7200)


def test_not_a_feed_names_the_feed_found_on_the_page(engine: Engine, server: LocalServer) -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        b"</head><body>hi</body></html>"
    )
    server.add("/news", page, headers={"Content-Type": "text/html"})
    report = poller(engine).poll([src(server, "/news")])
    assert report.failed == 1
    assert (
        "not a feed" in report.errors[0]["error"]
        and server.url("/feed.xml") in report.errors[0]["error"]
    )


def test_malformed_real_feed_keeps_what_is_recovered(engine: Engine, server: LocalServer) -> None:
    body = (FIXTURES / "feeds" / "awkward-rss-unescaped-ampersand-sax-error.xml").read_bytes()
    server.add("/bad.xml", body)
    report = poller(engine).poll([src(server, "/bad.xml")])
    assert report.ok == 1 and report.new_items == 3


def test_old_entries_are_stored_but_not_shown_to_editors(
    engine: Engine, server: LocalServer
) -> None:
    server.add("/guardian.xml", (FIXTURES / "feeds" / "uk-guardian-rss-media-rss.xml").read_bytes())
    report = poller(engine).poll([src(server, "/guardian.xml")])
    assert report.new_items == 55 and report.candidates == 0


def test_poll_json_shape_and_exit_code(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.cli import cli

    server.add("/ok.atom", atom(FEED))
    server.add("/gone.atom", b"", status=404)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "ok",
                "publisher": "Department of Health and Social Care",
                "url": server.url("/ok.atom"),
            },
            {"id": "gone", "publisher": "NHS England", "url": server.url("/gone.atom")},
        ],
    )
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["poll", "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"sources", "ok", "not_modified", "failed", "new_items", "duplicates", "errors"} <= set(
        data
    )
    assert (data["sources"], data["ok"], data["failed"], data["new_items"]) == (2, 1, 1, 2)
    assert data["errors"][0]["id"] == "gone" and "404" in data["errors"][0]["error"]


def test_an_invalid_sources_file_is_refused_and_nothing_is_touched(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    from curator.cli import cli
    from tests.support.factories import add_item

    add_item(engine)
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: dhsc\n    kind: feed\n    every: soon\n", encoding="utf-8")
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    result = CliRunner().invoke(cli, ["poll", "--sources", str(bad)])
    assert result.exit_code == 2
    assert "sources.yaml:" in result.stderr and "dhsc" in result.stderr
    assert count(engine) == 1


def test_govuk_org_feed_two_days_later_brings_only_the_new_publication(
    engine: Engine, server: LocalServer
) -> None:
    """GOV.UK entry ids change on every update; the link is the key (fixtures built from the
    GOV.UK templates, see tests/fixtures/PROVENANCE.md)."""
    feeds = FIXTURES / "feeds"
    day1 = (feeds / "govuk-organisation-dhsc-built-2026-11-24.atom").read_bytes()
    day3 = (feeds / "govuk-organisation-dhsc-built-2026-11-26.atom").read_bytes()
    server.add("/dhsc.atom", day1)
    source = src(server, "/dhsc.atom")
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    first = poller(engine, now).poll([source])
    assert (first.new_items, first.duplicates) == (9, 0)
    server.add("/dhsc.atom", day3)
    later = poller(engine, now + timedelta(days=2)).poll([source])
    assert (later.new_items, later.duplicates) == (1, 8)
    with engine.connect() as conn:
        newest = conn.execute(select(items.c.title).order_by(items.c.id.desc())).scalars().first()
    assert newest is not None and "carers" in newest.lower()


def test_a_govuk_feed_that_has_ended_is_an_alarm(engine: Engine, server: LocalServer) -> None:
    from curator.store.health import source_health

    server.add(
        "/old.atom", (FIXTURES / "feeds" / "govuk-finder-feed-ended-built.atom").read_bytes()
    )
    source = src(server, "/old.atom")
    report = poller(engine).poll([source])
    assert report.failed == 1 and "ended" in report.errors[0]["error"]
    with engine.connect() as conn:
        (health,) = source_health(conn, [source], NOW)
    assert health.status == "ended" and "ended" in health.detail


class ExplodingClassifier(KeywordClassifier):
    """Fails on any batch holding a title with "BOOM" in it, and counts its calls."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]:
        self.calls.append(len(inputs))
        if any("BOOM" in i.title for i in inputs):
            raise ValueError("cannot classify this one")
        return super().predict(inputs)


def _arrivals(
    server: LocalServer, engine: Engine, feeds: dict[str, list[FeedItem]]
) -> list[Arrival]:
    """Sources that arrived together, as the store thread sees them: fetched, not yet parsed."""
    from curator.store import source_state as state_store

    sources, arrivals = [], []
    for sid, entries in feeds.items():
        body = atom(entries)
        server.add(f"/{sid}.atom", body)
        source = src(server, f"/{sid}.atom", sid=sid)
        result = FetchResult(
            sid, source.url, 200, {"content-type": "application/atom+xml"}, body, 0.1
        )
        sources.append(source)
        arrivals.append(Arrival(FetchRequest(source), result))
    with engine.begin() as conn:
        state_store.sync_sources(conn, sources)
    return arrivals


def _feed(sid: str, n: int, title: str = "report") -> list[FeedItem]:
    return [FeedItem(f"{sid} {title} {i}", f"https://example.org/{sid}/{i}") for i in range(n)]


def test_sources_that_arrive_together_are_classified_in_one_model_call(
    engine: Engine, server: LocalServer
) -> None:
    from curator.pipeline import PollReport
    from curator.store import source_state as state_store

    clf = ExplodingClassifier()
    made = poller(engine, classifier=clf)
    arrivals = _arrivals(server, engine, {f"s{k}": _feed(f"s{k}", 3) for k in range(4)})
    with engine.connect() as conn:
        states = state_store.load_states(conn)
    report = PollReport()

    outcomes = list(made.source_store(report, states).store_group(arrivals))

    assert [(o.source.id, o.text) for o in outcomes] == [(f"s{k}", "3 new") for k in range(4)]
    assert clf.calls == [12]  # one call for the 4 sources' 12 new items, not 4 calls
    assert (report.ok, report.new_items, report.candidates) == (4, 12, 12)
    assert count(engine) == 12 and count(engine, predictions) == 12


def test_one_source_that_breaks_the_batch_fails_alone(engine: Engine, server: LocalServer) -> None:
    """Storing together is all or nothing, so when it fails the sources are stored one by one:
    the one that fails is recorded against itself and keeps nothing; the others are stored."""
    from curator.pipeline import PollReport
    from curator.store import source_state as state_store

    clf = ExplodingClassifier()
    made = poller(engine, classifier=clf)
    feeds = {"a": _feed("a", 2), "b": _feed("b", 2, title="BOOM"), "c": _feed("c", 2)}
    arrivals = _arrivals(server, engine, feeds)
    with engine.connect() as conn:
        states = state_store.load_states(conn)
    report = PollReport()

    outcomes = list(made.source_store(report, states).store_group(arrivals))

    assert [(o.source.id, o.text) for o in outcomes] == [
        ("a", "2 new"),
        ("b", "failed"),
        ("c", "2 new"),
    ]
    assert clf.calls == [6, 2, 2, 2]  # together, then one by one
    assert report.failed == 1 and report.errors[0]["id"] == "b"
    assert "internal error" in report.errors[0]["error"]
    with engine.connect() as conn:
        stored = set(conn.execute(select(items.c.source_id)).scalars())
        rows = conn.execute(select(source_state.c.source_id, source_state.c.consecutive_failures))
        failures = {sid: n for sid, n in rows}
    assert stored == {"a", "c"}  # nothing of b's is kept: the next poll sees its items as new
    assert failures == {"a": 0, "b": 1, "c": 0}
    assert count(engine, predictions) == 4


def test_a_poll_with_a_failing_batch_still_stores_every_other_source(
    engine: Engine, server: LocalServer
) -> None:
    """The same through a whole poll, however the sources happen to arrive."""
    clf = ExplodingClassifier()
    sources = []
    for sid, title in [("a", "report"), ("b", "BOOM"), ("c", "report"), ("d", "report")]:
        server.add(f"/{sid}.atom", atom(_feed(sid, 2, title=title)))
        sources.append(src(server, f"/{sid}.atom", sid=sid))

    report = poller(engine, classifier=clf).poll(sources)

    assert (report.ok, report.failed, report.new_items) == (3, 1, 6)
    assert [e["id"] for e in report.errors] == ["b"]
    with engine.connect() as conn:
        assert set(conn.execute(select(items.c.source_id)).scalars()) == {"a", "c", "d"}


def test_a_transaction_stops_taking_sources_once_it_holds_enough_entries() -> None:
    from curator.pipeline.records import Parsed
    from curator.pipeline.stages import batches as _batches
    from curator.records import ParsedFeed

    def parsed(sid: str, n: int) -> Parsed:
        source = SourceConfig(id=sid, publisher="P", kind="feed", url=f"https://e.org/{sid}")
        result = FetchResult(sid, source.url, 200, {}, b"", 0.0)
        return Parsed(source, result, ParsedFeed(entries=[object()] * n))  # type: ignore[list-item]

    def ids(batches: Iterable[list[Parsed]]) -> list[str]:
        return ["".join(p.source.id for p in b) for b in batches]

    group = [parsed("a", 150), parsed("b", 60), parsed("c", 0), parsed("d", 300), parsed("e", 5)]
    assert ids(_batches(group, 200)) == ["ab", "cd", "e"]
    assert ids(_batches([parsed(s, 1) for s in "abcde"], 200, sources=2)) == ["ab", "cd", "e"]
    assert list(_batches([], 200)) == []


def test_a_full_batch_is_stored_before_the_next_source_is_parsed() -> None:
    """Batches are handed on as they fill, not once every source of the group is parsed: the
    store keeps pace with the parser, and little is left to store after the last parse."""
    from curator.pipeline.records import Parsed
    from curator.pipeline.stages import batches as _batches
    from curator.records import ParsedFeed

    pulled: list[str] = []

    def arriving() -> Iterator[Parsed]:
        for sid in "abcd":
            pulled.append(sid)
            source = SourceConfig(id=sid, publisher="P", kind="feed", url=f"https://e.org/{sid}")
            feed = ParsedFeed(entries=[object()] * 100)  # type: ignore[list-item]
            yield Parsed(source, FetchResult(sid, source.url, 200, {}, b"", 0.0), feed)

    batches = _batches(arriving(), 200)
    first = next(batches)
    assert [p.source.id for p in first] == ["a", "b"] and pulled == ["a", "b"]


def _refuse_success_of(engine: Engine, source_id: str) -> None:
    """A real database refusal, not a patched function: a trigger that aborts any UPDATE
    recording a success (``last_ok_at``) for one source; failures are still recorded."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_ok BEFORE UPDATE OF last_ok_at ON source_state "
                f"WHEN NEW.source_id = '{source_id}' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_ok() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.source_id = '{source_id}' THEN "
                "RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_ok BEFORE UPDATE OF last_ok_at ON source_state "
                "FOR EACH ROW EXECUTE FUNCTION refuse_ok()"
            )


def test_unchanged_sources_are_recorded_one_by_one_when_recording_them_together_fails(
    engine: Engine, server: LocalServer
) -> None:
    """304s are recorded in one transaction; when the database refuses it, each source is
    recorded on its own, so only the source the database refuses is marked failed."""
    sources = []
    for sid in ("a", "b", "c"):
        server.add(f"/{sid}.atom", atom(_feed(sid, 2)), etag=f'"{sid}-1"')
        sources.append(src(server, f"/{sid}.atom", sid=sid))
    first = poller(engine).poll(sources, force=True)
    assert (first.ok, first.new_items) == (3, 6)
    _refuse_success_of(engine, "b")

    second = poller(engine, now=NOW + timedelta(hours=2)).poll(sources, force=True)

    assert (second.not_modified, second.failed) == (2, 1)
    assert [e["id"] for e in second.errors] == ["b"]
    assert "refused by a test trigger" in second.errors[0]["error"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(source_state.c.source_id, source_state.c.consecutive_failures)
        ).all()
    assert dict(rows) == {"a": 0, "b": 1, "c": 0}
    assert count(engine) == 6  # nothing stored is lost
