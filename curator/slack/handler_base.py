"""What every group of Slack listeners shares: the store, the settings, who may act, the
background worker, and the small helpers to read a payload, answer a user and redraw a card.

The listeners themselves live by job (:mod:`curator.slack.app` triage, ``pulse_command``,
``add_link``, ``proposals``) and are put together in :func:`curator.slack.app.build_app`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.config import Settings
from curator.enrich import ReaderSettings
from curator.slack import blocks
from curator.slack.access import Access
from curator.slack.background import Background
from curator.slack.cards import load_card
from curator.slack.messages import tell, update_card
from curator.slack.rollup import redraw_listing
from curator.store.decisions import UNDECIDED, Actor, DecisionOutcome, decide, last_undoer
from curator.store.handles import Engine

log = logging.getLogger("curator.slack.app")


def actor_of(body: dict[str, Any], client: WebClient) -> Actor:
    """Who clicked or typed, with their display name when the payload has none."""
    user = body.get("user") or {}
    user_id = str(user.get("id") or body.get("user_id") or "")
    name = user.get("username") or user.get("name") or body.get("user_name")
    if not name and user_id:
        try:
            info = client.users_info(user=user_id)
            profile = (info.get("user") or {}).get("profile") or {}
            name = profile.get("display_name") or (info.get("user") or {}).get("name")
        except SlackClientError:
            name = None
    return Actor(user_id=user_id, user_name=name or None, via="slack")


def where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and the ts of the message a click came from."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return channel, ts


def thread_of(body: dict[str, Any]) -> str | None:
    """The ts of the message a click's message replies to (a card, for a proposal)."""
    return (body.get("message") or {}).get("thread_ts") or (body.get("container") or {}).get(
        "thread_ts"
    )


def selected(body: dict[str, Any], action_id: str) -> str | None:
    block = ((body.get("state") or {}).get("values") or {}).get(blocks.TRIAGE_BLOCK) or {}
    option = (block.get(action_id) or {}).get("selected_option") or {}
    return blocks.option_key(option.get("value"))


def item_id_of(action: dict[str, Any]) -> int | None:
    """The item a button or select names (``42``, or ``42:reports`` for an option); None, and a
    warning, when its value is not an item id (our own buttons always send one, so only a
    forged or garbled payload gets here: it is ignored, not raised into Bolt's error path)."""
    raw = action.get("value") or ((action.get("selected_option") or {}).get("value") or "")
    head = str(raw).split(":", 1)[0]
    if not (head.isascii() and head.isdigit()):
        log.warning(
            "ignored a %s click whose value names no item: %r", action.get("action_id"), raw
        )
        return None
    return int(head)


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or body.get("user_id") or "")


class Base:
    """The state the listeners share and the helpers they use."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        sources_file: Path,
        *,
        reader_settings: ReaderSettings | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.sources_file = sources_file
        self.access = Access.from_settings(settings)
        self.background = Background(settings)
        #: How publications are read (tests point the GOV.UK Content API at a local server).
        self.reader_settings = reader_settings

    def refresh(self, client: WebClient, channel: str | None, ts: str | None, item_id: int) -> None:
        """Redraw the card at (channel, ts) from what the store says now, and the line of the
        roll-up that lists the item, if one does (it says who accepted or rejected it)."""
        if not channel or not ts:
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None:
            return
        try:
            update_card(client, channel, ts, card)
        except (SlackClientError, OSError) as exc:
            # The decision is recorded; the card catches up on the next click or refresh.
            log.warning("could not update the card of item %s: %s", item_id, exc)
        redraw_listing(self.engine, client, item_id)

    def tell(self, client: WebClient, channel: str | None, user: str, text: str) -> None:
        tell(client, channel, user, text)

    def refused(self, client: WebClient, body: dict[str, Any], channel: str | None) -> bool:
        """True (and the user told so) when the clicking user may not act: nothing is recorded."""
        user = user_of(body)
        refusal = self.access.click_refusal(user, channel)
        if refusal is None:
            return False
        log.info("refused a click by %s in %s: not an editor", user, channel)
        self.tell(client, channel or self.settings.slack_channel, user, refusal)
        return True

    def explain_conflict(self, outcome: DecisionOutcome) -> str:
        with self.engine.connect() as conn:
            card = load_card(conn, outcome.item_id)
        who = card and blocks.outcome_line(card).split(" by ", 1)[-1]
        title = blocks.escape(card.title) if card else f"item {outcome.item_id}"
        return (
            f"“{title}” was already {outcome.status} by {who or outcome.decided_by}. "
            "The first decision stands; use Undo on the card to change it."
        )

    def nothing_to_undo(self, item_id: int, user_id: str) -> str:
        """What to tell an editor whose Undo found no decision to undo, in their words: the
        publication's title, and who undid it first (a double-click: they did)."""
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
            undoer = last_undoer(conn, item_id)
        if card is None:
            return "Nothing changed: this publication is no longer in Pulse."
        title = f"“{blocks.escape(blocks.trim(card.title, 200))}”"
        if card.status not in UNDECIDED or undoer is None:
            return f"Nothing changed: {title} has no decision to undo."
        if undoer.via == "slack" and undoer.user_id == user_id:
            who = ""
        elif undoer.via == "slack":
            who = f" by <@{undoer.user_id}>"
        else:
            who = f" by @{blocks.escape(undoer.user_name or undoer.user_id)}"
        return f"Already undone{who}: {title} is undecided again."

    def decide(
        self, actor: Actor, item_id: int, action: str, key: str, **kw: Any
    ) -> DecisionOutcome:
        return decide(
            self.engine,
            item_id,
            action,
            actor,
            idempotency_key=key[:200],
            tz=self.settings.timezone,
            **kw,
        )

    # -- hooks other groups of listeners fill in ---------------------------------------------

    def after_accept(
        self, client: WebClient, item_id: int, channel: str | None, ts: str | None
    ) -> None:
        """An editor accepted ``item_id`` from its card at (channel, ts)."""

    def after_edit(
        self, client: WebClient, meta: dict[str, Any], item_id: int, actor: Actor
    ) -> None:
        """An editor saved the Edit modal of ``item_id`` (``meta``: its private metadata)."""
