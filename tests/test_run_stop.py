"""`curator run` told to stop (SIGTERM, Ctrl-C) in the middle of a tick: it stops within 10 seconds
whatever the tick was waiting on, and leaves nothing stuck."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from curator.fetch import FetchRequest, fetch_many
from curator.store.db import open_engine
from curator.store.handles import Engine
from curator.store.schema import outbox, source_state
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import write_sources
from tests.support.fetching import LOOPBACK_ONLY, source
from tests.support.httpserver import LocalServer
from tests.test_runner import _env, _free_port, _recent_feed, _start

pytestmark = pytest.mark.storage


def _silent(req: BaseHTTPRequestHandler) -> None:
    """Accept the request and answer nothing for longer than any test waits."""
    time.sleep(40)


def test_fetch_many_abandons_the_fetches_in_flight_when_told_to_stop(server: LocalServer) -> None:
    server.add("/fast.atom", b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title></feed>")
    server.add("/hangs.atom", handler=_silent)
    stop = threading.Event()
    requests = [
        FetchRequest(source(server.url("/hangs.atom"), id="hangs")),
        FetchRequest(source(server.url("/fast.atom"), id="fast")),
    ]
    seen: list[str] = []

    def arrived(req: FetchRequest, outcome: object) -> None:
        seen.append(req.source.id)
        stop.set()  # as SIGTERM would, with one source still in flight

    started = time.monotonic()
    results = fetch_many(requests, LOOPBACK_ONLY, on_result=arrived, stop=stop)
    assert time.monotonic() - started < 2
    assert seen == ["fast"] and [r.source_id for r in results] == ["fast"]


def _wait_until(
    proc: subprocess.Popen[bytes], log: Path, ready: Callable[[], object], what: str
) -> None:
    deadline = time.monotonic() + 30
    while not ready():
        assert proc.poll() is None, log.read_text()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} never happened:\n{log.read_text()}")
        time.sleep(0.05)


def _claim(engine: Engine, source_id: str) -> str | None:
    with engine.connect() as conn:
        holder = conn.execute(
            select(source_state.c.claimed_by).where(source_state.c.source_id == source_id)
        ).scalar()
    return None if holder is None else str(holder)


def _stop_within_10_seconds(proc: subprocess.Popen[bytes], log: Path) -> str:
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(10) == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"still running 10 s after SIGTERM:\n{log.read_text()}")
    assert time.monotonic() - started < 10
    return log.read_text()


def test_sigterm_during_a_fetch_that_hangs_stops_at_once_and_releases_the_source(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    """A publisher that accepts and never answers held SIGTERM for its 30 s read timeout (60 s
    for one that trickles), past Docker's 10 s before SIGKILL, and the log said `curator run
    stopped` before the tick's lines."""
    server.add("/hangs.atom", handler=_silent)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "hangs", "publisher": "Hangs", "url": server.url("/hangs.atom")}],
    )
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "run")
    log = tmp_path / "run.log"
    engine = open_engine(db_url)
    try:
        _wait_until(
            proc,
            log,
            lambda: server.requests and _claim(engine, "hangs") is not None,
            "a fetch of hangs",
        )
        text = _stop_within_10_seconds(proc, log)
        assert _claim(engine, "hangs") is None  # due again for the next start, on any host
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        engine.dispose()
    assert "left 1 claimed source unfetched for the next pass: hangs" in text, text
    assert text.rstrip().endswith("curator run stopped"), text
    assert "Traceback" not in text, text


def test_sigterm_while_slack_does_not_answer_stops_within_10_seconds(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    """A card's post that Slack does not answer (15 s, then retried) held the process's exit for
    as long: the tick's thread cannot be interrupted there, so the process ends as kill -9
    would. The card is left pending with its attempt counted: the next drain looks in the
    channel before posting it again (``curator.slack.outbox``)."""
    server.add("/a.atom", _recent_feed("a", 1))
    sources = write_sources(
        tmp_path / "sources.yaml", [{"id": "a", "publisher": "A", "url": server.url("/a.atom")}]
    )
    slack.fail("chat.postMessage", hang=30, after=True)  # posted, but the answer never comes
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "run")
    log = tmp_path / "run.log"
    try:
        _wait_until(proc, log, lambda: slack.calls("chat.postMessage"), "a post")
        text = _stop_within_10_seconds(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "stopping with a tick still running" in text, text
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(outbox.c.status, outbox.c.attempts)).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("pending", 1)
