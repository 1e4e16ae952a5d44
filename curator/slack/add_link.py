"""Adding a publication by its link from Slack: ``/pulse add URL`` and the **Add to Pulse**
message shortcut (``callback_id`` ``pulse_add_link``), both through :mod:`curator.items.add`,
the same path as ``curator item add``.

Each answers at once (only the editor sees it: the slash command's and the shortcut's
``response_url``), reads the publication on the background worker, then answers again with what
was added, or found already there, or why nothing was. A new item's card is posted to
``SLACK_CHANNEL`` at once, its proposal in the card's thread. A message with several links adds
each of them (the first five).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from curator.enrich import EnrichError
from curator.errors import DatabaseGone
from curator.items.add import AddRequest, LinkAdder, watched_sources
from curator.items.links import Added, LinkUsageError, check_link
from curator.records import CATEGORIES, SECTORS
from curator.slack.blocks import escape, trim, trim_lines
from curator.slack.database_gone import why
from curator.slack.handler_base import Base, actor_of, user_of
from curator.slack.links import links_in_message
from curator.slack.outbox import post_now
from curator.store.decisions import Actor

log = logging.getLogger("curator.slack.app")
REPLY_LIMIT = 3000
ADD_USAGE = "Use `/pulse add URL`: the link of a publication to put in front of the editors."


class AddLink(Base):
    def pulse_add(
        self, args: list[str], command: dict[str, Any], respond: Respond, client: WebClient
    ) -> str | None:
        """``/pulse add URL``: answers at once, then again once the page is read (None: both
        answers are its own; a usage error is returned to answer)."""
        if len(args) != 1:
            return ADD_USAGE
        try:
            url = check_link(args[0]).url  # Slack's <url|text> unwrapped, for the answers too
        except LinkUsageError as exc:
            return f"Not added: {escape(str(exc))}"
        actor = Actor(
            user_id=str(command.get("user_id") or ""),
            user_name=command.get("user_name") or None,
            via="slack",
        )
        _answer(respond, f"Reading {escape(url)}… I will say here what was added.")
        self.background.submit(
            f"/pulse add {url}", lambda: self.add_and_answer([url], actor, client, respond)
        )
        return None

    def on_add_shortcut(
        self, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        """The **Add to Pulse** message shortcut: every link the message holds (up to five)."""
        ack()
        user, channel = user_of(body), (body.get("channel") or {}).get("id")
        refusal = self.access.add_refusal(user, channel)
        if refusal is not None:
            log.info("refused Add to Pulse by %s in %s: not an editor", user, channel)
            _answer(respond, refusal)
            return
        links, held = links_in_message(body.get("message") or {})
        if not links:
            _answer(respond, "That message holds no web link to add to Pulse.")
            return
        some = f"the first {len(links)} of its {held} links" if held > len(links) else None
        _answer(
            respond,
            f"Reading {some or _count(len(links), 'link')} from that message… "
            "I will say here what was added.",
        )
        actor = actor_of(body, client)
        self.background.submit(
            "Add to Pulse", lambda: self.add_and_answer(links, actor, client, respond)
        )

    def add_and_answer(
        self, urls: Sequence[str], actor: Actor, client: WebClient, respond: Respond
    ) -> None:
        """Add each link (one that fails does not stop the others), post new cards now, and
        answer the editor with what happened to each."""
        sources, warning = watched_sources(self.sources_file)
        if warning:
            log.warning("%s", warning)
        adder = LinkAdder(
            self.engine,
            self.settings,
            self.background.reader(self.reader_settings),
            sources=sources,
        )
        lines: list[str] = []
        for url in urls:
            lines.append(self._add_one(adder, url, actor, client))
        _answer(respond, trim_lines(lines, REPLY_LIMIT))

    def _add_one(self, adder: LinkAdder, url: str, actor: Actor, client: WebClient) -> str:
        try:
            added = adder.add(AddRequest(url), actor)
        except LinkUsageError as exc:
            return f"• Not added: {escape(str(exc))}"
        except EnrichError as exc:
            return f"• Not added, the page could not be read: {escape(trim(str(exc), 600))}"
        except DatabaseGone as exc:
            log.error("adding %s from Slack refused: %s", url, exc)
            return f"• Not added, {escape(url)}: {why(exc)}, then add it again."
        except Exception as exc:
            log.exception("adding %s from Slack failed", url)
            return (
                f"• Not added, {escape(url)}: {escape(type(exc).__name__)}: "
                f"{escape(trim(str(exc), 300))}. The details are in curator's log."
            )
        if added.queued and self.settings.slack_channel:
            self._post_card(client, added.item_id)
        return _added_line(added, self.settings.slack_channel)

    def _post_card(self, client: WebClient, item_id: int) -> None:
        """Post the new card now (it stays in the outbox for the next tick if Slack refuses)."""
        channel = self.settings.slack_channel
        assert channel is not None
        try:
            post_now(self.engine, client, channel, item_id)
        except Exception:
            log.exception("could not post the card of item %s now; the next tick will", item_id)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _answer(respond: Callable[..., Any], text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception:
        log.exception("could not answer an add by link: %s", text[:200])


def _added_line(added: Added, channel: str | None) -> str:
    title = escape(trim(f"{added.publisher}. {added.title}", 300))
    card = f"its card is in <#{channel}>" if added.queued and channel else None
    if added.existing:
        state = added.status if not added.edition else f"{added.status} into {added.edition}"
        return (
            f"• Already in Pulse: *{title}* (item {added.item_id}, {state}); "
            f"{card or 'nothing added'}."
        )
    found = []
    if "summary" in added.provenance:
        found.append("a summary")
    if "key_findings" in added.provenance:
        found.append(_count(len(added.key_findings), "key finding"))
    if card:
        card += f" with {' and '.join(found)} proposed in its thread" if found else ""
    else:
        card = "it waits for an editor in `curator review`"
    labels = " · ".join(
        x for x in (SECTORS.get(added.sector or ""), CATEGORIES.get(added.category or "")) if x
    )
    guess = f" Predicted: {labels}." if labels else ""
    nothing = "" if found else " Nothing was proposed from the page."
    return f"• Added *{title}* as item {added.item_id}: {card}.{nothing}{guess}"
