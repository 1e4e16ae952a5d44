"""`curator run`'s scheduled jobs once its SQLite file was deleted under it: the daily roll-up,
the expiry, the retrain and the weekly report went on writing into the deleted file SQLite keeps
open (lost when the process ended). Now each is refused by the store, says so once in one line
(no traceback at every run), with what becomes of its work after the restart, and stays
scheduled. The real runner, started, with the fake Slack; SQLite only."""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curator.config import Settings, get_settings
from curator.refused_jobs import JOBS
from curator.runner import Runner
from tests.support.fake_slack import FakeSlack
from tests.test_lanes_jobs import _environment, _sources, digest_item


def _wait(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.status, resp.read()


def test_a_scheduled_job_is_refused_said_once_and_stays_scheduled(
    tmp_path: Path,
    slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = tmp_path / "run.db"
    _environment(monkeypatch, f"sqlite:///{db}", slack)
    caplog.set_level(logging.INFO)
    runner = Runner(Settings(), _sources(tmp_path))
    digest_item(runner.engine)  # what the roll-up would list
    runner.start()
    try:
        sched = runner._scheduler
        # every job has its own word on what becomes of its work (the tick pauses itself)
        assert {job.id for job in sched.get_jobs()} - {"tick"} == set(JOBS)
        for path in tmp_path.glob("run.db*"):
            path.unlink()

        def refusals() -> list[logging.LogRecord]:
            return [r for r in caplog.records if "roll-up did not run" in r.getMessage()]

        def runs() -> int:  # APScheduler's own word that the job ran (and raised nothing)
            done = [r.getMessage() for r in caplog.records if "executed successfully" in r.msg]
            return sum('"daily_digest (trigger: cron' in m for m in done)

        def run_now() -> None:  # however late a busy machine wakes the scheduler
            sched.get_job("digest").modify(next_run_time=datetime.now(UTC), misfire_grace_time=None)

        def ran_again() -> bool:
            # APScheduler says a run ended a moment before it lets the job run again: a run
            # asked for in between is skipped, so ask until one runs.
            if runs() < 2:
                run_now()
                time.sleep(0.1)
            return runs() >= 2

        run_now()
        _wait(lambda: runs() == 1, "the roll-up ran")
        _wait(ran_again, "the roll-up ran again")  # refused again, and not said again
        status, _ = _get(f"http://127.0.0.1:{runner.http_port}/metrics")
        assert status == 200  # the gauges are not read from the refusing store
        assert sched.get_job("digest") is not None  # still scheduled
    finally:
        runner.stop()
        runner.engine.dispose()
    (said,) = refusals()
    assert said.levelno == logging.ERROR
    message = said.getMessage()
    assert message.startswith(
        "the digest lane's daily roll-up did not run, and nothing of it was stored or posted: "
        f"the database file {db} was deleted while this process"
    )
    assert "Put the file back" in message
    assert message.endswith(
        "Once curator run is restarted on the restored file, the day's roll-up is posted "
        "within 5 minutes if it is still that day (its claim was not stored); if not, the next "
        "day's roll-up lists the items this one would have (said once)"
    )
    assert slack.calls("chat.postMessage") == []  # no roll-up posted
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_the_retrain_child_does_not_create_a_database_deleted_since_the_claim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The nightly retrain claims its night through the runner's engine (refused once the file
    # is gone), then opens an engine of its own in a child process: a file deleted in between
    # would have been created there, empty, and the runner told it was "replaced".
    from curator.jobs import _retrain_in_child

    db = tmp_path / "gone.db"
    monkeypatch.setenv("CURATOR_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    outcome = _retrain_in_child(Settings(), datetime(2024, 6, 4, 2, tzinfo=UTC))
    assert not outcome.swapped
    assert outcome.reason == f"not retrained: the database file {db} is gone"
    assert not db.exists()
