"""Parsing in child processes (curator.parse.pool): same results as in-process, and a document
that kills or hangs its parser fails only its own source."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from sqlalchemy import Engine, func, select

from curator.config import Settings
from curator.errors import ParseError
from curator.fetch import FetchSettings
from curator.parse import parse_document
from curator.parse.pool import ParseJob, ParsePool, parse_job
from curator.pipeline import Poller
from curator.records import ParsedFeed, SourceConfig
from curator.store.schema import items, source_state
from tests.conftest import FIXTURES, REPO
from tests.support.feeds import FeedItem, atom
from tests.support.fresh import modules_loaded_by
from tests.support.httpserver import LocalServer

NOW = datetime(2024, 6, 12, 8, tzinfo=UTC)
GOVUK = FIXTURES / "feeds" / "govuk-organisation-dhsc-built-2026-11-26.atom"
SOURCE = SourceConfig(
    id="dhsc",
    publisher="Department of Health and Social Care",
    kind="feed",
    url="https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom",
)


def _job(content: bytes, source: SourceConfig = SOURCE) -> ParseJob:
    return ParseJob(content, source, source.url, {"content-type": "application/atom+xml"}, NOW)


def dies_or_hangs(job: ParseJob) -> ParsedFeed:
    """A parser with a fatal bug: a document holding b"DIE" kills its process, b"HANG" never
    finishes. Anything else is parsed as usual."""
    if b"DIE" in job.content:
        os._exit(7)
    if b"HANG" in job.content:
        time.sleep(3600)
    return parse_job(job)


def _refuse_to_unpickle() -> None:
    raise TypeError("this result cannot be read back")


class Unreadable:
    """A result the poller's process cannot unpickle: pebble then marks the whole pool broken
    (``BrokenProcessPool``), failing every pending job with it, as it does when a worker dies
    before it could say which job it had taken."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return (_refuse_to_unpickle, ())


def breaks_the_pool(job: ParseJob) -> ParsedFeed:
    """A parser whose result for a document holding b"BREAK" breaks the pool."""
    if b"BREAK" in job.content:
        return Unreadable()  # type: ignore[return-value]
    return parse_job(job)


@pytest.fixture
def pool() -> Iterator[ParsePool]:
    with ParsePool(1, timeout=3, function=dies_or_hangs) as p:
        yield p


def test_a_parser_process_gives_what_parsing_in_process_gives() -> None:
    content = GOVUK.read_bytes()
    expected = parse_document(
        content,
        source=SOURCE,
        url=SOURCE.url,
        headers={"content-type": "application/atom+xml"},
        now=NOW,
    )
    with ParsePool(1) as pool:
        got = pool.result(pool.submit(_job(content)), SOURCE)
    assert got == expected
    assert len(got.entries) > 5


def test_a_parse_error_keeps_its_message_across_the_process_boundary() -> None:
    html = b"<!doctype html><html><head><link rel='alternate' type='application/rss+xml' "
    html += b"href='/feed.xml'></head><body><p>Home</p></body></html>"
    with ParsePool(1) as pool, pytest.raises(ParseError) as info:
        pool.result(pool.submit(_job(html)), SOURCE)
    assert str(info.value).startswith("dhsc: not a feed; found ")
    assert "/feed.xml" in str(info.value)


def test_a_parser_that_dies_fails_only_its_document(pool: ParsePool) -> None:
    good = GOVUK.read_bytes()
    futures = [pool.submit(_job(doc)) for doc in (good, b"DIE", good)]
    assert pool.result(futures[0], SOURCE).entries
    with pytest.raises(ParseError, match=r"^dhsc: the parser process died .*exit code 7"):
        pool.result(futures[1], SOURCE)
    assert pool.result(futures[2], SOURCE).entries  # a fresh worker took over


def test_a_broken_pool_fails_only_the_document_that_broke_it() -> None:
    good = GOVUK.read_bytes()
    with ParsePool(1, timeout=10, function=breaks_the_pool) as pool:
        futures = [pool.submit(_job(doc)) for doc in (b"BREAK", good, good)]
        with pytest.raises(ParseError, match=r"^dhsc: the parser process died"):
            pool.result(futures[0], SOURCE)
        # the others were caught in the broken pool: each runs again on a fresh one
        assert pool.result(futures[1], SOURCE).entries
        assert pool.result(futures[2], SOURCE).entries
        assert pool.result(pool.submit(_job(good)), SOURCE).entries


def test_a_parse_that_hangs_is_stopped_after_the_timeout(pool: ParsePool) -> None:
    started = time.monotonic()
    hung = pool.submit(_job(b"HANG"))
    after = pool.submit(_job(GOVUK.read_bytes()))
    with pytest.raises(ParseError, match=r"longer than 3 s.*CURATOR_PARSE_TIMEOUT"):
        pool.result(hung, SOURCE)
    assert time.monotonic() - started < 30
    assert pool.result(after, SOURCE).entries


def test_closing_stops_the_parser_processes() -> None:
    pool = ParsePool(2)
    pool.start()
    me = psutil.Process()
    workers = [
        p for p in me.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())
    ]
    assert len(workers) >= 2
    pool.close()
    _gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


def test_idle_workers_are_released_and_come_back_for_the_next_job() -> None:
    """A pool with no job waiting stops its workers (``curator run`` after a pass that parsed
    nothing); the next job starts them again and is parsed as before. A pool with a job still
    waiting keeps them."""
    content = GOVUK.read_bytes()
    with ParsePool(1, timeout=30) as pool:
        pool.start()
        me = psutil.Process()
        workers = [
            p
            for p in me.children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline())
        ]
        waiting = pool.submit(_job(content))
        assert not pool.release_idle() or waiting.done()
        first = pool.result(waiting, SOURCE)
        assert pool.release_idle()
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive
        assert not pool.release_idle()  # nothing left to stop
        again = pool.result(pool.submit(_job(content)), SOURCE)
        assert again == first


def test_in_process_mode_starts_no_process() -> None:
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with ParsePool(0) as pool:
        got = pool.result(pool.submit(_job(GOVUK.read_bytes())), SOURCE)
        assert got.entries
        assert {p.pid for p in me.children(recursive=True)} == before


@pytest.mark.storage
def test_a_poll_where_one_document_kills_its_parser_stores_the_others(
    engine: Engine, server: LocalServer
) -> None:
    ok = [FeedItem("Adult social care report", "https://a.example/r1")]
    server.add("/ok.atom", atom(ok), headers={"Content-Type": "application/atom+xml"})
    server.add("/bad.atom", b"<feed>DIE</feed>", headers={"Content-Type": "application/atom+xml"})
    sources = [
        SourceConfig(id="good", publisher="Good", kind="feed", url=server.url("/ok.atom")),
        SourceConfig(id="bad", publisher="Bad", kind="feed", url=server.url("/bad.atom")),
    ]
    fetch = FetchSettings(
        connect_timeout=2, read_timeout=2, total_timeout=3, allow_private_networks=True
    )
    with Poller(
        engine,
        Settings(),
        load_model=False,
        clock=lambda: NOW,
        fetch_settings=fetch,
        parse_pool=ParsePool(1, timeout=5, function=dies_or_hangs),
    ) as poller:
        report = poller.poll(sources, force=True)
    assert (report.ok, report.failed, report.new_items) == (1, 1, 1)
    assert report.errors[0]["id"] == "bad"
    assert "the parser process died" in report.errors[0]["error"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar_one() == 1
        bad = conn.execute(select(source_state).where(source_state.c.source_id == "bad")).one()
    assert bad.consecutive_failures == 1
    assert bad.next_check_at.replace(tzinfo=UTC) > NOW + timedelta(minutes=1)
    assert bad.claimed_by is None


def test_the_pollers_process_loads_no_parser() -> None:
    # The poller parses in the pool's workers; feedparser, bs4 and lxml in its own process
    # cost ~5 MB of peak PSS for nothing (benchmarks/poll.py's memory target).
    loaded, _ = modules_loaded_by(
        "import pathlib\n"
        "from curator.classify import ClassifyInput, load_classifier\n"
        "import curator.pipeline, curator.commands.poll, curator.runner\n"
        f"c = load_classifier(pathlib.Path({str(REPO / 'models')!r}))\n"
        "c.predict([ClassifyInput(title='Research: <b>care</b>', summary='x &amp; y')])"
    )
    assert "curator" in loaded
    assert not loaded & {"bs4", "lxml", "feedparser", "soupsieve", "html5lib"}


def eats_memory(job: ParseJob) -> ParsedFeed:
    """A parser that needs as many MB as the document has bytes."""
    ballast = bytearray(len(job.content) * 1024 * 1024)
    return ParsedFeed(entries=[], title=f"{len(ballast) >> 20} MB")


def test_a_document_needing_more_memory_than_the_cap_fails_alone() -> None:
    with ParsePool(1, timeout=30, memory_mb=256, function=eats_memory) as pool:
        with pytest.raises(ParseError) as info:
            pool.result(pool.submit(_job(b"x" * 512)), SOURCE)  # 512 MB asked for
        assert str(info.value) == (
            "dhsc: reading the document needed more than the 256 MB a parser may use "
            "(CURATOR_PARSE_MEMORY_MB); the other sources were not affected"
        )
        # the same worker carries on with a document that fits
        assert pool.result(pool.submit(_job(b"x" * 16)), SOURCE).title == "16 MB"


def test_the_memory_cap_needs_room_for_a_parser_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("CURATOR_PARSE_MEMORY_MB", "64")
    with pytest.raises(ValidationError, match="at least 128 MB"):
        Settings()
    monkeypatch.setenv("CURATOR_PARSE_MEMORY_MB", "0")  # no cap
    assert Settings().parse_memory_mb == 0


def test_a_memory_error_in_process_is_not_blamed_on_the_cap() -> None:
    # in-process (CURATOR_PARSE_WORKERS=0) no cap applies, so the error is not renamed
    assert ParsePool(0).failure(MemoryError(), "dhsc", "others") is None
    named = ParsePool(1, memory_mb=512).failure(MemoryError(), "dhsc", "others")
    assert str(named) == (
        "dhsc: reading the document needed more than the 512 MB a parser may use "
        "(CURATOR_PARSE_MEMORY_MB); others"
    )


def test_a_document_too_large_to_hand_over_names_the_cap() -> None:
    # Under a 128 MB cap the worker cannot even receive a 40 MB document: it dies before the
    # parser starts, so no MemoryError of the parser's names the cap; the size says why.
    with ParsePool(1, timeout=30, memory_mb=128) as pool:
        with pytest.raises(ParseError) as info:
            pool.result(pool.submit(_job(b"<rss>" + b"x" * (40 << 20))), SOURCE)
        assert str(info.value) == (
            "dhsc: the parser process died while reading the document; at 40.0 MB the "
            "document is large for the 128 MB a parser may use (CURATOR_PARSE_MEMORY_MB); "
            "the other sources were not affected"
        )
        # a small document that kills its parser is not blamed on the cap
        small = ParsePool(1, memory_mb=128).failure(BrokenProcessPool(), "dhsc", "o", size=1 << 20)
        assert str(small) == "dhsc: the parser process died while reading the document; o"


def test_the_feed_parser_lets_the_memory_cap_be_named() -> None:
    # feedparser's failures become "could not read the document"; running out of memory is
    # not the document's fault and must name the setting instead.
    feed = b"<rss><channel><title>" + b"x" * (16 << 20)  # reaches feedparser, which needs more
    with ParsePool(1, timeout=60, memory_mb=128) as pool, pytest.raises(ParseError) as info:
        pool.result(pool.submit(_job(feed)), SOURCE)
    assert "needed more than the 128 MB a parser may use (CURATOR_PARSE_MEMORY_MB)" in str(
        info.value
    )
