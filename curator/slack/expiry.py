"""Candidates expire (the daily job of ``curator run``): the store moves undecided candidates
older than ``CURATOR_CANDIDATE_DAYS`` to the quiet lane (:mod:`curator.store.expiry`), then their
cards in Slack are redrawn without buttons, saying why and how to find the item again.

The store is changed first, a batch at a time, and Slack after each batch: a card that cannot be
redrawn (Slack down) keeps its buttons, and a click on it still works (the item is undecided).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.slack.cards import load_card
from curator.slack.messages import update_card
from curator.slack.outbox import MIN_INTERVAL
from curator.store.expiry import expire_candidates, posted_cards
from curator.store.handles import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryReport:
    expired: int = 0  # candidates moved to the quiet lane
    redrawn: int = 0  # their cards updated in Slack
    failed: int = 0  # cards that could not be updated


def expire(
    engine: Engine,
    now: datetime,
    days: int,
    client: WebClient | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
) -> ExpiryReport:
    """Expire every candidate older than ``days`` at ``now``; with ``client``, redraw their cards
    (at most one update a second: Slack limits ``chat.update`` too)."""
    cutoff = now - timedelta(days=days)
    expired = redrawn = failed = 0
    while not should_stop():
        with engine.begin() as conn:
            ids = expire_candidates(conn, cutoff)
            cards = posted_cards(conn, ids) if client is not None else []
        if not ids:
            break
        expired += len(ids)
        log.info("%d candidate(s) expired after %d days without a decision", len(ids), days)
        for posted in cards:
            if should_stop():
                log.warning("stopping: the cards of some expired items were not redrawn")
                break
            assert client is not None
            if redrawn or failed:
                sleep(MIN_INTERVAL)
            done = redraw_expired(engine, client, posted.channel, posted.ts, posted.item_id, days)
            if done == "redrawn":
                redrawn += 1
            elif done == "failed":
                failed += 1
    return ExpiryReport(expired, redrawn, failed)


def redraw_expired(
    engine: Engine, client: WebClient, channel: str, ts: str, item_id: int, days: int
) -> str:
    """Redraw one expired card: "redrawn", "failed" (Slack said no) or "skipped" (the item is
    gone, or was decided or made a card again since)."""
    with engine.connect() as conn:
        card = load_card(conn, item_id)
    if card is None or not card.expired:
        return "skipped"
    card = replace(card, expired_after=days)
    try:
        update_card(client, channel, ts, card)
    except (SlackClientError, OSError) as exc:
        log.warning("could not mark the card of item %s as expired: %s", item_id, exc)
        return "failed"
    return "redrawn"
