"""The Bolt app: every Slack interaction, the same handlers in Socket Mode and HTTP mode.

Each handler acks first (Slack wants an answer within 3 s), then records the decision through
:func:`curator.store.decisions.decide` (idempotent: a redelivered click is a ``duplicate``), then
redraws the card with ``chat.update``. When someone else decided first, the late editor gets an
ephemeral message naming who did (issue 4). A user who may not act (:mod:`curator.slack.access`)
gets an ephemeral refusal and nothing is recorded; every ``/pulse`` is answered, errors included.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from curator.config import Settings
from curator.errors import CuratorError
from curator.records import CATEGORIES, SECTORS
from curator.slack import blocks, pulse
from curator.slack.access import Access
from curator.slack.cards import load_card
from curator.slack.find import find_reply
from curator.slack.outbox import make_client
from curator.slack.promote import Promoter
from curator.store.decisions import Actor, DecisionError, DecisionOutcome, decide

log = logging.getLogger(__name__)


def _actor(body: dict[str, Any], client: WebClient) -> Actor:
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


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    return channel, ts


def _selected(body: dict[str, Any], action_id: str) -> str | None:
    block = ((body.get("state") or {}).get("values") or {}).get(blocks.TRIAGE_BLOCK) or {}
    option = (block.get(action_id) or {}).get("selected_option") or {}
    return blocks.option_key(option.get("value"))


def _item_id(action: dict[str, Any]) -> int:
    raw = action.get("value") or ((action.get("selected_option") or {}).get("value") or "")
    return int(str(raw).split(":", 1)[0])


class Handlers:
    """The app's listeners, sharing the engine and settings."""

    def __init__(self, engine: Engine, settings: Settings, sources_file: Path) -> None:
        self.engine = engine
        self.settings = settings
        self.sources_file = sources_file
        self.access = Access.from_settings(settings)

    # --- helpers -------------------------------------------------------------------------

    def refresh(self, client: WebClient, channel: str | None, ts: str | None, item_id: int) -> None:
        """Redraw the card at (channel, ts) from what the store says now."""
        if not channel or not ts:
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None:
            return
        try:
            client.chat_update(
                channel=channel,
                ts=ts,
                text=blocks.fallback_text(card),
                blocks=blocks.as_dicts(blocks.card_blocks(card)),
                metadata=blocks.metadata(item_id),
            )
        except (SlackClientError, OSError) as exc:
            # The decision is recorded; the card catches up on the next click or refresh.
            log.warning("could not update the card of item %s: %s", item_id, exc)

    def tell(self, client: WebClient, channel: str | None, user: str, text: str) -> None:
        if not channel:
            return
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        except (SlackClientError, OSError) as exc:
            log.warning("could not tell %s: %s (%s)", user, text, exc)

    def refused(self, client: WebClient, body: dict[str, Any], channel: str | None) -> bool:
        """True (and the user told so) when the clicking user may not act: nothing is recorded."""
        user = str((body.get("user") or {}).get("id") or "")
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

    # --- listeners -----------------------------------------------------------------------

    def on_button(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel, ts = _where(body)
        if self.refused(client, body, channel):
            return
        action = body["actions"][0]
        action_id = action["action_id"]
        item_id = _item_id(action)
        actor = _actor(body, client)
        key = f"slack:{action.get('action_ts')}:{actor.user_id}:{action_id}"
        try:
            if action_id == blocks.ACCEPT:
                with self.engine.connect() as conn:
                    card = load_card(conn, item_id)
                sector = _selected(body, blocks.SECTOR) or (card.shown_sector if card else None)
                category = _selected(body, blocks.CATEGORY) or (
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
            elif action_id == blocks.REJECT:
                outcome = self.decide(actor, item_id, "reject", key)
            else:  # UNDO
                outcome = self.decide(actor, item_id, "undo", key)
        except DecisionError as exc:
            self.tell(client, channel, actor.user_id, f"Nothing changed: {exc}.")
            self.refresh(client, channel, ts, item_id)
            return
        if outcome.result == "conflict":
            self.tell(client, channel, actor.user_id, self.explain_conflict(outcome))
        self.refresh(client, channel, ts, item_id)

    def on_select(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        if self.refused(client, body, _where(body)[0]):
            return
        action = body["actions"][0]
        item_id = _item_id(action)
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None or card.status != "accepted":
            # Undecided: the choice is read from the card's state when Accept is clicked.
            return
        chosen = blocks.option_key((action.get("selected_option") or {}).get("value"))
        field = "sector" if action["action_id"] == blocks.SECTOR else "category"
        if chosen is None or getattr(card, field) == chosen:
            return
        actor = _actor(body, client)
        channel, ts = _where(body)
        key = f"slack:{action.get('action_ts')}:{actor.user_id}:{action['action_id']}"
        try:
            self.decide(actor, item_id, "relabel", key, **{field: chosen})
        except DecisionError as exc:
            self.tell(client, channel, actor.user_id, f"Nothing changed: {exc}.")
        self.refresh(client, channel, ts, item_id)

    def on_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        action = body["actions"][0]
        item_id = _item_id(action)
        channel, ts = _where(body)
        if self.refused(client, body, channel):
            return
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None:
            return
        if card.status == "rejected":
            user = str((body.get("user") or {}).get("id"))
            self.tell(client, channel, user, "This item was rejected; Undo first to edit it.")
            return
        view = blocks.edit_modal(card, channel=channel, message_ts=ts)
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
        values = blocks.read_modal((view.get("state") or {}).get("values") or {})
        errors = {}
        if not values["title"]:
            errors[blocks.EDIT_TITLE] = "An item needs a title."
        if values["sector"] not in SECTORS:
            errors[blocks.EDIT_SECTOR] = "Choose a sector."
        if values["category"] not in CATEGORIES:
            errors[blocks.EDIT_CATEGORY] = "Choose a category."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        item_id = int(meta["item_id"])
        channel, ts = meta.get("channel"), meta.get("ts")
        actor = _actor(body, client)
        key = f"slack:view:{view.get('id')}:{actor.user_id}"
        with self.engine.connect() as conn:
            card = load_card(conn, item_id)
        if card is None:
            return
        if card.status == "rejected":
            self.tell(
                client,
                channel,
                actor.user_id,
                self.explain_conflict(
                    DecisionOutcome(
                        "conflict",
                        item_id,
                        "edit",
                        card.status,
                        None,
                        None,
                        None,
                        card.decided_by_name,
                        None,
                    )
                )
                + " Your edits were not saved.",
            )
            return
        edits = {k: values[k] for k in ("title", "summary", "key_findings")}
        try:
            self.decide(actor, item_id, "edit", key + ":edit", edits=edits)
            if card.status in ("new", "queued"):
                outcome = self.decide(
                    actor,
                    item_id,
                    "accept",
                    key + ":accept",
                    sector=values["sector"],
                    category=values["category"],
                )
                if outcome.result == "conflict":
                    self.tell(client, channel, actor.user_id, self.explain_conflict(outcome))
            elif (values["sector"], values["category"]) != (card.sector, card.category):
                self.decide(
                    actor,
                    item_id,
                    "relabel",
                    key + ":relabel",
                    sector=values["sector"],
                    category=values["category"],
                )
        except DecisionError as exc:
            self.tell(client, channel, actor.user_id, f"Nothing changed: {exc}.")
        self.refresh(client, channel, ts, item_id)

    def on_pulse(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """Every /pulse gets an answer, failures included: nothing fails silently."""
        ack()
        words = str(command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        user, channel = str(command.get("user_id") or ""), command.get("channel_id")
        is_dm = command.get("channel_name") == "directmessage" or str(channel).startswith("D")
        reply: str | dict[str, Any] | None = self.access.pulse_refusal(user, channel, is_dm)
        if reply is None:
            try:
                reply = self.pulse_reply(sub, words[1:], command, client)
            except CuratorError as exc:
                log.warning("/pulse %s by %s: %s", sub, user, exc)
                reply = f"Sorry, that did not work: {blocks.escape(str(exc))}"
            except SlackApiError as exc:
                log.warning("/pulse %s by %s: Slack said %s", sub, user, exc)
                reply = f"Slack refused the upload: {exc.response.get('error')}"
            except Exception as exc:
                log.exception("/pulse %s by %s failed", sub, user)
                reply = (
                    f"Sorry, `/pulse {sub}` failed: {blocks.escape(type(exc).__name__)}: "
                    f"{blocks.escape(str(exc))}. The details are in curator's log."
                )
        try:
            if isinstance(reply, dict):  # a reply with blocks (/pulse find)
                respond(**reply, response_type="ephemeral")
            else:
                respond(text=reply, response_type="ephemeral")
        except Exception:
            log.exception("could not answer /pulse %s by %s", sub, user)

    def pulse_reply(
        self, sub: str, args: list[str], command: dict[str, Any], client: WebClient
    ) -> str | dict[str, Any]:
        if sub == "find":
            return find_reply(self.engine, " ".join(args), self.settings.timezone)
        if sub == "status":
            return pulse.status_text(self.engine, datetime.now(UTC), self.settings.timezone)
        if sub == "draft":
            channel = command.get("channel_id")

            def upload(files: list[tuple[str, bytes]]) -> None:
                client.files_upload_v2(
                    channel=channel,
                    file_uploads=[
                        {"content": data, "filename": name, "title": name} for name, data in files
                    ],
                    initial_comment="Draft edition from Pulse Curator",
                )

            return pulse.draft_reply(self.engine, args[0] if args else None, upload)
        if sub == "sources":
            if not args:
                return pulse.sources_text(self.sources_file)
            verb = args[0].lower()
            if verb not in ("add", "disable") or len(args) < 2:
                return (
                    "Use `/pulse sources`, `/pulse sources add URL [Publisher]` or "
                    "`/pulse sources disable ID`."
                )
            if not self.access.is_admin(str(command.get("user_id"))):
                return (
                    "Sorry, only admins can change the sources (ask one of them, or see "
                    "CURATOR_ADMINS in the README). `/pulse sources` lists them."
                )
            if verb == "add":
                return pulse.add_source(
                    self.sources_file,
                    args[1],
                    " ".join(args[2:]) or None,
                    self.settings,
                    str(command.get("user_id")),
                )
            return pulse.disable_source(self.sources_file, args[1])
        return pulse.USAGE


class _SameToken(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; it is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(engine: Engine, settings: Settings, *, sources_file: Path | None = None) -> App:
    """The Bolt app with every listener registered (Socket Mode and HTTP mode share it)."""
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
    h = Handlers(engine, settings, sources_file or settings.sources_file)
    for action_id in (blocks.ACCEPT, blocks.REJECT, blocks.UNDO):
        app.action(action_id)(h.on_button)
    app.action(blocks.SECTOR)(h.on_select)
    app.action(blocks.CATEGORY)(h.on_select)
    app.action(blocks.EDIT)(h.on_edit)
    app.view(blocks.EDIT_MODAL)(h.on_edit_submit)
    app.command("/pulse")(h.on_pulse)
    app.action(blocks.PROMOTE)(Promoter(engine, settings).on_click)
    return app
