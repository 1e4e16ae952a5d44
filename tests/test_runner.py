"""`curator run`: ticks, Slack posting, health endpoints, reload, SIGTERM, and two workers."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

from curator.config import Settings
from curator.runner import Runner, SourceList
from curator.store.db import open_engine
from curator.store.schema import items, source_state
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
CHANNEL = "C0PULSE"


def _recent_feed(name: str, n: int = 2) -> bytes:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return atom(
        [
            FeedItem(
                f"Research and analysis: {name} report {i}",
                f"https://www.gov.uk/government/publications/{name}-report-{i}",
                updated=now,
            )
            for i in range(n)
        ]
    )


def _sources(tmp_path: Path, server: LocalServer, count: int) -> Path:
    for i in range(count):
        server.add(f"/s{i}.atom", _recent_feed(f"s{i}"), etag=f'"s{i}"')
    return write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": f"s{i}", "publisher": f"Publisher {i}", "url": server.url(f"/s{i}.atom")}
            for i in range(count)
        ],
    )


def _env(tmp_path: Path, db_url: str, slack: FakeSlack, port: int = 0) -> dict[str, str]:
    return {
        "CURATOR_DATABASE_URL": db_url,
        "CURATOR_MODEL_DIR": str(tmp_path / "no-model"),  # no model: every recent item is shown
        "CURATOR_TICK_SECONDS": "1",
        "CURATOR_HTTP_PORT": str(port),
        "CURATOR_ALLOW_PRIVATE_NETWORKS": "true",
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": slack.base_url,
    }


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_for_metrics(url: str, needles: list[bytes], timeout: float = 30.0) -> bytes:
    """Scrape `url` until every needle is in the page; fail with the last page if not."""
    deadline = time.monotonic() + timeout
    while True:
        status, metrics = _get(url)
        assert status == 200
        missing = [n for n in needles if n not in metrics]
        if not missing:
            return metrics
        if time.monotonic() > deadline:
            raise AssertionError(f"still missing {missing} after {timeout} s:\n{metrics.decode()}")
        time.sleep(0.1)


def test_run_polls_posts_cards_and_serves_health(
    tmp_path: Path,
    server: LocalServer,
    slack: FakeSlack,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources = _sources(tmp_path, server, 2)
    for key, value in _env(tmp_path, db_url, slack).items():
        monkeypatch.setenv(key, value)
    runner = Runner(Settings(), sources)
    runner.start()
    try:
        posts = slack.wait_for("chat.postMessage", 4, timeout=60)
        item_ids = [c.params["metadata"]["event_payload"]["item_id"] for c in posts]
        assert len(set(item_ids)) == 4
        status, body = _get(f"http://127.0.0.1:{runner.http_port}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        # The fake records a post when it arrives; the runner counts it only once the
        # reply is back, so the counters may trail the fake by a moment.
        _wait_for_metrics(
            f"http://127.0.0.1:{runner.http_port}/metrics",
            [
                b'curator_polls_total{outcome="ok"} 2.0',
                b"curator_slack_posts_total 4.0",
                b'curator_queue_size{queue="outbox_pending"} 0.0',
            ],
        )
    finally:
        started = time.monotonic()
        runner.stop()
        assert time.monotonic() - started < 10
        runner.engine.dispose()


def test_invalid_sources_edit_is_refused_and_last_good_list_runs_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "dhsc",
                "publisher": "DHSC",
                "url": "https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom",
            }
        ],
    )
    sources = SourceList(path)
    path.write_text("sources:\n  - id: dhsc\n    colour: blue\n", encoding="utf-8")
    assert sources.reload_if_changed() is False
    assert [s.id for s in sources.sources] == ["dhsc"]
    assert sources.last_error and "colour" in sources.last_error
    write_sources(
        path,
        [
            {
                "id": "dhsc",
                "publisher": "DHSC",
                "url": "https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom",
            },
            {
                "id": "moj",
                "publisher": "Ministry of Justice",
                "url": "https://www.gov.uk/government/organisations/ministry-of-justice.atom",
            },
        ],
    )
    with caplog.at_level(logging.INFO, logger="curator.run"):
        assert sources.reload_if_changed() is True
    assert [s.id for s in sources.sources] == ["dhsc", "moj"] and sources.last_error is None
    # the log says which edit was taken, not only how many sources there are now
    assert f"reloaded {path}: 2 sources (added 'moj')" in caplog.messages


def _start(
    tmp_path: Path, env: dict[str, str], sources: Path, name: str
) -> subprocess.Popen[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    full.update(env)
    with (tmp_path / f"{name}.log").open("wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "curator", "run", "--sources", str(sources)],
            env=full,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _unreachable_source(tmp_path: Path) -> Path:
    """A sources file whose one source is never fetched by the test using it."""
    return write_sources(
        tmp_path / "sources.yaml",
        [{"id": "a", "publisher": "A", "url": "https://www.example.org/feed"}],
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within 10 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigterm_stops_within_10_seconds(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    sources = _sources(tmp_path, server, 1)
    port = _free_port()
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, port), sources, "run")
    try:
        slack.wait_for("chat.postMessage", 2, timeout=30)
        status, _ = _get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_two_workers_share_one_database_without_duplicates(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    sources = _sources(tmp_path, server, 12)
    procs = [
        _start(tmp_path, _env(tmp_path, db_url, slack, _free_port()), sources, f"w{i}")
        for i in range(2)
    ]
    try:
        slack.wait_for("chat.postMessage", 24, timeout=60)
        time.sleep(3)  # a few more ticks: nothing may be fetched or posted again
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            _stop(p)
    fetches = Counter(path for method, path, _ in server.requests if method == "GET")
    assert set(fetches.values()) == {1}, fetches  # every: 1h — each source fetched once in all
    posted = [
        c.params["metadata"]["event_payload"]["item_id"] for c in slack.calls("chat.postMessage")
    ]
    assert len(posted) == len(set(posted)) == 24
    engine = open_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar() == 24
    engine.dispose()
    logs = "".join((tmp_path / f"w{i}.log").read_text() for i in range(2))
    assert "Traceback" not in logs, logs


def test_sighup_reloads_sources_and_an_invalid_edit_keeps_the_last_good_list(
    tmp_path: Path, server: LocalServer, slack: FakeSlack, db_url: str
) -> None:
    sources = _sources(tmp_path, server, 1)
    port = _free_port()
    proc = _start(tmp_path, _env(tmp_path, db_url, slack, port), sources, "run")
    try:
        slack.wait_for("chat.postMessage", 2, timeout=30)
        good = sources.read_text(encoding="utf-8")
        sources.write_text("sources:\n  - id: s0\n    colour: blue\n", encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
            if json.loads(body)["sources_file_error"]:
                break
            time.sleep(0.2)
        health = json.loads(body)
        assert status == 200 and "colour" in health["sources_file_error"]
        assert health["sources"] == 1  # the last good list keeps running
        server.add("/s1.atom", _recent_feed("s1"), etag='"s1"')
        data = json.loads(good)
        data["sources"].append({**data["sources"][0], "id": "s1", "url": server.url("/s1.atom")})
        sources.write_text(json.dumps(data), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        slack.wait_for("chat.postMessage", 4, timeout=60)  # s1's two entries arrive
        assert json.loads(_get(f"http://127.0.0.1:{port}/healthz")[1])["sources"] == 2
    finally:
        _stop(proc)


def test_weekly_health_report_is_sent_once_per_week_across_workers(
    tmp_path: Path,
    server: LocalServer,
    slack: FakeSlack,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server.add("/down.atom", b"", status=503)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [{"id": "down", "publisher": "Ofsted", "url": server.url("/down.atom")}],
    )
    for key, value in _env(tmp_path, db_url, slack).items():
        monkeypatch.setenv(key, value)
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)  # a Monday
    workers = [Runner(Settings(), sources, clock=lambda: now) for _ in range(2)]
    try:
        for _ in range(2):
            workers[0].poller.poll(workers[0].sources.sources, force=True)
        texts = [w.weekly_report() for w in workers]
        assert texts[1] is None  # the other worker already sent this week's report
        assert texts[0] is not None and "`down` (Ofsted): *failing*" in texts[0]
        (post,) = slack.calls("chat.postMessage")
        assert post.params["text"] == texts[0]
    finally:
        for w in workers:
            w.engine.dispose()


def test_healthz_says_stalled_when_ticks_stop(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    sources = _unreachable_source(tmp_path)
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    runner = Runner(Settings(), sources, clock=lambda: now)
    try:
        status, body = runner.health()
        assert (status, body["status"]) == (200, "starting")
        runner.tick_started_at = runner.last_tick_at = now - timedelta(seconds=30)
        assert runner.health()[1]["status"] == "ok"
        runner.tick_started_at = runner.last_tick_at = now - timedelta(hours=1)
        status, body = runner.health()
        assert (status, body["status"]) == (503, "stalled")
    finally:
        runner.engine.dispose()


@pytest.mark.slow
def test_nightly_retrain_runs_in_a_child_process_once_a_day(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.classify import load_classifier
    from tests.support.factories import add_item
    from tests.test_classify_cli import _tiny_training_dir

    sources = _unreachable_source(tmp_path)
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_TRAINING_DIR", str(_tiny_training_dir(tmp_path)))
    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "m"))
    now = datetime(2026, 11, 27, 3, tzinfo=UTC)
    runner = Runner(Settings(), sources, clock=lambda: now)
    try:
        add_item(runner.engine, status="accepted", sector="criminal_justice", category="reports")
        outcome = runner.nightly_retrain()
        assert outcome is not None and outcome.swapped, outcome
        assert load_classifier(tmp_path / "m").version == outcome.version
        assert runner.nightly_retrain() is None  # once a day, whichever worker gets there first
    finally:
        runner.engine.dispose()


def test_the_parser_process_lives_while_a_tick_parses_not_between_ticks(
    tmp_path: Path, server: LocalServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unattended run keeps no parser process (about 38 MB) waiting between ticks; the next
    tick with a document to parse starts one again."""
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    monkeypatch.setenv("CURATOR_PARSE_WORKERS", "1")
    sources = _sources(tmp_path, server, 2)
    runner = Runner(Settings(), sources)
    try:
        runner.poller.warm_up()
        workers = [
            p
            for p in psutil.Process().children(recursive=True)
            if "resource_tracker" not in " ".join(p.cmdline())
        ]
        assert workers
        first = runner.tick()
        assert first is not None and first.ok == 2 and first.new_items == 4
        assert runner.poller.parse_pool._pool is None
        _gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive
        server.add("/s0.atom", _recent_feed("s0-new"), etag='"s0-new"')
        with runner.engine.begin() as conn:  # make the sources due now
            conn.execute(source_state.update().values(next_check_at=None))
        again = runner.tick()  # parsed by a parser process started again for it
        assert again is not None and again.ok == 1 and again.new_items == 2
        assert again.not_modified == 1 and runner.poller.parse_pool._pool is None
    finally:
        runner.poller.close()
        runner.engine.dispose()
