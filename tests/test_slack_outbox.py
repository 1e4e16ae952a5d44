"""The outbox against the fake Slack: pacing, 429s, Slack down, crashes between post and record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select, update

from curator.config import Settings
from curator.slack import blocks
from curator.slack.outbox import drain, make_client
from curator.store.outbox import enqueue
from curator.store.schema import outbox
from tests.support.factories import add_item, add_prediction
from tests.support.fake_slack import FakeSlack

pytestmark = pytest.mark.storage
CHANNEL = "C0PULSE"
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


def client_for(slack: FakeSlack, **kw: int) -> WebClient:
    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.base_url.rstrip("/"))
    return make_client(settings, **kw)


class Clock:
    def __init__(self) -> None:
        self.now = T0
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def queue(engine: Engine, n: int, *, predicted: bool = True) -> list[int]:
    ids = []
    for _ in range(n):
        item_id = add_item(engine)
        if predicted:
            add_prediction(engine, item_id)
        with engine.begin() as conn:
            assert enqueue(conn, item_id, CHANNEL, T0)
        ids.append(item_id)
    return ids


def rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]


def posted_items(slack: FakeSlack) -> list[int | None]:
    return [blocks.item_id_from_metadata(m) for m in slack.channel_messages(CHANNEL)]


def test_enqueue_is_idempotent(engine: Engine) -> None:
    item_id = add_item(engine)
    with engine.begin() as conn:
        assert enqueue(conn, item_id, CHANNEL, T0) is True
        assert enqueue(conn, item_id, CHANNEL, T0) is False
        assert enqueue(conn, item_id, "C0OTHER", T0) is True
    assert len(rows(engine)) == 2


def test_drain_posts_each_card_once_with_metadata_at_most_one_a_second(
    engine: Engine, slack: FakeSlack
) -> None:
    ids = queue(engine, 3)
    clock = Clock()
    report = drain(engine, client_for(slack), CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert (report.posted, report.failed, report.remaining) == (3, 0, 0)
    assert posted_items(slack) == ids
    # Paced: a wait before every post but the first, topping each gap up to a second.
    assert len(clock.sleeps) == 2 and all(0.9 < s <= 1.0 for s in clock.sleeps)
    post = slack.calls("chat.postMessage")[0].params
    assert post["metadata"] == {
        "event_type": "pulse_candidate",
        "event_payload": {"item_id": ids[0]},
    }
    assert all(r["status"] == "posted" and r["message_ts"] for r in rows(engine))
    # A second drain has nothing to do.
    assert drain(engine, client_for(slack), CHANNEL, now_fn=clock, sleep=clock.sleep).posted == 0
    assert len(slack.calls("chat.postMessage")) == 3


def test_real_pacing_keeps_a_second_between_posts(engine: Engine, slack: FakeSlack) -> None:
    queue(engine, 2)
    drain(engine, client_for(slack), CHANNEL)
    first, second = slack.calls("chat.postMessage")
    assert second.at - first.at >= 0.95


def test_429_retry_after_is_honoured(engine: Engine, slack: FakeSlack) -> None:
    queue(engine, 1)
    slack.fail("chat.postMessage", status=429, retry_after=1)
    report = drain(engine, client_for(slack), CHANNEL, sleep=lambda s: None)
    assert report.posted == 1
    first, second = slack.calls("chat.postMessage")
    assert second.at - first.at >= 1.0  # waited Retry-After before trying again
    assert len(slack.channel_messages(CHANNEL)) == 1


def test_slack_down_loses_nothing_and_posts_everything_once_when_back(
    engine: Engine, slack: FakeSlack
) -> None:
    ids = queue(engine, 3)
    clock = Clock()
    slack.fail("*", status=503, times=1000)
    client = client_for(slack, retries=0)
    report = drain(engine, client, CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert (report.posted, report.failed, report.remaining) == (0, 1, 3)
    first = rows(engine)[0]
    assert first["status"] == "pending" and first["attempts"] == 1
    assert first["next_attempt_at"] == T0 + timedelta(seconds=30)
    assert "503" in str(first["last_error"]) or "fatal_error" in str(first["last_error"])
    # Still down half an hour later: backoff grows, still nothing lost.
    for minutes in (1, 3, 10):
        clock.now = T0 + timedelta(minutes=minutes)
        drain(engine, client, CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert all(r["status"] == "pending" for r in rows(engine))
    next_attempt = rows(engine)[0]["next_attempt_at"]
    assert isinstance(next_attempt, datetime) and next_attempt > clock.now
    slack.heal()
    clock.now = T0 + timedelta(hours=2)
    report = drain(engine, client, CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert (report.posted, report.remaining) == (3, 0)
    assert posted_items(slack) == ids


def test_crash_between_post_and_record_does_not_post_again(
    engine: Engine, slack: FakeSlack
) -> None:
    # The previous process posted the card, then died before recording the ts (kill -9).
    (item_id,) = queue(engine, 1)
    posted_at = f"{(T0 + timedelta(minutes=1)).timestamp():.6f}"
    old = slack.add_message(CHANNEL, text="card", metadata=blocks.metadata(item_id), ts=posted_at)
    slack.add_message(CHANNEL, text="chatter")
    with engine.begin() as conn:
        conn.execute(update(outbox).values(attempts=1))
    report = drain(engine, client_for(slack), CHANNEL, now_fn=lambda: T0 + timedelta(minutes=5))
    assert (report.posted, report.skipped) == (0, 1)
    assert slack.calls("chat.postMessage") == []
    history = slack.calls("conversations.history")[0].params
    assert str(history["include_all_metadata"]).lower() in ("1", "true")
    assert rows(engine)[0]["status"] == "posted"
    assert rows(engine)[0]["message_ts"] == old["ts"]


def test_earlier_attempt_that_did_not_post_is_posted(engine: Engine, slack: FakeSlack) -> None:
    (item_id,) = queue(engine, 1)
    with engine.begin() as conn:
        conn.execute(update(outbox).values(attempts=1))
    report = drain(engine, client_for(slack), CHANNEL, now_fn=lambda: T0)
    assert report.posted == 1
    assert posted_items(slack) == [item_id]


def test_timeout_after_slack_posted_is_not_double_posted(engine: Engine, slack: FakeSlack) -> None:
    (item_id,) = queue(engine, 1)
    slack.fail("chat.postMessage", hang=2, after=True)  # posted, but the answer never arrives
    client = client_for(slack, timeout=1, retries=0)
    clock = Clock()
    report = drain(engine, client, CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert report.failed == 1 and rows(engine)[0]["status"] == "pending"
    clock.now = T0 + timedelta(minutes=1)
    report = drain(engine, client, CHANNEL, now_fn=clock, sleep=clock.sleep)
    assert (report.posted, report.skipped) == (0, 1)
    assert posted_items(slack) == [item_id]
    assert rows(engine)[0]["message_ts"] == slack.channel_messages(CHANNEL)[0]["ts"]


def test_refused_card_is_marked_failed_and_the_rest_still_post(
    engine: Engine, slack: FakeSlack
) -> None:
    ids = queue(engine, 2)
    slack.fail("chat.postMessage", error="invalid_blocks")
    report = drain(engine, client_for(slack), CHANNEL, now_fn=lambda: T0, sleep=lambda s: None)
    assert (report.posted, report.failed, report.remaining) == (1, 1, 0)
    first, second = rows(engine)
    assert (first["status"], first["last_error"]) == ("failed", "invalid_blocks")
    assert second["status"] == "posted"
    assert posted_items(slack) == [ids[1]]


def test_bad_token_keeps_the_rows(engine: Engine, slack: FakeSlack) -> None:
    queue(engine, 1)
    settings = Settings(slack_bot_token="xoxb-wrong", slack_api_url=slack.base_url)
    report = drain(engine, make_client(settings), CHANNEL, now_fn=lambda: T0)
    assert report.failed == 1 and rows(engine)[0]["last_error"] == "invalid_auth"
    assert rows(engine)[0]["status"] == "pending"


def test_max_messages_and_deadline(engine: Engine, slack: FakeSlack) -> None:
    queue(engine, 3)
    report = drain(engine, client_for(slack), CHANNEL, max_messages=1, sleep=lambda s: None)
    assert (report.posted, report.remaining) == (1, 2)
    report = drain(engine, client_for(slack), CHANNEL, deadline=0.0)
    assert (report.posted, report.remaining) == (0, 2)
