"""Proposals in Slack: read after an editor accepts a card, posted in the card's thread with
**Use this** and **Edit**, and both buttons going through the decision code.

Reading a publication takes seconds, so it happens after the click's ack, on the background
worker (:mod:`curator.slack.background`). An item added by its link was read when it was added,
and its proposal was posted with its card: accepting it reads nothing again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.items.propose import propose_for_item
from curator.slack import blocks, modal
from curator.slack.cards import load_card
from curator.slack.handler_base import (
    Base,
    actor_of,
    item_id_of,
    thread_of,
    user_of,
    where,
)
from curator.slack.threads import mark_proposal, post_proposal
from curator.store.decisions import Actor, DecisionError, ProposalSuperseded
from curator.store.proposals import TextSaved, get_proposal

log = logging.getLogger("curator.slack.app")


class ProposalHandlers(Base):
    def after_accept(
        self, client: WebClient, item_id: int, channel: str | None, ts: str | None
    ) -> None:
        with self.engine.connect() as conn:
            if get_proposal(conn, item_id) is not None:
                return  # read already (added by its link): its thread shows it
        self.background.submit(
            f"reading the publication of item {item_id}",
            lambda: self.propose_and_post(client, item_id, channel, ts),
        )

    def propose_and_post(
        self, client: WebClient, item_id: int, channel: str | None, ts: str | None
    ) -> None:
        """Read ``item_id``'s publication, keep the proposal, post it in the card's thread."""
        with self.engine.connect() as conn:
            if get_proposal(conn, item_id) is not None:
                return  # two accepts (an undo between them) read it once
        reader = self.background.reader(self.reader_settings)
        stored = propose_for_item(self.engine, reader, item_id).stored
        if stored.error:
            log.info("nothing proposed for item %s: %s", item_id, stored.error)
        if channel and ts:
            post_proposal(client, self.engine, channel, ts, item_id)

    def on_use_proposal(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """**Use this**: the proposal becomes the item's own text (a ``use_proposal``
        decision), the card shows it, and the proposal says who used it."""
        ack()
        channel, ts = where(body)
        if self.refused(client, body, channel):
            return
        action = body["actions"][0]
        item_id = item_id_of(action)
        if item_id is None:
            return
        actor = actor_of(body, client)
        if self.used_already(client, channel, ts, item_id, actor):
            return
        key = f"slack:{action.get('action_ts')}:{actor.user_id}:{action['action_id']}"
        try:
            outcome = self.decide(actor, item_id, "use_proposal", key)
        except ProposalSuperseded as exc:
            self.superseded(client, channel, ts, item_id, actor, exc.saved)
            self.refresh(client, channel, thread_of(body), item_id)  # their text, if stale
            return
        except DecisionError as exc:
            if not self.used_already(client, channel, ts, item_id, actor):
                self.tell(client, channel, actor.user_id, self.not_used(item_id, exc))
                self.refresh(client, channel, thread_of(body), item_id)  # a stale card
            return
        if outcome.result == "conflict":
            if not self.used_already(client, channel, ts, item_id, actor):
                self.tell(client, channel, actor.user_id, self.explain_conflict(outcome))
            return
        self._mark(client, channel, ts, item_id, f"Used by {_mention(actor)}: the draft prints it")
        self.refresh(client, channel, thread_of(body), item_id)

    def not_used(self, item_id: int, exc: DecisionError) -> str:
        """Why Use this changed nothing, by the publication's title (not its id) for a rejected
        item, whose card (redrawn) shows the Undo to click."""
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is not None and card.status == "rejected":
            title = blocks.escape(blocks.trim(card.title, 200))
            return f"Nothing changed: “{title}” was rejected; Undo on its card to use this."
        return f"Nothing changed: {exc}."

    def used_already(
        self, client: WebClient, channel: str | None, ts: str | None, item_id: int, actor: Actor
    ) -> bool:
        """True when ``item_id``'s proposal was used already: nothing is recorded again (nor
        the text the editors changed since written over). Their own second click (a
        double-click) is quiet; another editor is told who used it, and the proposal, if it
        still shows its buttons, is redrawn saying so."""
        with self.engine.connect() as conn:
            proposal = get_proposal(conn, item_id)
        if proposal is None or proposal.used_at is None:
            return False
        if proposal.used_by not in (actor.user_name, actor.user_id):
            who = f"@{blocks.escape(proposal.used_by or 'another editor')}"
            self.tell(
                client,
                channel,
                actor.user_id,
                f"Already used by {who}: the draft prints it. Edit the card to change it.",
            )
            mark_proposal(client, channel, ts, proposal, f"Used by {who}: the draft prints it")
        return True

    def superseded(
        self,
        client: WebClient,
        channel: str | None,
        ts: str | None,
        item_id: int,
        actor: Actor,
        saved: TextSaved,
    ) -> None:
        """Use this on a proposal an editor's own text was saved after (from a card's Edit, a
        proposal's, the terminal; after the proposal's reading began, even if before it was
        posted): nothing was written over it. The clicking editor is told who
        saved it and when, and the proposal is redrawn without its buttons, saying so."""
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        title = f"“{blocks.escape(blocks.trim(card.title, 200))}”" if card else "this item"
        when = _when(saved.at, self.settings.timezone)
        who = _saver(saved)
        mine = saved.via == "slack" and saved.user_id == actor.user_id
        saver = "you saved your" if mine else f"{who} saved their"
        self.tell(
            client,
            channel,
            actor.user_id,
            f"Nothing changed: {saver} own text for {title} on {when}, while or after this "
            "was read from the publication, and the draft prints it. Edit the card to change it.",
        )
        note = f"Superseded by {who}'s edit of {when}: the draft prints their text"
        self._mark(client, channel, ts, item_id, note)

    def on_edit_proposal(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """**Edit**: the card's Edit modal, filled with the proposal instead of the feed's text;
        saving it is an ``edit`` (and an ``accept`` on an undecided card), as from the card."""
        ack()
        channel, ts = where(body)
        if self.refused(client, body, channel):
            return
        item_id = item_id_of(body["actions"][0])
        if item_id is None:
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
            proposal = get_proposal(conn, item_id)
        if card is None or proposal is None:
            return
        if card.status == "rejected":
            self.tell(client, channel, user_of(body), "This item was rejected; Undo first.")
            self.refresh(client, channel, thread_of(body), item_id)  # the card shows Undo
            return
        filled = replace(
            card,
            summary=proposal.summary or card.summary,
            key_findings=proposal.key_findings or card.key_findings,
            lead_in=proposal.lead_in if proposal.key_findings else card.lead_in,
        )
        view = modal.edit_modal(filled, channel=channel, message_ts=thread_of(body), proposal_ts=ts)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())
        except (SlackClientError, OSError) as exc:
            log.warning("could not open the edit modal for item %s: %s", item_id, exc)
            self.tell(client, channel, user_of(body), "Slack did not open the editor; try again.")

    def after_edit(
        self, client: WebClient, meta: dict[str, Any], item_id: int, actor: Actor
    ) -> None:
        if meta.get("proposal_ts"):
            note = f"Edited by {_mention(actor)}: the draft prints their text"
            self._mark(client, meta.get("channel"), meta["proposal_ts"], item_id, note)

    def _mark(
        self, client: WebClient, channel: str | None, ts: str | None, item_id: int, note: str
    ) -> None:
        with self.engine.connect() as conn:
            proposal = get_proposal(conn, item_id)
        if proposal is not None:
            mark_proposal(client, channel, ts, proposal, note)


def _mention(actor: Actor) -> str:
    return f"<@{actor.user_id}>" if actor.user_id else blocks.escape(actor.user_name or "?")


def _saver(saved: TextSaved) -> str:
    """Who saved an item's text: a Slack mention, or the terminal user's name."""
    if saved.via == "slack" and saved.user_id:
        return f"<@{saved.user_id}>"
    return f"@{blocks.escape(saved.who)}"


def _when(at: datetime, tz: str) -> str:
    """``3 Jun 2024 at 10:15``, in the editors' time zone."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%b %Y} at {local:%H:%M}"
