"""``/pulse find QUERY``: the newest matches of a full-text search over every stored item, as a
message only its user sees, each with its lane, status and prediction, and **Make a card** on
those that may still be made one (:mod:`curator.slack.promote` handles the click)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from curator.normalise.text import counted, relevance_shown
from curator.records import CATEGORIES
from curator.slack import blocks
from curator.slack.links import link_text
from curator.slack.rollup import line_block
from curator.store.digest import lines_of
from curator.store.handles import Engine
from curator.store.search import FoundItem, search_items
from curator.store.searchquery import find_command, parse_query

#: Results shown in Slack; ``curator find`` lists more.
SHOWN = 10
#: Further matches counted beyond those shown (a common word matches a third of the archive:
#: the count stops here rather than reading every match).
COUNTED = 200
#: The longest ``curator find`` command offered to paste.
MAX_RETYPED = 200

USAGE = (
    "Use `/pulse find WORDS`: every word must be in the title, summary or publisher (the last "
    "may be the start of a word), e.g. `/pulse find care homes`."
)


def _facts(found: FoundItem, tz: str) -> list[str]:
    day = found.dated.astimezone(ZoneInfo(tz)).date()
    date = f"{day.day} {day:%b %Y}" + ("" if found.published_at else " (first seen)")
    prediction = []
    if found.category:
        prediction.append(CATEGORIES.get(found.category, found.category))
    if found.relevance is not None:
        prediction.append(f"relevance {relevance_shown(found.relevance)}")
    lane = f"lane `{found.lane}`" if found.lane else "no lane"
    if found.quiet_rule and found.lane == "quiet":
        rule = blocks.escape(found.quiet_rule).replace("`", "'")
        lane += f" (its source's rules: `{rule}`)"
    return [date, lane, found.status_words, *prediction]


def retyped(query: str) -> str:
    """The ``curator find`` command that lists every match of ``query`` (the words as typed, one
    argument quoted for a shell: `&`, `;` or an apostrophe in them would otherwise run as shell
    syntax), ready to paste; or, when it cannot be shown in Slack's inline code (a backtick, a
    query too long to retype), the words to use."""
    words = " ".join(link_text(query).split())
    command = find_command(words)
    if "`" in command or len(command) > MAX_RETYPED:
        return "`curator find` with the same words"
    return f"`{blocks.escape(command)}`"


def find_reply(engine: Engine, query: str, tz: str = "Europe/London") -> dict[str, Any]:
    """The ``respond`` arguments (text, and blocks when something matched) for ``query``."""
    words = parse_query(link_text(query))  # a link Slack made of the words typed
    if not words:
        return {"text": USAGE}
    with engine.connect() as conn:
        found = search_items(conn, words, limit=SHOWN + COUNTED)
        shown = found[:SHOWN]
        lines = {line.item_id: line for line in lines_of(conn, [f.id for f in shown])}
    quoted = blocks.escape(blocks.trim(query, 200))
    if not found:
        return {"text": f"Nothing found for “{quoted}”."}
    rest = len(found) - len(shown)
    capped = len(found) == SHOWN + COUNTED
    more = f"{rest} or more" if capped else str(rest)
    total = f"{len(found)} or more" if capped else str(len(found))
    shown_note = f": the newest {len(shown)}" if rest else ", newest first"
    out: list[Block] = [
        SectionBlock(
            block_id="pulse_find_heading",
            text=MarkdownTextObject(text=f"*{total} found* for “{quoted}”{shown_note}."),
        )
    ]
    for f in shown:
        line = lines.get(f.id)
        if line is not None:
            out.append(line_block(line, _facts(f, tz)))
    if rest:
        out.append(
            ContextBlock(
                block_id="pulse_find_more",
                elements=[
                    MarkdownTextObject(
                        text=f"… and {more} more: {retyped(query)} lists them all "
                        "(`--limit N`, `--since DATE`, `--lane L`)."
                    )
                ],
            )
        )
    text = f"{counted(len(shown), 'result')} for “{quoted}”" + (f" and {more} more" if rest else "")
    blocks.check_message(out, text)
    return {"text": text, "blocks": blocks.as_dicts(out)}
