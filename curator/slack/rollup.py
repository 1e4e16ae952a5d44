"""The roll-up message ("Also published today") in Slack: its Block Kit, one line per item with
**Make a card** while the item may still be made one, and its redraw from the store.

A line shows what became of its item (made a card, accepted, rejected, expired), so every path
that changes that redraws the messages listing the item: the card's clicks
(:meth:`curator.slack.handler_base.Base.refresh`), a card posted from the outbox (Make a card,
adding by link), decisions made in ``curator review`` (:mod:`curator.slack.outbox`) and the
nightly expiry (:mod:`curator.slack.expiry`). A
redraw that fails is logged: the decision or the card stands, and the line catches up at the
item's next change or click. Posting the messages is :mod:`curator.slack.digest`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, SectionBlock

from curator.records import SECTORS
from curator.slack import blocks
from curator.store import digest as store
from curator.store.digest import DigestLine, DigestMessage
from curator.store.handles import Engine

log = logging.getLogger(__name__)

METADATA_EVENT = "pulse_digest"
HEADING = "Also published today"


def state_note(line: DigestLine) -> str:
    """What became of the item since it was listed ("" while it waits)."""
    if line.status == "rejected":
        return f":x: Rejected by @{blocks.escape(line.decided_by or 'someone')}"
    if line.status in ("accepted", "held"):
        return f":white_check_mark: Accepted by @{blocks.escape(line.decided_by or 'someone')}"
    if line.is_card:
        if line.carded_by:  # a Slack user id: Make a card is a Slack button
            return f":card_index: Made a card by <@{line.carded_by}>"
        return ":card_index: Posted as a card"
    if line.lane == "quiet" and line.undecided and line.expired:
        return ":hourglass: Expired without a decision"
    return ""


def line_text(line: DigestLine, facts: Sequence[str] = ()) -> str:
    """Linked title · publisher · predicted sector (and ``facts``), then what became of it."""
    sector = SECTORS.get(line.predicted_sector or "", "not classified")
    title = blocks.escape(blocks.trim(line.title, 200))
    url = line.url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    link = f"*<{url}|{title}>*" if len(url) < 2000 else f"*{title}*"
    parts = [link, blocks.escape(blocks.trim(line.publisher, 120)), f"_{sector}_", *facts]
    text = " · ".join(parts)
    note = state_note(line)
    return f"{text}\n{note}" if note else text


def line_block(line: DigestLine, facts: Sequence[str] = ()) -> SectionBlock:
    """One item: its line, with **Make a card** while it may still be made one."""
    accessory = (
        ButtonElement(text="Make a card", action_id=blocks.PROMOTE, value=str(line.item_id))
        if line.promotable
        else None
    )
    return SectionBlock(
        block_id=f"pulse_line_{line.item_id}",
        text=MarkdownTextObject(text=line_text(line, facts)),
        accessory=accessory,
    )


def heading(count: int, part: int, parts: int) -> str:
    of = f", part {part} of {parts}" if parts > 1 else ""
    return (
        f"*{HEADING}* ({count} publication{'s' if count != 1 else ''}{of}): not carded, "
        "listed here once. *Make a card* posts one as a card."
    )


def digest_blocks(lines: Sequence[DigestLine], part: int = 1, parts: int = 1) -> list[Block]:
    out: list[Block] = [
        SectionBlock(
            block_id="pulse_digest_heading",
            text=MarkdownTextObject(text=heading(len(lines), part, parts)),
        )
    ]
    out += [line_block(line) for line in lines]
    blocks.check_message(out, fallback(len(lines)))
    return out


def fallback(count: int) -> str:
    return f"{HEADING}: {count} publication{'s' if count != 1 else ''}"


def metadata(item_ids: Sequence[int]) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"item_ids": list(item_ids)}}


def item_ids_from_metadata(message: dict[str, Any]) -> list[int] | None:
    meta = message.get("metadata") or {}
    if meta.get("event_type") != METADATA_EVENT:
        return None
    raw = (meta.get("event_payload") or {}).get("item_ids")
    if not isinstance(raw, list):
        return None
    try:
        return [int(str(i)) for i in raw]
    except (TypeError, ValueError):
        return None


def is_roll_up(engine: Engine, channel: str, ts: str) -> bool:
    """Whether the message at (channel, ts) is a roll-up this app posted."""
    with engine.connect() as conn:
        return store.message_at(conn, channel, ts) is not None


def redraw(engine: Engine, client: WebClient, channel: str, ts: str) -> bool:
    """Redraw the roll-up message at (channel, ts) from what the store says now; False when that
    message is not a roll-up."""
    with engine.connect() as conn:
        message = store.message_at(conn, channel, ts)
        if message is None:
            return False
        lines = store.lines_of(conn, message.item_ids)
    _update(client, message, lines)
    return True


def redraw_listing(engine: Engine, client: WebClient, item_id: int) -> int:
    """Redraw the roll-up message listing ``item_id``, after its card was posted, decided or
    edited elsewhere: its line loses **Make a card** and says what became of it. Returns how
    many were updated (0 for an item no roll-up lists: most cards)."""
    return redraw_listings(engine, client, [item_id])


def redraw_listings(
    engine: Engine,
    client: WebClient,
    item_ids: Sequence[int],
    sleep: Callable[[float], None] = time.sleep,
    interval: float = 1.0,
) -> int:
    """Redraw, once each and at most one update every ``interval`` seconds (Slack limits
    ``chat.update`` too), the roll-up messages listing any of ``item_ids`` (a batch the expiry
    job moved to the quiet lane). Returns how many were updated."""
    with engine.connect() as conn:
        listing = store.messages_listing(conn, item_ids)
        drawn = [(m, store.lines_of(conn, m.item_ids)) for m in listing]
    done = 0
    for n, (message, lines) in enumerate(drawn):
        if n:
            sleep(interval)
        done += _update(client, message, lines)
    return done


def _update(client: WebClient, message: DigestMessage, lines: Sequence[DigestLine]) -> bool:
    """chat.update of a posted roll-up message; a failure is logged, never raised (what changed
    is recorded; the line catches up at the next redraw)."""
    assert message.message_ts is not None
    try:
        client.chat_update(
            channel=message.channel,
            ts=message.message_ts,
            text=fallback(len(lines)),
            blocks=blocks.as_dicts(digest_blocks(lines, message.part, message.parts)),
            metadata=metadata(message.item_ids),
        )
    except (SlackClientError, OSError) as exc:
        log.warning(
            "could not update the roll-up message %s in %s: %s",
            message.message_ts,
            message.channel,
            exc,
        )
        return False
    return True
