"""The roll-up message ("Also published today", or "since 3 Dec" when it lists older items) in
Slack: its heading, its Block Kit, one line per item with **Make a card** while the item may
still be made one, and its redraw from the store.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, SectionBlock

from curator.records import SECTORS
from curator.slack import blocks
from curator.store import digest as store
from curator.store.digest import DigestLine, DigestMessage
from curator.store.handles import Connection, Engine

log = logging.getLogger(__name__)

METADATA_EVENT = "pulse_digest"
HEADING = "Also published today"
ONE_DAY = timedelta(days=1)
SINCE = "Also published since"


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


@dataclass(frozen=True)
class Heading:
    """What a roll-up message's heading (and its notification text) says."""

    #: "Also published today", or "Also published since 3 Dec" (:func:`title`)
    title: str
    #: lines in this message
    count: int
    #: items in the whole roll-up, all its parts
    total: int
    part: int = 1
    parts: int = 1

    def counted(self) -> str:
        """``3 publications``; a roll-up in parts counts this part's: ``40 of 75
        publications, part 1 of 2``."""
        if self.parts == 1:
            return f"{self.count} publication{'s' if self.count != 1 else ''}"
        plural = "s" if self.total != 1 else ""
        return f"{self.count} of {self.total} publication{plural}, part {self.part} of {self.parts}"


def title(first_seen: datetime | None, posted: datetime, tz: str) -> str:
    """``Also published today`` when every item listed was first seen in the 24 hours before
    the roll-up is posted (a day's roll-up lists what came since the day before's, at the same
    time of day); else ``Also published since 3 Dec`` (the earliest first-seen day in the
    editors' time zone ``tz``, with its year when not the posting day's): after an outage, a
    day the job did not run, or items queued before Slack was configured, they are older."""
    if first_seen is None or posted - first_seen <= ONE_DAY:
        return HEADING
    zone = ZoneInfo(tz)
    today = posted.astimezone(zone).date()
    day = first_seen.astimezone(zone).date()
    year = f" {day.year}" if day.year != today.year else ""
    return f"{SINCE} {day.day} {day:%b}{year}"


def heading(head: Heading) -> str:
    return (
        f"*{head.title}* ({head.counted()}): not carded, listed here once. "
        "*Make a card* posts one as a card."
    )


def digest_blocks(lines: Sequence[DigestLine], head: Heading) -> list[Block]:
    out: list[Block] = [
        SectionBlock(block_id="pulse_digest_heading", text=MarkdownTextObject(text=heading(head)))
    ]
    out += [line_block(line) for line in lines]
    blocks.check_message(out, fallback(head))
    return out


def fallback(head: Heading) -> str:
    """The message's ``text``: what a notification shows."""
    return f"{head.title}: {head.counted()}"


def drawn(
    conn: Connection, message: DigestMessage, at: datetime | None = None
) -> tuple[list[DigestLine], Heading]:
    """The lines of ``message`` and its heading, from what the store says now. ``at`` is when
    it is posted (for "today"); a redraw keeps the day it was posted (``posted_at``)."""
    lines = store.lines_of(conn, message.item_ids)
    roll_up = store.roll_up_of(conn, message)
    posted = at or message.posted_at or message.created_at
    head = Heading(
        title=title(roll_up.first_seen, posted, _timezone()),
        count=len(lines),
        total=max(roll_up.items, len(lines)),
        part=message.part,
        parts=message.parts,
    )
    return lines, head


def _timezone() -> str:
    """The editors' time zone (``CURATOR_TIMEZONE``), read where a roll-up is drawn: every path
    that redraws one (a click, the outbox, ``curator review``, the nightly expiry) draws the
    same heading without passing it along."""
    from curator.config import get_settings

    return get_settings().timezone


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
        lines, head = drawn(conn, message)
    _update(client, message, lines, head)
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
        redrawn = [(m, *drawn(conn, m)) for m in listing]
    done = 0
    for n, (message, lines, head) in enumerate(redrawn):
        if n:
            sleep(interval)
        done += _update(client, message, lines, head)
    return done


def _update(
    client: WebClient, message: DigestMessage, lines: Sequence[DigestLine], head: Heading
) -> bool:
    """chat.update of a posted roll-up message; a failure is logged, never raised (what changed
    is recorded; the line catches up at the next redraw)."""
    assert message.message_ts is not None
    try:
        client.chat_update(
            channel=message.channel,
            ts=message.message_ts,
            text=fallback(head),
            blocks=blocks.as_dicts(digest_blocks(lines, head)),
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
