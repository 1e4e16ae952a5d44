"""The day's roll-up of the digest lane in Slack: "Also published today", one line per item with
a **Make a card** button, at most :data:`~curator.store.digest.PER_MESSAGE` lines a message.

Posting follows the outbox (:mod:`curator.slack.outbox`): the messages are planned in the store
with their items first (so an item is listed once), each is claimed and its attempt counted
before it is posted, and one whose earlier attempt may have posted before the process died is
looked for in the channel history by its metadata (``pulse_digest`` and the item ids) instead of
being posted again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.slack import blocks
from curator.slack.messages import find_message
from curator.slack.outbox import LEASE, Pacer, record_failure
from curator.slack.rollup import digest_blocks, drawn, fallback, item_ids_from_metadata, metadata
from curator.store import digest as store
from curator.store.digest import DigestMessage
from curator.store.handles import Engine

log = logging.getLogger(__name__)

PLAN_TRIES = 3


@dataclass(frozen=True)
class DigestReport:
    messages: int = 0  # roll-up messages posted by this run
    items: int = 0  # items listed in them
    failed: int = 0  # attempts that failed (pending again later unless Slack refused for good)
    skipped: int = 0  # messages found already in the channel (a crash after posting)
    remaining: int = 0  # roll-up messages still to post afterwards


def find_posted(
    client: WebClient, channel: str, item_ids: Sequence[int], since: datetime
) -> str | None:
    """The ts of the roll-up message listing exactly ``item_ids`` in ``channel``, if posted."""
    wanted = list(item_ids)
    return find_message(
        client, channel, since, lambda message: item_ids_from_metadata(message) == wanted
    )


def plan(engine: Engine, channel: str, now: datetime) -> int:
    """Plan the roll-up's messages for every digest item not listed yet; returns how many."""
    for _ in range(PLAN_TRIES):
        try:
            with engine.begin() as conn:
                return len(store.plan_messages(conn, channel, now))
        except store.ListedMeanwhile as exc:
            log.info("another worker listed digest items first (%s); planning again", exc)
    return 0


def _send(engine: Engine, client: WebClient, message: DigestMessage, now: datetime) -> str:
    with engine.connect() as conn:
        lines, head = drawn(conn, message, now)
    resp = client.chat_postMessage(
        channel=message.channel,
        text=fallback(head),
        blocks=blocks.as_dicts(digest_blocks(lines, head)),
        metadata=metadata(message.item_ids),
        unfurl_links=False,
        unfurl_media=False,
    )
    return str(resp["ts"])


def post_digest(
    engine: Engine,
    client: WebClient,
    channel: str,
    *,
    plan_new: bool = True,
    now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> DigestReport:
    """List every digest item not listed yet (``plan_new``) and post the roll-up's messages that
    are due, at most one a second; stops at the first transient failure (the message is retried
    after a backoff). Nothing to list posts nothing."""
    if plan_new:
        plan(engine, channel, now_fn())
    worker = f"digest:{uuid.uuid4().hex[:12]}"
    posted = listed = failed = skipped = 0
    pacer = Pacer(sleep)
    while True:
        now = now_fn()
        with engine.begin() as conn:
            message = store.oldest_due(conn, channel, now)
            if message is None or not store.claim(conn, message, worker, now, now + LEASE):
                break
        try:
            ts = None
            if message.attempts > 0:
                ts = find_posted(client, channel, message.item_ids, message.created_at)
            if ts is not None:
                log.info("roll-up message %s already in %s as %s", message.id, channel, ts)
                skipped += 1
            else:
                pacer.wait()
                ts = _send(engine, client, message, now_fn())
                pacer.posted()
                posted += 1
                listed += len(message.item_ids)
        except (SlackClientError, OSError, ValueError) as exc:
            failed += 1
            what = f"roll-up message {message.id}"
            if record_failure(
                engine, store.POSTING, message.id, message.attempts, worker, exc, what, now_fn
            ):
                continue
            break
        with engine.begin() as conn:
            store.mark_posted(conn, message.id, worker, ts, now_fn())
    with engine.connect() as conn:
        remaining = store.pending_messages(conn, channel)
    return DigestReport(posted, listed, failed, skipped, remaining)
