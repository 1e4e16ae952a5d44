"""`curator run`'s log read as an operator reads it: each event said once, in words."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from curator.config import Settings
from curator.liveness import overrun_line
from curator.pipeline import PollReport
from curator.records import SourceConfig
from curator.runner import Runner
from curator.store import source_state
from curator.store.dbfile import DatabaseFile
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import write_sources
from tests.support.httpserver import LocalServer
from tests.support.polling import Pollers
from tests.test_run_stop import _stop_within_10_seconds, _wait_until
from tests.test_runner import _env, _free_port, _get, _recent_feed, _start

pytestmark = pytest.mark.storage


def _send_feed(req: BaseHTTPRequestHandler, body: bytes) -> None:
    """Answer a handler's request with ``body`` as an Atom feed."""
    req.send_response(200)
    req.send_header("Content-Type", "application/atom+xml")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def test_a_tick_longer_than_the_interval_is_said_once_not_at_every_interval(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    """A pass that outlasted CURATOR_TICK_SECONDS logged APScheduler's `Execution of job
    "Runner.tick (trigger: interval[0:00:10], …)" skipped: maximum number of running instances
    reached (1)` at every interval it ran over (a hanging source: every tick)."""
    body = _recent_feed("slow", 1)

    def slow(req: BaseHTTPRequestHandler) -> None:
        time.sleep(4.5)  # four intervals of 1 s
        _send_feed(req, body)

    server.add("/slow.atom", handler=slow)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "slow", "publisher": "Slow", "url": server.url("/slow.atom")}],
    )
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "run")
    log = tmp_path / "run.log"
    try:
        _wait_until(proc, log, lambda: "polled 1 source:" in log.read_text(), "the first poll")
        text = _stop_within_10_seconds(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "maximum number of running instances" not in text, text
    overruns = [line for line in text.splitlines() if "is still running after" in line]
    assert len(overruns) == 1, text
    assert (
        "(ticks are every 1 s, CURATOR_TICK_SECONDS); the ticks due meanwhile are skipped, and "
        "the next starts on the first interval after it ends" in (overruns[0])
    )


def test_the_overrun_line_says_when_the_next_tick_starts() -> None:
    """APScheduler runs the next tick on the interval's schedule, not when the long one ends: a
    61 s tick at the default 60 s is followed by the next at 120 s, 59 s after it ended (the line
    said "the next one starts when it ends")."""
    started = datetime(2026, 12, 7, 17, 41, 12, tzinfo=UTC)
    assert overrun_line(started, started + timedelta(seconds=61), 60) == (
        "the tick started at 17:41:12 is still running after 61 s (ticks are every 60 s, "
        "CURATOR_TICK_SECONDS); the ticks due meanwhile are skipped, and the next starts on the "
        "first interval after it ends"
    )


def test_a_database_file_deleted_while_running_pauses_the_ticks_and_fails_healthz(
    tmp_path: Path, server: LocalServer, slack: FakeSlack
) -> None:
    """Deleted under a running `curator run`, the SQLite file went on taking every write (SQLite
    holds it open) and /healthz said ok: all of it was lost when the process stopped, and the
    restart began from a new, empty database."""
    db = tmp_path / "run.db"
    server.add("/a.atom", _recent_feed("a", 1))
    sources = write_sources(
        tmp_path / "sources.yaml", [{"id": "a", "publisher": "A", "url": server.url("/a.atom")}]
    )
    port = _free_port()
    proc = _start(tmp_path, _env(tmp_path, f"sqlite:///{db}", slack, port), sources, "run")
    log = tmp_path / "run.log"
    try:
        slack.wait_for("chat.postMessage", 1, timeout=30)
        for path in tmp_path.glob("run.db*"):
            path.unlink()
        deadline = time.monotonic() + 15
        while True:
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
            if status != 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        time.sleep(2)  # two more ticks: said once
        text = _stop_within_10_seconds(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    health = json.loads(body)
    assert (status, health["status"]) == (503, "failing"), body
    said = f"the database file {db} was deleted while this process (pid {proc.pid}) was running"
    assert said in health["database_error"]
    assert "Its ticks (polling, posting cards) are paused meanwhile" in health["database_error"]
    assert text.count(said) == 1, text
    assert "Put the file back" in text and "restart it" in text


def test_database_file_tells_deleted_from_replaced(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    db.write_bytes(b"")
    watched = DatabaseFile.opened(db)
    assert watched.gone() is None
    db.rename(tmp_path / "elsewhere.db")
    assert watched.gone() == "deleted"
    db.write_bytes(b"")  # a new file at the path: not the one the process holds open
    assert watched.gone() == "replaced"
    assert DatabaseFile.opened(None).gone() is None


def test_a_tick_failing_the_same_way_is_told_once_then_its_recovery(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that could not be written (read-only, I/O error) printed a 40-line traceback
    at every tick: 1,440 a day at the default interval, burying whatever else happened."""
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "a", "publisher": "A", "url": "https://www.example.org/feed"}],
    )
    runner = Runner(Settings(), sources)
    failing = [OSError("disk I/O error")] * 3

    def poll(*_: object, **__: object) -> PollReport:
        if failing:
            raise failing.pop()
        return PollReport()

    monkeypatch.setattr(runner.poller, "poll", poll)
    health = []
    try:
        with caplog.at_level(logging.INFO, logger="curator.run"):
            for _ in range(4):
                runner.tick()
                status, body = runner.health()
                health.append((status, body["status"], body["failed_ticks_in_a_row"]))
    finally:
        runner.poller.close()
        runner.engine.dispose()
    lines = [r.getMessage() for r in caplog.records]
    assert [r.exc_info is not None for r in caplog.records].count(True) == 1, lines
    assert lines[-1] == "ticks succeed again, after 3 that failed", lines
    assert runner.last_tick_error is None
    # /healthz said ok through it all: it fails from the third tick in a row that failed
    assert health == [(200, "ok", 1), (200, "ok", 2), (503, "failing", 3), (200, "ok", 0)]


def test_a_source_whose_failure_cannot_be_recorded_is_counted_and_the_pass_goes_on(
    pollers: Pollers, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the database failing, recording a source's failure failed too, and the exception
    killed the pass's store thread (`Exception in thread poll-store:` and a traceback), leaving
    a summary of `polled 1 sources: 0 ok, 0 not modified, 0 failed`."""
    src = SourceConfig(id="a", publisher="A", kind="feed", url="https://www.example.org/feed")
    poller = pollers()
    with poller.engine.begin() as conn:
        source_state.sync_sources(conn, [src])
        states = source_state.load_states(conn)
    report = PollReport(sources=1)
    store = poller.source_store(report, states)

    def unwritable(*_: object, **__: object) -> None:
        raise OSError("attempt to write a readonly database")

    monkeypatch.setattr(source_state, "record_failure", unwritable)
    with caplog.at_level(logging.ERROR):
        store.fail(src, OSError("attempt to write a readonly database"))
    assert (report.failed, [e["id"] for e in report.errors]) == (1, ["a"])
    assert "a: could not record the failure either (attempt to write a readonly database)" in (
        caplog.text
    )


def test_a_restart_after_kill_9_says_which_sources_it_took_over(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    """After kill -9 mid-poll the restart took the dead worker's claims over at once, but said
    nothing: the operator could not tell what the crash had left in hand."""
    body = _recent_feed("a", 1)
    calls: list[int] = []

    def first_hangs(req: BaseHTTPRequestHandler) -> None:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(40)  # the first worker is killed while it waits
            return
        _send_feed(req, body)

    server.add("/a.atom", handler=first_hangs)
    sources = write_sources(
        tmp_path / "sources.yaml", [{"id": "a", "publisher": "A", "url": server.url("/a.atom")}]
    )
    first = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "first")
    try:
        _wait_until(first, tmp_path / "first.log", lambda: calls, "the first worker's fetch")
    finally:
        first.kill()
        first.wait()
    again = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "again")
    log = tmp_path / "again.log"
    try:
        slack.wait_for("chat.postMessage", 1, timeout=30)
        text = _stop_within_10_seconds(again, log)
    finally:
        if again.poll() is None:
            again.kill()
            again.wait()
    assert f":{first.pid}:" in text and "a curator run of this host that no longer runs" in text
    assert "(killed or crashed mid-poll), left claimed: a; polling it now" in text, text
