"""`curator slack post` and `curator slack serve` as real processes against the fake Slack,
including a post killed with SIGKILL between posting and recording."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from curator.cli import cli
from curator.config import Settings, get_settings
from curator.slack import blocks
from curator.slack.outbox import drain, make_client
from curator.store.outbox import enqueue
from curator.store.schema import decisions, outbox
from tests.conftest import REPO
from tests.support.factories import add_item
from tests.support.fake_slack import FakeSlack, block_actions, form, sign

pytestmark = pytest.mark.storage
CHANNEL = "C0PULSE"
SECRET = "s3cret"


def slack_env(slack: FakeSlack, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(
        CURATOR_DATABASE_URL=db_url,
        SLACK_BOT_TOKEN=slack.token,
        SLACK_CHANNEL=CHANNEL,
        SLACK_API_URL=slack.base_url,
        SLACK_SIGNING_SECRET=SECRET,
        PYTHONPATH=str(REPO),
    )
    return env


def queue(engine: Engine, n: int) -> list[int]:
    ids = [add_item(engine) for _ in range(n)]
    with engine.begin() as conn:
        for item_id in ids:
            enqueue(conn, item_id, CHANNEL, datetime.now(UTC))
    return ids


def post_cards(slack: FakeSlack, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`curator slack post` with Slack configured against the fake Web API."""
    for key, value in slack_env(slack, db_url).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    return CliRunner().invoke(cli, ["slack", "post"])


def test_slack_post_drains_once(
    engine: Engine, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = queue(engine, 2)
    result = post_cards(slack, db_url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "posted 2, failed 0, skipped 0, still waiting 0" in result.output
    got = [blocks.item_id_from_metadata(m) for m in slack.channel_messages(CHANNEL)]
    assert got == ids


def test_slack_post_says_the_cards_queued_before_slack_was_configured(
    engine: Engine, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trial `curator poll` before the Slack app was installed queues cards for
    `curator review` only; `curator slack post` said 'posted 0 … still waiting 0' of them, and
    the admin had no way to know where they were."""
    add_item(engine, lane="card")  # queued, never put in the outbox
    add_item(engine, lane="digest")  # the roll-up's, not the outbox's
    posted = queue(engine, 1)
    result = post_cards(slack, db_url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "posted 1, failed 0, skipped 0, still waiting 0" in result.stdout
    assert result.stderr == (
        "1 card waiting for an editor was queued while Slack was not configured (no "
        f"SLACK_BOT_TOKEN or SLACK_CHANNEL) and is not posted to {CHANNEL}: decide them in "
        "`curator review`\n"
    )
    assert [blocks.item_id_from_metadata(m) for m in slack.channel_messages(CHANNEL)] == posted
    again = CliRunner().invoke(cli, ["slack", "post"])
    assert "1 card waiting" in again.stderr


def test_slack_post_without_settings_says_what_is_missing(db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(CURATOR_DATABASE_URL=db_url, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "curator", "slack", "post"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_CHANNEL not set" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_kill_9_between_post_and_record_never_double_posts(
    engine: Engine, db_url: str, slack: FakeSlack
) -> None:
    (item_id,) = queue(engine, 1)
    # Slack takes the message, then the answer is slow: the process is killed while waiting.
    slack.fail("chat.postMessage", hang=30, after=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "curator", "slack", "post"],
        env=slack_env(slack, db_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        slack.wait_for("chat.postMessage", timeout=60)
        time.sleep(0.1)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with engine.connect() as conn:
        row = conn.execute(select(outbox)).mappings().one()
    assert (row["status"], row["attempts"], row["message_ts"]) == ("pending", 1, None)
    slack.heal()
    client = make_client(Settings(slack_bot_token=slack.token, slack_api_url=slack.base_url))
    later = datetime.now(UTC) + timedelta(minutes=5)  # the dead process's claim has expired
    report = drain(engine, client, CHANNEL, now_fn=lambda: later)
    assert (report.posted, report.skipped, report.remaining) == (0, 1, 0)
    assert len(slack.calls("chat.postMessage")) == 1
    (message,) = slack.channel_messages(CHANNEL)
    assert blocks.item_id_from_metadata(message) == item_id
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.message_ts)).scalar_one() == message["ts"]


@pytest.mark.slow
def test_slack_serve_answers_signed_requests(engine: Engine, db_url: str, slack: FakeSlack) -> None:
    (item_id,) = queue(engine, 1)
    client = make_client(Settings(slack_bot_token=slack.token, slack_api_url=slack.base_url))
    drain(engine, client, CHANNEL)
    ts = slack.channel_messages(CHANNEL)[0]["ts"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "curator", "slack", "serve", "--port", "0", "--host", "127.0.0.1"],
        env=slack_env(slack, db_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # the first line that says where it listens
            seen.append(line)
            m = re.search(r"http://127\.0\.0\.1:(\d+)/slack/events", line)
            if m:
                break
        assert m, seen
        url = f"http://127.0.0.1:{m.group(1)}/slack/events"
        body = form(
            block_actions(action_id=blocks.REJECT, value=str(item_id), channel=CHANNEL, ts=ts)
        )
        forged = httpx.post(url, content=body, headers=sign(body, "wrong"), timeout=5)
        assert forged.status_code == 401
        ok = httpx.post(url, content=body, headers=sign(body, SECRET), timeout=5)
        assert ok.status_code == 200
        slack.wait_for("chat.update", timeout=60)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
    with engine.connect() as conn:
        actions = conn.execute(select(decisions.c.action, decisions.c.user_id)).all()
    assert [tuple(a) for a in actions] == [("reject", "U1")]
