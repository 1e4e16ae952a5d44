"""The outbox: candidate cards waiting to be posted, posted at most once per channel.

The poll pipeline queues cards with :func:`curator.store.outbox.enqueue` inside its own
transaction; ``drain`` posts due rows at ≤ 1 message a second per channel (Slack's posting rate).
Slack's 429s are honoured by slack_sdk's ``RateLimitErrorRetryHandler`` (it sleeps for
Retry-After); while Slack is down rows stay ``pending`` with a backed-off ``next_attempt_at`` so
nothing is lost.

Exactly-once posting: a row is claimed (lease) and its ``attempts`` incremented *before* posting.
If a process dies between posting and recording the ``ts`` the row is left pending with
``attempts > 0``; the next drain looks the item up by message metadata in the channel's recent
history (``conversations.history`` with ``include_all_metadata``) and records the ``ts`` it finds
instead of posting again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from curator.config import Settings
from curator.errors import SlackError
from curator.slack import blocks
from curator.slack.cards import load_card
from curator.slack.messages import find_message, update_card
from curator.slack.rollup import redraw_listing
from curator.slack.threads import post_proposal
from curator.store import outbox as store
from curator.store.decisions import UNDECIDED
from curator.store.handles import Engine
from curator.store.outbox import OutboxRow
from curator.store.posting import Posting

log = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two posts to one channel (Slack: ~1 message/s/channel)
LEASE = timedelta(minutes=2)  # a claimed row is someone's for this long
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)
#: Errors that retrying the same message cannot fix: the row is marked ``failed``.
PERMANENT_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
    }
)


@dataclass(frozen=True)
class DrainReport:
    posted: int = 0  # cards posted by this drain
    failed: int = 0  # attempts that failed (the row stays pending unless the error is permanent)
    skipped: int = 0  # rows not posted: already in the channel (found by metadata) or decided
    remaining: int = 0  # rows still pending for the channel afterwards


def make_client(settings: Settings, *, timeout: int = 15, retries: int = 2) -> WebClient:
    """A WebClient for the bot token, pointed at ``SLACK_API_URL`` when set, with retry handlers
    for 429 (honours Retry-After), 500/503 and connection errors."""
    if not settings.slack_bot_token:
        raise SlackError("SLACK_BOT_TOKEN is not set; see the README's Slack section")
    base_url = settings.slack_api_url or WebClient.BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=settings.slack_bot_token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=retries),
            ServerErrorRetryHandler(max_retry_count=retries),
            ConnectionErrorRetryHandler(max_retry_count=retries),
        ],
    )


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: 30 s, 1 min, 2 min … 1 h."""
    delay: timedelta = FIRST_BACKOFF * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_BACKOFF)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claim(
    engine: Engine, channel: str, now: datetime, worker: str, item_id: int | None = None
) -> OutboxRow | None:
    """Take the oldest due pending row for ``channel`` (of ``item_id`` only, when given) and
    bump its attempts (committed). Each try is a transaction of its own: a row another worker
    took between our read and our update is given up at once, and the next try reads the next
    row."""
    for _ in range(5):
        with engine.begin() as conn:
            row = store.oldest_due(conn, channel, now, item_id=item_id)
            if row is None:
                return None
            if store.claim(conn, row, worker, now, now + LEASE):
                return row
    return None


def find_posted(client: WebClient, channel: str, item_id: int, since: datetime) -> str | None:
    """The ts of a card for ``item_id`` already in ``channel`` (by message metadata), if any."""
    return find_message(
        client, channel, since, lambda message: blocks.item_id_from_metadata(message) == item_id
    )


def error_code(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return str(data.get("error") or f"http_{exc.response.status_code}")
    return f"{type(exc).__name__}: {exc}"


def record_failure(
    engine: Engine,
    posting: Posting,
    row_id: int,
    attempts: int,
    worker: str,
    exc: Exception,
    what: str,
    now_fn: Callable[[], datetime],
) -> bool:
    """Record a failed post of ``what`` (a card, a roll-up message) that had ``attempts`` before
    this one: True when Slack refused it for good (the row is failed), False when it is retried
    after a backoff."""
    code = error_code(exc)
    with engine.begin() as conn:
        if code in PERMANENT_ERRORS:
            log.error("Slack refused %s: %s", what, code)
            posting.mark_failed(conn, row_id, worker, code)
            return True
        log.warning("posting %s failed (%s); retrying later", what, code)
        posting.retry_later(conn, row_id, worker, code, now_fn() + backoff(attempts + 1))
        return False


def _post(client: WebClient, channel: str, item_id: int, engine: Engine) -> tuple[str, str]:
    """Post the card; returns ("posted", ts) or ("skipped", reason)."""
    with engine.connect() as conn:
        card = load_card(conn, item_id)
    if card is None:
        return "skipped", f"item {item_id} no longer exists"
    if card.status not in UNDECIDED:
        return "skipped", f"item {item_id} was already {card.status} before it was posted"
    text = blocks.fallback_text(card)
    resp = client.chat_postMessage(
        channel=channel,
        text=text,
        blocks=blocks.as_dicts(blocks.card_blocks(card)),
        metadata=blocks.metadata(item_id),
        unfurl_links=False,
        unfurl_media=False,
    )
    return "posted", str(resp["ts"])


def refresh_posted_cards(engine: Engine, client: WebClient, item_id: int) -> int:
    """Redraw every posted card of ``item_id`` (after a decision made outside Slack, e.g. in
    ``curator review``), and the roll-up line listing it. Returns how many cards were updated;
    Slack errors are logged, not raised."""
    with engine.connect() as conn:
        card = load_card(conn, item_id)
        posted = store.posted_messages(conn, item_id)
    if card is None:
        return 0
    updated = 0
    for channel, ts in posted:
        try:
            update_card(client, channel, ts, card)
            updated += 1
        except (SlackClientError, OSError) as exc:
            log.warning("could not update the card of item %s in %s: %s", item_id, channel, exc)
    redraw_listing(engine, client, item_id)  # a digest item decided in the terminal
    return updated


class Pacer:
    """At most one post every MIN_INTERVAL seconds to one channel."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self.sleep = sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            wait = MIN_INTERVAL - (time.monotonic() - self.last)
            if wait > 0:
                self.sleep(wait)

    def posted(self) -> None:
        self.last = time.monotonic()


def _deliver(
    engine: Engine,
    client: WebClient,
    channel: str,
    row: OutboxRow,
    worker: str,
    now_fn: Callable[[], datetime],
    pacer: Pacer,
) -> str:
    """Post one claimed row (or find it already posted). Returns "posted", "skipped" (found in
    the channel, or no longer to post), "failed" (Slack refused it for good) or "retry" (a
    transient failure: the row is retried after a backoff)."""
    try:
        ts = None
        if row.attempts > 0:
            # A previous attempt may have posted before dying: look before posting again.
            ts = find_posted(client, channel, row.item_id, row.created_at)
        if ts is not None:
            log.info("item %s already in %s as %s", row.item_id, channel, ts)
            with engine.begin() as conn:
                store.mark_posted(conn, row.id, worker, ts, now_fn())
            return "skipped"
        pacer.wait()
        outcome, detail = _post(client, channel, row.item_id, engine)
        pacer.posted()
    except (SlackClientError, OSError, ValueError) as exc:
        what = f"item {row.item_id}"
        refused = record_failure(
            engine, store.POSTING, row.id, row.attempts, worker, exc, what, now_fn
        )
        return "failed" if refused else "retry"
    with engine.begin() as conn:
        if outcome != "posted":
            store.mark_failed(conn, row.id, worker, f"skipped: {detail}")
            return "skipped"
        store.mark_posted(conn, row.id, worker, detail, now_fn())
    # An item an editor added by its link was read already: its proposal goes in the card's
    # thread at once (a polled item's is read when an editor accepts it).
    post_proposal(client, engine, channel, detail, row.item_id)
    # A line of a roll-up made a card (Make a card, adding by link) loses its button.
    redraw_listing(engine, client, row.item_id)
    return "posted"


def post_now(
    engine: Engine,
    client: WebClient,
    channel: str,
    item_id: int,
    *,
    now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str | None:
    """Post ``item_id``'s pending card for ``channel`` now, ahead of the queue (an editor asked
    for it, or just added its link). Returns what :func:`_deliver` did, or None when its row is
    not due or someone else holds it (it is posted by the next drain, or is being posted now)."""
    worker = _worker()
    row = _claim(engine, channel, now_fn(), worker, item_id)
    if row is None:
        return None
    return _deliver(engine, client, channel, row, worker, now_fn, Pacer(time.sleep))


def drain(
    engine: Engine,
    client: WebClient,
    channel: str,
    *,
    max_messages: int | None = None,
    now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
    deadline: float | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> DrainReport:
    """Post due outbox rows for ``channel`` until none is due, ``max_messages`` rows were handled,
    ``time.monotonic()`` passes ``deadline`` or ``stop()`` is true (``curator run`` is stopping).
    Stops at the first transient failure (Slack is down or refusing): the row keeps its place
    and is retried after a backoff."""
    worker = _worker()
    posted = failed = skipped = 0
    pacer = Pacer(sleep)
    while max_messages is None or posted + failed + skipped < max_messages:
        if (deadline is not None and time.monotonic() >= deadline) or stop():
            break
        row = _claim(engine, channel, now_fn(), worker)
        if row is None:
            break
        result = _deliver(engine, client, channel, row, worker, now_fn, pacer)
        if result == "posted":
            posted += 1
        elif result == "skipped":
            skipped += 1
        else:
            failed += 1
            if result == "retry":
                break
    with engine.connect() as conn:
        remaining = store.pending_count(conn, channel)
    return DrainReport(posted, failed, skipped, remaining)
