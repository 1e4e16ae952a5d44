"""The lanes in `curator run` (the daily roll-up and expiry, once a day across workers; the lanes'
gauges in /metrics), in `curator review` (digest items after the cards) and their settings."""

from __future__ import annotations

import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from curator import daily as lane_jobs
from curator.cli import cli
from curator.config import Settings, get_settings
from curator.runner import Runner
from curator.slack.rollup import item_ids_from_metadata
from curator.store.schema import decisions, items
from tests.support.factories import add_item, add_prediction
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import write_sources

pytestmark = pytest.mark.storage
CHANNEL = "C0PULSE"


def _environment(
    monkeypatch: pytest.MonkeyPatch, db_url: str, slack: FakeSlack | None, **more: str
) -> None:
    values = {"CURATOR_DATABASE_URL": db_url, "CURATOR_HTTP_PORT": "0", **more}
    if slack is not None:
        values |= {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_CHANNEL": CHANNEL,
            "SLACK_API_URL": slack.base_url,
        }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()


def _sources(tmp_path: Path) -> Path:
    """A sources file whose one source is disabled: nothing is fetched."""
    return write_sources(
        tmp_path / "sources.yaml",
        [{"id": "a", "publisher": "A", "url": "https://www.example.org/feed", "enabled": False}],
    )


def digest_item(engine: Engine, **kw: Any) -> int:
    """A digest item first seen a moment ago (unless told otherwise)."""
    defaults = {"lane": "digest", "status": "queued", "first_seen_at": datetime.now(UTC)}
    item_id = add_item(engine, **{**defaults, **kw})
    add_prediction(engine, item_id)
    return item_id


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_the_roll_up_and_the_expiry_run_once_a_day_across_workers(
    tmp_path: Path, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, db_url, slack)
    clock = Clock(datetime.now(UTC))
    workers = [Runner(Settings(), _sources(tmp_path), clock=clock) for _ in range(2)]
    engine = workers[0].engine
    try:
        first = [digest_item(engine) for _ in range(2)]
        report = lane_jobs.daily_digest(workers[0])
        assert report is not None and (report.messages, report.items) == (1, 2)
        later = digest_item(engine)
        assert lane_jobs.daily_digest(workers[1]) is None  # today's roll-up was posted
        assert lane_jobs.daily_digest(workers[0]) is None
        (message,) = slack.channel_messages(CHANNEL)
        assert item_ids_from_metadata(message) == first
        # Retrying failed messages lists nothing new.
        retry = lane_jobs.daily_digest(workers[1], plan_new=False)
        assert retry is not None and retry.messages == 0
        clock.now += timedelta(days=1)
        report = lane_jobs.daily_digest(workers[1])
        assert report is not None and report.items == 1
        assert item_ids_from_metadata(slack.channel_messages(CHANNEL)[-1]) == [later]

        stale = add_item(engine, first_seen_at=clock.now - timedelta(days=61))
        expired = lane_jobs.daily_expiry(workers[1])
        assert expired is not None and expired.expired == 1
        assert lane_jobs.daily_expiry(workers[0]) is None
        with engine.connect() as conn:
            lane = conn.execute(select(items.c.lane).where(items.c.id == stale)).scalar_one()
        assert lane == "quiet"
        # Each worker counts what it did.
        for worker in workers:
            assert "curator_digest_messages_total 1.0" in worker.metrics.render().decode()
        assert "curator_candidates_expired_total 1.0" in workers[1].metrics.render().decode()
    finally:
        for w in workers:
            w.engine.dispose()


def test_a_roll_up_missed_at_its_time_is_posted_by_the_next_retry_once(
    tmp_path: Path, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`curator run` down at CURATOR_DIGEST_TIME (a deploy, a restart, the scheduler giving up
    on a trigger fired late): the day had no roll-up, and its items waited for the next day's.
    The 5-minute retry job posts the day's roll-up once its time has passed and no worker has;
    before its time it lists nothing. 16:00 in London is 15:00 UTC in summer (BST)."""
    _environment(monkeypatch, db_url, slack, CURATOR_DIGEST_TIME="16:00")
    clock = Clock(datetime(2027, 6, 10, 14, 55, tzinfo=UTC))  # 15:55 BST
    workers = [Runner(Settings(), _sources(tmp_path), clock=clock) for _ in range(2)]
    try:
        waiting = [digest_item(workers[0].engine) for _ in range(2)]
        early = lane_jobs.daily_digest(workers[0], plan_new=False)
        assert early is not None and early.messages == 0
        assert slack.channel_messages(CHANNEL) == []

        clock.now = datetime(2027, 6, 10, 15, 5, tzinfo=UTC)  # 16:05 BST: nobody posted it
        late = lane_jobs.daily_digest(workers[0], plan_new=False)
        assert late is not None and (late.messages, late.items) == (1, 2)
        (message,) = slack.channel_messages(CHANNEL)
        assert item_ids_from_metadata(message) == waiting
        # Once a day: not by another worker's retry, nor by the trigger itself.
        digest_item(workers[0].engine)
        again = lane_jobs.daily_digest(workers[1], plan_new=False)
        assert again is not None and again.messages == 0
        assert lane_jobs.daily_digest(workers[1]) is None
        assert len(slack.channel_messages(CHANNEL)) == 1
    finally:
        for w in workers:
            w.engine.dispose()


class Ticking:
    """A clock that reads ``first`` once, then ``then``: time passing during a job."""

    def __init__(self, first: datetime, then: datetime) -> None:
        self.readings = [first]
        self.then = then

    def __call__(self) -> datetime:
        return self.readings.pop(0) if self.readings else self.then


def test_a_retry_a_moment_before_midnight_does_not_post_tomorrows_roll_up(
    tmp_path: Path, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry judged the time by one reading of the clock and the day's claim by another:
    run at 23:59:59.999 with today's roll-up posted, it found tomorrow's unclaimed, claimed it
    and posted tomorrow's roll-up at midnight, and tomorrow's at 16:00 was skipped."""
    _environment(monkeypatch, db_url, slack, CURATOR_DIGEST_TIME="16:00")
    worker = Runner(
        Settings(), _sources(tmp_path), clock=Clock(datetime(2027, 6, 10, 15, tzinfo=UTC))
    )
    try:
        digest_item(worker.engine)
        posted = lane_jobs.daily_digest(worker)  # today's, at 16:00 BST
        assert posted is not None and posted.messages == 1
        digest_item(worker.engine)  # arrived in the evening: for tomorrow's roll-up
        worker.clock = Ticking(
            datetime(2027, 6, 10, 22, 59, 59, 999999, tzinfo=UTC),  # 23:59:59.999999 BST
            datetime(2027, 6, 10, 23, tzinfo=UTC),  # midnight BST, the 11th
        )
        retry = lane_jobs.daily_digest(worker, plan_new=False)
        assert retry is not None and retry.messages == 0
        assert len(slack.channel_messages(CHANNEL)) == 1
        worker.clock = Clock(datetime(2027, 6, 11, 15, tzinfo=UTC))  # tomorrow, 16:00 BST
        tomorrow = lane_jobs.daily_digest(worker)
        assert tomorrow is not None and (tomorrow.messages, tomorrow.items) == (1, 1)
    finally:
        worker.engine.dispose()


def test_without_slack_the_expiry_still_runs_and_no_roll_up_is_posted(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, db_url, None, CURATOR_CANDIDATE_DAYS="10")
    now = datetime.now(UTC)
    runner = Runner(Settings(), _sources(tmp_path), clock=lambda: now)
    try:
        digest_item(runner.engine)
        stale = add_item(runner.engine, first_seen_at=now - timedelta(days=11))
        assert lane_jobs.daily_digest(runner) is None
        report = lane_jobs.daily_expiry(runner)
        assert report is not None and (report.expired, report.redrawn) == (1, 0)
        with runner.engine.connect() as conn:
            row = conn.execute(select(items.c.status, items.c.lane).where(items.c.id == stale))
            assert tuple(row.one()) == ("new", "quiet")
    finally:
        runner.engine.dispose()


def _metrics(url: str, needles: list[str], timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(url, timeout=5) as resp:
            page = str(resp.read().decode())
        if all(n in page for n in needles) or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def test_run_schedules_the_lanes_jobs_and_serves_the_lanes_in_metrics(
    tmp_path: Path, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, db_url, slack, CURATOR_DIGEST_TIME="07:45")
    runner = Runner(Settings(), _sources(tmp_path))
    now = datetime.now(UTC)
    digest_item(runner.engine, first_seen_at=now)
    add_item(runner.engine, lane="quiet", status="new", first_seen_at=now)
    add_item(runner.engine, lane="card", first_seen_at=now)
    runner.start()
    try:
        jobs = {job.id: job for job in runner._scheduler.get_jobs()}
        assert {"digest", "digest-retry", "expire-candidates"} <= set(jobs)
        fields = {f.name: str(f) for f in jobs["digest"].trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("7", "45")
        assert str(jobs["digest"].trigger.timezone) == "Europe/London"
        needles = [
            'curator_items_last_day{lane="digest"} 1.0',
            'curator_items_last_day{lane="quiet"} 1.0',
            'curator_items_last_day{lane="card"} 1.0',
            'curator_items_last_day{lane="none"} 0.0',
            'curator_queue_size{queue="digest_backlog"} 1.0',
            'curator_queue_size{queue="queued_digest"} 1.0',
            'curator_queue_size{queue="queued_cards"} 1.0',
        ]
        page = _metrics(f"http://127.0.0.1:{runner.http_port}/metrics", needles)
        for needle in needles:
            assert needle in page, page
    finally:
        runner.stop()
        runner.engine.dispose()


def test_review_shows_the_digest_items_after_the_cards(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, db_url, None, USER="maria")
    listed = digest_item(engine, title="Listed in the digest")  # the oldest of all
    first = add_item(engine, title="A card", lane="card")
    second = add_item(engine, title="A card stored without a lane")
    add_item(engine, title="Quiet", lane="quiet", status="new")
    result = CliRunner().invoke(cli, ["review"], input="n\nn\nr\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("[1/3] #") < out.index("A card") < out.index("[2/3] #")
    assert out.index("A card stored without a lane") < out.index("[3/3] (digest)")
    assert "Listed in the digest" in out.split("[3/3] (digest)", 1)[1]
    assert "Quiet" not in out
    with engine.connect() as conn:
        rows = conn.execute(select(decisions.c.item_id, decisions.c.action)).all()
    assert [tuple(r) for r in rows] == [(listed, "reject")]
    assert first < second


def test_the_digest_time_is_read_as_hour_and_minute() -> None:
    assert Settings().digest_at == (16, 0)
    assert Settings(digest_time=" 7:05 ").digest_at == (7, 5)
    assert Settings().candidate_days == 60


def test_slack_post_digest_exits_1_when_slack_is_down(
    engine: Engine, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    _environment(monkeypatch, db_url, slack)
    digest_item(engine)
    slack.fail("chat.postMessage", status=503, times=5)
    result = CliRunner().invoke(cli, ["slack", "post", "--digest"])
    assert result.exit_code == 1, result.output
    assert "failed 1" in result.output and "still waiting 1" in result.output


def test_poll_says_where_the_cards_and_the_digest_items_go() -> None:
    """`curator poll` said 'Candidates wait for the editors: posted to Slack by the outbox'
    for digest items too, which wait for the day's roll-up (and `--digest` to post it now)."""
    from curator.commands.poll import waiting_hint
    from curator.pipeline import PollReport

    slack = Settings(slack_bot_token="xoxb-x", slack_channel="C1", digest_time="7:05")
    both = waiting_hint(PollReport(cards=1, digest=3, candidates=4), slack)
    assert both == (
        "Candidates wait for the editors: 1 card to be posted to Slack (by `curator run`, or "
        "now by `curator slack post`); 3 in the digest, listed in the day's roll-up at 07:05 "
        "Europe/London (`curator slack post --digest` posts it now)."
    )
    digest_only = waiting_hint(PollReport(digest=2, candidates=2), slack)
    assert digest_only.startswith("Candidates wait for the editors: 2 in the digest, listed")
    assert "card" not in digest_only and "outbox" not in digest_only
    alone = waiting_hint(PollReport(digest=2, candidates=2), Settings(slack_bot_token=None))
    assert alone == "Candidates wait for the editors: `curator review`."
