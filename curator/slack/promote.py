"""**Make a card** (``pulse_promote``): a click on a line of the day's roll-up or on a
``/pulse find`` result posts that item's card at once, exactly once.

Only editors may (the same rule as the cards' buttons, :mod:`curator.slack.access`). The store
decides who made it (:func:`curator.store.promote.make_card`: one conditional update, so a second
click, a redelivered one, or one after the item was carded or decided changes nothing); the card
goes through the outbox, and is posted now rather than at the next drain. Posting it redraws the
roll-up listing the item (:func:`curator.slack.rollup.redraw_listing`), whether the click came
from there or from ``/pulse find``: the line then says it was made a card, and by whom.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from curator.config import Settings
from curator.slack import blocks, rollup
from curator.slack.access import Access
from curator.slack.messages import tell
from curator.slack.outbox import post_now
from curator.store.handles import Engine
from curator.store.item_reads import get_item
from curator.store.promote import Promotion, make_card

log = logging.getLogger(__name__)


class Promoter:
    """The listener of ``pulse_promote``."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        now_fn: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.access = Access.from_settings(settings)
        self.now_fn = now_fn

    def tell(self, client: WebClient, channel: str | None, user: str, text: str) -> None:
        tell(client, channel, user, text)

    def on_click(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
        user = str((body.get("user") or {}).get("id") or "")
        refusal = self.access.click_refusal(user, channel)
        if refusal is not None:
            log.info("refused Make a card by %s in %s: not an editor", user, channel)
            self.tell(client, channel or self.settings.slack_channel, user, refusal)
            return
        action = (body.get("actions") or [{}])[0]
        try:
            item_id = int(str(action.get("value") or ""))
        except ValueError:
            log.warning("Make a card with no item id: %r", action.get("value"))
            return
        with self.engine.begin() as conn:
            promotion = make_card(conn, item_id, user, self.now_fn(), self.settings.slack_channel)
        posted = None
        if promotion.result == "carded" and self.settings.slack_channel:
            posted = post_now(self.engine, client, self.settings.slack_channel, item_id)
        log.info("Make a card of item %s by %s: %s (%s)", item_id, user, promotion.result, posted)
        on_roll_up = (
            bool(channel and ts)
            and not container.get("is_ephemeral")
            and rollup.is_roll_up(self.engine, str(channel), str(ts))
        )
        if not on_roll_up:  # a /pulse find result: its message cannot be redrawn; say it
            self.tell(client, channel, user, self.outcome_text(promotion, posted))
        elif posted != "posted":  # a posted card redrew the roll-up listing it already
            rollup.redraw(self.engine, client, str(channel), str(ts))

    def outcome_text(self, promotion: Promotion, posted: str | None) -> str:
        with self.engine.connect() as conn:
            item = get_item(conn, promotion.item_id)
        if item is None:
            return f"Nothing changed: there is no item {promotion.item_id}."
        title = f"“{blocks.escape(blocks.trim(item.edited_title or item.title, 200))}”"
        where = f"<#{self.settings.slack_channel}>" if self.settings.slack_channel else "Slack"
        if promotion.result == "carded":
            if posted == "posted":
                return f"Made a card of {title}: it is in {where} now."
            return f"Made a card of {title}: it will be posted in {where} shortly."
        if item.status in ("accepted", "held"):
            return f"{title} was already accepted by @{blocks.escape(item.decided_by or '?')}."
        if item.status == "rejected":
            return f"{title} was already rejected by @{blocks.escape(item.decided_by or '?')}."
        who = f" (made by <@{promotion.carded_by}>)" if promotion.carded_by else ""
        return f"{title} is already a card{who}; nothing was posted again."
