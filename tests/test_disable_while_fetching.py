"""A source disabled while another worker is fetching it: the worker's pass that sees it disabled
forgets its validators, fingerprint and schedule (``forget_documents``), and the fetch still in
flight must not write them back, or the source, enabled again before that worker's next pass,
would not start afresh (its next document not read as its first, its archive not kept quiet).
Two pollers on one database, a real loopback server holding the first poller's answer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from http.server import BaseHTTPRequestHandler

import pytest
from sqlalchemy import Engine, select

from curator.pipeline import PollReport
from curator.records import SourceConfig
from curator.store.schema import items, source_state
from tests.support.feeds import FeedItem, atom
from tests.support.httpserver import LocalServer
from tests.support.polling import Pollers

pytestmark = pytest.mark.storage
FEED = atom([FeedItem("Care workforce report", "https://pub.example/care", summary="Findings")])


def held(release: threading.Event, status: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """A route that answers ``status`` (the feed with an ETag, or an error) once released."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        release.wait(10)
        body = FEED if status == 200 else b"unavailable"
        req.send_response(status)
        req.send_header("Content-Type", "application/atom+xml")
        req.send_header("ETag", '"v1"')
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return handler


def state(engine: Engine) -> tuple[object, ...]:
    c = source_state.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.etag, c.body_hash, c.next_check_at, c.claimed_by, c.consecutive_failures)
        ).one()
    return tuple(row)


def disable_during_fetch(
    pollers: Pollers, server: LocalServer, status: int, *, moved: str | None = None
) -> tuple[PollReport, SourceConfig]:
    """The first poller fetches the source; meanwhile a second one's pass finds it disabled in
    the file (or, with ``moved``, given that URL instead)."""
    release = threading.Event()
    server.add("/feed.atom", handler=held(release, status))
    src = SourceConfig(
        id="care", publisher="Care Publisher", kind="feed", url=server.url("/feed.atom")
    )
    first, second = pollers(parse_workers=0), pollers(parse_workers=0)
    reports: list[PollReport] = []
    fetching = threading.Thread(target=lambda: reports.append(first.poll([src], force=True)))
    fetching.start()
    deadline = time.monotonic() + 10
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests, "the first poller never asked"
    # Another worker's pass sees the source disabled in the file: nothing to poll, and it
    # forgets what the source's last document left.
    changed = replace(src, url=moved) if moved else replace(src, enabled=False)
    second.poll([changed], force=bool(moved))
    release.set()
    fetching.join(15)
    assert reports, "the first poller's pass did not end"
    return reports[0], src


def test_a_fetch_in_flight_when_its_source_is_disabled_writes_no_validators_back(
    pollers: Pollers, server: LocalServer, engine: Engine
) -> None:
    report, src = disable_during_fetch(pollers, server, 200)
    assert report.new_items == 1  # what it fetched is kept
    etag, body_hash, next_check_at, claimed_by, failures = state(engine)
    assert (etag, body_hash, next_check_at, claimed_by) == (None, None, None, None)
    assert failures == 0  # the check itself is recorded
    with engine.connect() as conn:
        assert conn.execute(select(items.c.title)).scalars().all() == ["Care workforce report"]
    # Enabled again: polled at once, with no validators to send, and its document read whole.
    server.requests.clear()
    pollers(parse_workers=0).poll([src])
    assert [r[1] for r in server.requests] == ["/feed.atom"]
    assert "If-None-Match" not in server.requests[0][2]


def test_a_failure_in_flight_when_its_source_is_disabled_writes_no_schedule_back(
    pollers: Pollers, server: LocalServer, engine: Engine
) -> None:
    report, _ = disable_during_fetch(pollers, server, 503)
    assert report.failed == 1
    _, _, next_check_at, claimed_by, failures = state(engine)
    assert (next_check_at, claimed_by) == (None, None)  # due at once when enabled again
    assert failures == 1  # the failure itself is recorded


def test_a_fetch_in_flight_when_its_source_moves_writes_no_validators_back(
    pollers: Pollers, server: LocalServer, engine: Engine
) -> None:
    # The admin gives the source a new URL while a worker fetches the old one: the other
    # worker's pass drops the old URL's validators and fingerprint (the new URL's first document
    # is its archive); the old fetch must not write them back over the new URL's.
    server.add("/moved.atom", b"", status=503)  # the new URL, polled by the second pass
    report, _ = disable_during_fetch(pollers, server, 200, moved=server.url("/moved.atom"))
    assert report.new_items == 1
    c = source_state.c
    with engine.connect() as conn:
        row = conn.execute(select(c.url, c.etag, c.body_hash)).one()
    assert tuple(row) == (server.url("/moved.atom"), None, None)


def test_a_fetch_under_its_own_claim_still_writes_its_validators(
    pollers: Pollers, server: LocalServer, engine: Engine
) -> None:
    server.add("/feed.atom", FEED, headers={"Content-Type": "application/atom+xml"}, etag='"v1"')
    src = SourceConfig(
        id="care", publisher="Care Publisher", kind="feed", url=server.url("/feed.atom")
    )
    pollers(parse_workers=0).poll([src], force=True)
    etag, body_hash, next_check_at, claimed_by, _ = state(engine)
    assert etag == '"v1"' and body_hash and next_check_at is not None and claimed_by is None


def test_a_failure_under_its_own_claim_stores_its_schedule_in_utc(engine: Engine) -> None:
    # The schedule written under the worker's claim goes through the column's type like any
    # other: an aware time in another zone stored as the same instant, a naive one refused.
    from datetime import UTC, datetime, timedelta, timezone

    from curator.store import source_state as state_store

    src = SourceConfig(id="care", publisher="Care Publisher", kind="feed", url="http://x.test/f")
    now = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        state_store.sync_sources(conn, [src])
        assert state_store.claim_due(conn, ["care"], now, "w1") == ["care"]
    later = datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with engine.begin() as conn:
        state_store.record_failure(
            conn, "care", now=now, next_check_at=later, error="care: down", release_from="w1"
        )
    with engine.connect() as conn:
        assert state_store.load_states(conn)["care"].next_check_at == later
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        state_store.record_failure(
            conn,
            "care",
            now=now,
            next_check_at=datetime(2024, 6, 1, 12, 0),
            error="care: down",
            release_from="w1",
        )
