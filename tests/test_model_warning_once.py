"""Without a model, the bot goes on (every new item is shown to the editors) and says why once:
`curator poll` printed it twice (Python's last-resort log handler, then its own `warning:` line),
and `curator run` must not repeat it on every tick."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curator.config import Settings
from curator.runner import Runner
from tests.conftest import REPO
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
NO_MODEL = "no model at"


def _sources(tmp_path: Path, server: LocalServer, count: int = 1) -> Path:
    """``count`` sources, each a feed of one new item (a source added is polled at once)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for i in range(count):
        item = FeedItem(f"A report on kinship care {i}", f"https://example.org/r{i}", updated=now)
        server.add(f"/feed{i}.atom", atom([item]))
    return write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": f"s{i}", "publisher": "S", "url": server.url(f"/feed{i}.atom")}
            for i in range(count)
        ],
    )


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    return {
        "CURATOR_DATABASE_URL": db_url,
        "CURATOR_MODEL_DIR": str(tmp_path / "no-model"),
        "CURATOR_ALLOW_PRIVATE_NETWORKS": "true",
        "CURATOR_PARSE_WORKERS": "0",
    }


def test_poll_says_once_that_there_is_no_model(
    tmp_path: Path, server: LocalServer, db_url: str
) -> None:
    # A real process: in-process runs hide the duplicate (pytest's own log handler stands in
    # for the last-resort one that printed the first copy).
    proc = subprocess.run(
        [sys.executable, "-m", "curator", "poll", "--sources", str(_sources(tmp_path, server))],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **_env(tmp_path, db_url)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Polled 1 source: 1 ok"), proc.stdout
    assert proc.stderr.count(NO_MODEL) == 1, proc.stderr
    assert "warning: no model at" in proc.stderr
    assert "every new item is shown to editors meanwhile" in proc.stderr


@pytest.mark.parametrize(
    ("model_each_tick", "times_said"),
    [
        ((False, False, False), 1),  # missing all along: said once, not on every tick
        ((False, True, False), 2),  # lost, back (nothing to say), lost again: said again
    ],
    ids=["missing-all-along", "back-then-lost-again"],
)
def test_run_logs_it_once_per_time_it_goes_missing(
    tmp_path: Path,
    server: LocalServer,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    model_each_tick: tuple[bool, ...],
    times_said: int,
) -> None:
    for key, value in _env(tmp_path, db_url).items():
        monkeypatch.setenv(key, value)
    model_dir = tmp_path / "no-model"
    runner = Runner(Settings(), _sources(tmp_path, server))
    try:
        with caplog.at_level(logging.WARNING):
            for n, model in enumerate(model_each_tick, start=1):
                if model:  # the nightly retrain wrote one
                    shutil.copytree(REPO / "models", model_dir)
                else:
                    shutil.rmtree(model_dir, ignore_errors=True)
                runner.poller.reload_classifier()  # as after a nightly retrain: loaded again
                _sources(tmp_path, server, n)  # one more source each tick: new items to classify
                report = runner.tick()
                assert report is not None and report.new_items == 1, report
    finally:
        runner.engine.dispose()
    said = [r.getMessage() for r in caplog.records if NO_MODEL in r.getMessage()]
    assert len(said) == times_said, said
    assert said[0].endswith("every new item is shown to editors meanwhile")
