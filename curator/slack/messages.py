"""Small Slack Web API moves several listeners and jobs share: redraw a card in place, tell one
user something only they see, find a message this app posted by its metadata."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.slack import blocks

log = logging.getLogger(__name__)

#: Pages of channel history (200 messages each) searched for a message already posted.
HISTORY_PAGES = 5


def update_card(client: WebClient, channel: str, ts: str, card: blocks.Card) -> None:
    """Redraw the card message at (channel, ts) as ``card``; Slack's errors are raised."""
    client.chat_update(
        channel=channel,
        ts=ts,
        text=blocks.fallback_text(card),
        blocks=blocks.as_dicts(blocks.card_blocks(card)),
        metadata=blocks.metadata(card.item_id),
    )


def tell(client: WebClient, channel: str | None, user: str, text: str) -> None:
    """An ephemeral message to ``user`` in ``channel``; a failure is logged, not raised."""
    if not channel:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except (SlackClientError, OSError) as exc:
        log.warning("could not tell %s: %s (%s)", user, text, exc)


def find_message(
    client: WebClient, channel: str, since: datetime, matches: Callable[[dict[str, Any]], bool]
) -> str | None:
    """The ts of the first message (newest first) in ``channel`` since ``since``, less five
    minutes for clock skew, that ``matches``; at most :data:`HISTORY_PAGES` pages are read."""
    oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        resp = client.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
        )
        for message in resp.get("messages") or []:
            if matches(message):
                return str(message["ts"])
        cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
        if not resp.get("has_more") or not cursor:
            return None
    return None
