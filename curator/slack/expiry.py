"""Candidates expire (the daily job of ``curator run``): the store moves undecided candidates
older than ``CURATOR_CANDIDATE_DAYS`` to the quiet lane (:mod:`curator.store.expiry`), then their
cards in Slack are redrawn without buttons, saying why and how to find the item again, and the
roll-up messages listing them say they expired.

The store is changed first, a batch at a time, and Slack after each batch: a card that cannot be
redrawn (Slack down) keeps its buttons, and a click on it still works (the item is undecided).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.slack.cards import load_card
from curator.slack.messages import update_card
from curator.slack.outbox import MIN_INTERVAL
from curator.slack.rollup import redraw_listings
from curator.store.expiry import PostedCard, expire_candidates, posted_cards
from curator.store.handles import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExpiryReport:
    expired: int = 0  # candidates moved to the quiet lane
    redrawn: int = 0  # their cards updated in Slack
    failed: int = 0  # cards that could not be updated
    roll_ups: int = 0  # roll-up messages listing them, redrawn


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
    expired = listed = 0
    redraws = Redraws(engine, client, days, sleep) if client is not None else None
    while not should_stop():
        with engine.begin() as conn:
            ids = expire_candidates(conn, cutoff, now=now)
            cards = posted_cards(conn, ids) if redraws is not None else []
        if not ids:
            break
        expired += len(ids)
        log.info("%d candidate(s) expired after %d days without a decision", len(ids), days)
        if client is not None:  # their roll-up lines say so, and keep Make a card
            drawn = redraw_listings(engine, client, ids, sleep, MIN_INTERVAL)
            listed += drawn
            if drawn and cards:
                sleep(MIN_INTERVAL)  # the cards' updates follow: one a second in all
        if redraws is not None and not redraws(cards, should_stop):
            log.warning("stopping: the cards of some expired items were not redrawn")
            break
    if redraws is None:
        return ExpiryReport(expired)
    return ExpiryReport(expired, redraws.redrawn, redraws.failed, listed)


@dataclass
class Redraws:
    """Redraws the posted cards of items that left the queue undecided (expired, or kept quiet
    by a rule of their source since), at most one update a second: Slack limits
    ``chat.update`` too. Counts what it did across calls."""

    engine: Engine
    client: WebClient
    #: CURATOR_CANDIDATE_DAYS for an expired card's note (None: the note names no number)
    days: int | None
    sleep: Callable[[float], None] = time.sleep
    redrawn: int = 0
    failed: int = 0

    def __call__(
        self, cards: Sequence[PostedCard], should_stop: Callable[[], bool] = lambda: False
    ) -> bool:
        """Redraw ``cards``; False when ``should_stop`` said so before the last was redrawn."""
        for posted in cards:
            if should_stop():
                return False
            if self.redrawn or self.failed:
                self.sleep(MIN_INTERVAL)
            done = redraw_expired(
                self.engine, self.client, posted.channel, posted.ts, posted.item_id, self.days
            )
            if done == "redrawn":
                self.redrawn += 1
            elif done == "failed":
                self.failed += 1
        return True


def redraw_expired(
    engine: Engine, client: WebClient, channel: str, ts: str, item_id: int, days: int | None
) -> str:
    """Redraw one card of an item that left the queue undecided: "redrawn", "failed" (Slack said
    no) or "skipped" (the item is gone, or was decided or made a card again since)."""
    with engine.connect() as conn:
        card = load_card(conn, item_id)
    if card is None or not card.expired:
        return "skipped"
    card = replace(card, expired_after=days)
    try:
        update_card(client, channel, ts, card)
    except (SlackClientError, OSError) as exc:
        log.warning("could not redraw the card of item %s out of the queue: %s", item_id, exc)
        return "failed"
    return "redrawn"
