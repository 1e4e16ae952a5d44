"""`curator run`'s log read as an operator reads it: each event said once, in words."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.feeds import write_sources
from tests.support.httpserver import LocalServer
from tests.test_run_stop import _stop_within_10_seconds
from tests.test_runner import _env, _free_port, _recent_feed, _start

pytestmark = pytest.mark.storage


def test_a_tick_longer_than_the_interval_is_said_once_not_at_every_interval(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    """A pass that outlasted CURATOR_TICK_SECONDS logged APScheduler's `Execution of job
    "Runner.tick (trigger: interval[0:00:10], …)" skipped: maximum number of running instances
    reached (1)` at every interval it ran over (a hanging source: every tick)."""
    body = _recent_feed("slow", 1)

    def slow(req: BaseHTTPRequestHandler) -> None:
        time.sleep(4.5)  # four intervals of 1 s
        req.send_response(200)
        req.send_header("Content-Type", "application/atom+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    server.add("/slow.atom", handler=slow)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "slow", "publisher": "Slow", "url": server.url("/slow.atom")}],
    )
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, "run")
    log = tmp_path / "run.log"
    try:
        deadline = time.monotonic() + 30
        while "polled 1 sources" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        text = _stop_within_10_seconds(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "maximum number of running instances" not in text, text
    overruns = [line for line in text.splitlines() if "is still running after" in line]
    assert len(overruns) == 1, text
    assert (
        "(ticks are every 1 s, CURATOR_TICK_SECONDS); the next one starts when it ends"
        in (overruns[0])
    )
