"""The Bolt app: every Slack interaction, the same handlers in Socket Mode and HTTP mode.

Each handler acks first (Slack wants an answer within 3 s), then records the decision through
:func:`curator.store.decisions.decide` (idempotent: a redelivered click is a ``duplicate``), then
redraws the card with ``chat.update``. When someone else decided first, the late editor gets an
ephemeral message naming who did. A user who may not act (:mod:`curator.slack.access`) gets an
ephemeral refusal and nothing is recorded; every ``/pulse`` is answered, errors included.

The listeners live by job: the card's triage here, ``/pulse`` in
:mod:`~curator.slack.pulse_command`, adding by link in :mod:`~curator.slack.add_link`, proposals
in :mod:`~curator.slack.proposals`; :class:`Handlers` puts them together. Slow work (reading a
publication) runs after the ack on the background worker (:mod:`curator.slack.background`).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from curator.config import Settings
from curator.enrich import ReaderSettings
from curator.records import CATEGORIES, SECTORS, is_category, is_sector
from curator.slack import blocks, modal
from curator.slack.cards import load_card
from curator.slack.database_gone import Listener, refusing
from curator.slack.handler_base import actor_of, item_id_of, selected, where
from curator.slack.outbox import make_client
from curator.slack.promote import Promoter
from curator.slack.proposals import ProposalHandlers
from curator.slack.pulse_command import PulseCommand
from curator.store.decisions import DecisionError, DecisionOutcome
from curator.store.handles import Engine
from curator.store.proposals import get_proposal

log = logging.getLogger(__name__)


class Handlers(PulseCommand, ProposalHandlers):
    """Every listener of the app, sharing the engine, the settings and the background worker."""

    def on_button(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel, ts = where(body)
        if self.refused(client, body, channel):
            return
        action = body["actions"][0]
        action_id = action["action_id"]
        item_id = item_id_of(action)
        if item_id is None:
            return
        actor = actor_of(body, client)
        key = f"slack:{action.get('action_ts')}:{actor.user_id}:{action_id}"
        try:
            if action_id == blocks.ACCEPT:
                with self.engine.connect() as conn:
                    card = load_card(conn, item_id)
                sector = selected(body, blocks.SECTOR) or (card.shown_sector if card else None)
                category = selected(body, blocks.CATEGORY) or (
                    card.shown_category if card else None
                )
                if (
                    card is not None
                    and card.status in ("new", "queued")
                    and not (sector and category)
                ):
                    self.tell(
                        client,
                        channel,
                        actor.user_id,
                        "Choose a sector and a category on the card, then Accept.",
                    )
                    return
                outcome = self.decide(
                    actor, item_id, "accept", key, sector=sector, category=category
                )
                if outcome.result == "recorded":
                    self.after_accept(client, item_id, channel, ts)
            elif action_id == blocks.REJECT:
                outcome = self.decide(actor, item_id, "reject", key)
            else:  # UNDO
                outcome = self.decide(actor, item_id, "undo", key)
        except DecisionError as exc:
            told = (
                self.nothing_to_undo(item_id, actor.user_id)
                if action_id == blocks.UNDO
                else f"Nothing changed: {exc}."
            )
            self.tell(client, channel, actor.user_id, told)
            self.refresh(client, channel, ts, item_id)
            return
        if outcome.result == "conflict" and not self.already_theirs(outcome, actor.user_id):
            self.tell(client, channel, actor.user_id, self.explain_conflict(outcome))
        self.refresh(client, channel, ts, item_id)

    def already_theirs(self, outcome: DecisionOutcome, user_id: str) -> bool:
        """The conflict is the user's own second click (a double-click, or a click on a card
        Slack had not redrawn yet): their decision stands as they wanted, and the redrawn card
        says so; telling them "already accepted by you" would only be noise."""
        wanted = {"accept": "accepted", "reject": "rejected"}.get(outcome.action)
        if outcome.status != wanted:
            return False
        with self.engine.connect() as conn:
            card = load_card(conn, outcome.item_id)
        return card is not None and card.decided_via == "slack" and card.decided_by_id == user_id

    def on_select(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if self.refused(client, body, where(body)[0]):
            return
        action = body["actions"][0]
        item_id = item_id_of(action)
        if item_id is None:
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None or card.status != "accepted":
            # Undecided: the choice is read from the card's state when Accept is clicked.
            return
        chosen = blocks.option_key((action.get("selected_option") or {}).get("value"))
        field = "sector" if action["action_id"] == blocks.SECTOR else "category"
        if chosen is None or getattr(card, field) == chosen:
            return
        actor = actor_of(body, client)
        channel, ts = where(body)
        key = f"slack:{action.get('action_ts')}:{actor.user_id}:{action['action_id']}"
        try:
            self.decide(actor, item_id, "relabel", key, **{field: chosen})
        except DecisionError as exc:
            self.tell(client, channel, actor.user_id, f"Nothing changed: {exc}.")
        self.refresh(client, channel, ts, item_id)

    def on_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel, ts = where(body)
        if self.refused(client, body, channel):
            return
        item_id = item_id_of(body["actions"][0])
        if item_id is None:
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None:
            return
        if card.status == "rejected":
            user = str((body.get("user") or {}).get("id"))
            self.tell(client, channel, user, "This item was rejected; Undo first to edit it.")
            # A card not redrawn since (rejected in the terminal, or by someone else a moment
            # ago) still shows Accept/Reject/Edit: redraw it, so the Undo named is there.
            self.refresh(client, channel, ts, item_id)
            return
        if card.status in ("new", "queued"):
            # What the editor chose in the card's selects, not yet recorded, fills the modal.
            sector, category = selected(body, blocks.SECTOR), selected(body, blocks.CATEGORY)
            card = replace(
                card,
                sector=sector if is_sector(sector) else card.sector,
                category=category if is_category(category) else card.category,
            )
        view = modal.edit_modal(card, channel=channel, message_ts=ts)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view.to_dict())
        except (SlackClientError, OSError) as exc:
            log.warning("could not open the edit modal for item %s: %s", item_id, exc)
            user = str((body.get("user") or {}).get("id"))
            self.tell(client, channel, user, "Slack did not open the editor; try Edit again.")

    def on_edit_submit(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        if not self.access.may_act(str((body.get("user") or {}).get("id")), meta.get("channel")):
            ack()  # close the modal; nothing is recorded
            self.refused(client, body, meta.get("channel"))
            return
        values = modal.read_modal((view.get("state") or {}).get("values") or {})
        errors = {}
        if not values["title"]:
            errors[blocks.EDIT_TITLE] = "An item needs a title."
        if values["publisher"] == "":  # None: a modal opened before it had the field
            errors[blocks.EDIT_PUBLISHER] = "An item needs a publisher."
        if not values["summary"]:  # blank saved nothing visible: the feed's came back
            errors[blocks.EDIT_SUMMARY] = "Write a summary, or Cancel to keep the one it has."
        if values["sector"] not in SECTORS:
            errors[blocks.EDIT_SECTOR] = "Choose a sector."
        if values["category"] not in CATEGORIES:
            errors[blocks.EDIT_CATEGORY] = "Choose a category."
        item_id = int(meta["item_id"])
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
            proposal = get_proposal(conn, item_id) if meta.get("proposal_ts") else None
        if card is not None and card.status == "rejected":
            # Rejected while the modal was open: keep it open, so the text typed is not lost.
            who = blocks.escape(card.decided_by_name or card.decided_by_id or "another editor")
            errors[blocks.EDIT_SUMMARY] = (
                f"Rejected by @{who} while you edited: nothing was saved. Copy your text, "
                "Undo on the card, then Edit again."
            )
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if card is None:
            return
        channel, ts = meta.get("channel"), meta.get("ts")
        actor = actor_of(body, client)
        key = f"slack:view:{view.get('id')}:{actor.user_id}"
        # From the card, only what the editor changed is theirs: a summary saved as the modal
        # showed it would hide the proposal the thread offers. From a proposal, all of it is.
        opened = modal_shown(view)
        shown = {} if meta.get("proposal_ts") else opened
        if proposal is not None:  # what the modal showed cut to fit is saved whole
            whole = {
                "summary": proposal.summary or card.summary,
                "key_findings": list(proposal.key_findings or card.key_findings),
            }
            values = modal.whole_where_unchanged(values, opened, whole)
        edits = {
            k: values[k]
            for k in ("title", "publisher", "summary", "key_findings", "lead_in")
            if (k not in shown or values[k] != shown[k])
            # None: a modal opened before it had the field, not "back to the feed's"
            and not (k == "publisher" and values[k] is None)
        }
        labels = {k: values[k] for k in ("sector", "category")}
        try:
            if edits:
                self.decide(actor, item_id, "edit", key + ":edit", edits=edits)
            if card.status in ("new", "queued"):
                outcome = self.decide(actor, item_id, "accept", key + ":accept", **labels)
                if outcome.result == "conflict":
                    self.tell(client, channel, actor.user_id, self.explain_conflict(outcome))
                elif outcome.result == "recorded":
                    self.after_accept(client, item_id, channel, ts)
            else:
                # Only the labels the editor changed in the modal: one another editor set while
                # it was open (their accept or relabel) is not overwritten by what it showed.
                changed = {
                    k: values[k]
                    for k in ("sector", "category")
                    if values[k] != opened.get(k) and values[k] != getattr(card, k)
                }
                if changed:
                    self.decide(actor, item_id, "relabel", key + ":relabel", **changed)
        except DecisionError as exc:
            self.tell(client, channel, actor.user_id, f"Nothing changed: {exc}.")
        else:
            self.after_edit(client, meta, item_id, actor)
        self.refresh(client, channel, ts, item_id)


def modal_shown(view: dict[str, Any]) -> dict[str, Any]:
    """What the Edit modal showed when it opened (its inputs' initial values and options), read
    as :func:`blocks.read_modal` reads a submission."""
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if element.get("action_id"):
            values[block.get("block_id")] = {
                element["action_id"]: {
                    "value": element.get("initial_value"),
                    "selected_option": element.get("initial_option"),
                }
            }
    return modal.read_modal(values)


class _SameToken(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; it is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


#: The listeners of each app built, so that whoever stops the app can stop their worker.
_HANDLERS: weakref.WeakKeyDictionary[App, Handlers] = weakref.WeakKeyDictionary()


def build_app(
    engine: Engine,
    settings: Settings,
    *,
    sources_file: Path | None = None,
    reader_settings: ReaderSettings | None = None,
) -> App:
    """The Bolt app with every listener registered (Socket Mode and HTTP mode share it).
    ``reader_settings``: how publications are read (tests: a local GOV.UK Content API)."""
    client = make_client(settings)  # SLACK_API_URL and the retry handlers
    bolt_log = logging.getLogger("curator.slack.bolt")
    if not any(isinstance(f, _SameToken) for f in bolt_log.filters):
        bolt_log.addFilter(_SameToken())
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=bool(settings.slack_signing_secret),
        process_before_response=False,
        logger=bolt_log,
    )
    h = Handlers(
        engine, settings, sources_file or settings.sources_file, reader_settings=reader_settings
    )
    listeners: list[tuple[Callable[[Listener], Any], Listener]] = [
        *((app.action(a), h.on_button) for a in (blocks.ACCEPT, blocks.REJECT, blocks.UNDO)),
        (app.action(blocks.SECTOR), h.on_select),
        (app.action(blocks.CATEGORY), h.on_select),
        (app.action(blocks.EDIT), h.on_edit),
        (app.view(blocks.EDIT_MODAL), h.on_edit_submit),
        (app.command("/pulse"), h.on_pulse),
        (app.action(blocks.USE_PROPOSAL), h.on_use_proposal),
        (app.action(blocks.EDIT_PROPOSAL), h.on_edit_proposal),
        (app.shortcut(blocks.ADD_LINK), h.on_add_shortcut),
        (app.action(blocks.PROMOTE), Promoter(engine, settings).on_click),
    ]
    for register, listener in listeners:
        register(refusing(listener))  # the database file deleted: the user is told, not Bolt
    _HANDLERS[app] = h
    return app


def close_app(app: App) -> None:
    """Stop the app's background worker: reads waiting are dropped, the parser processes
    stopped (call when the app stops serving)."""
    handlers = _HANDLERS.pop(app, None)
    if handlers is not None:
        handlers.background.close()
