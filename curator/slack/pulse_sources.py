"""What ``/pulse status`` says of the sources (pure): the ones :mod:`curator.health` judges a
problem (failing, ended, blocked, degraded, quiet), as ``curator sources status --problems`` and
the weekly report judge them, and the recent floods of new items stored quiet.

One judgement: ``/pulse status`` once had rules of its own (quiet when nothing was first seen for
60 days; failing after one failure), and said "Quiet sources: none" of sources ``curator sources
status`` called quiet by their publication dates and their own ``quiet_after``. A Slack message is
short, so each list is capped and points to the command that lists it all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from curator.health import PROBLEMS, SourceHealth, Status
from curator.normalise.text import counted
from curator.slack.blocks import escape

#: The problems in the order they are listed: broken first, then a site to check by hand, then
#: a source that works but may have moved or gone silent.
ORDER: tuple[Status, ...] = ("failing", "ended", "blocked", "degraded", "quiet")
#: Sources listed at most in each list (the rest are counted: "… and 3 more").
MAX_LINES = 8
#: A problem's reason (the status's part of ``curator sources status``'s detail, without the notes
#: after it) is cut to its first line and this length.
DETAIL_CHARS = 160
PROBLEMS_COMMAND = "`curator sources status --problems`"


def problem_lines(healths: Sequence[SourceHealth], *, stored_only: bool = False) -> list[str]:
    """The sources with a problem, by :data:`ORDER` then in the given (the sources file's)
    order, each with the first line of its status's reason. ``stored_only``: ``healths`` are
    those of every source in the database, the sources file being unreadable (said so)."""
    problems = sorted(
        (h for h in healths if h.status in PROBLEMS), key=lambda h: ORDER.index(h.status)
    )
    of = (
        f"{counted(len(healths), 'source')} in the database: the sources file could not be read, "
        "`/pulse sources` says why"
        if stored_only
        else f"{len(healths)} watched"
    )
    if not problems:
        return [f"*Source problems*: none (of {of})"]
    counts = Counter(h.status for h in problems)
    summary = ", ".join(f"{counts[s]} {s}" for s in ORDER if counts[s])
    lines = [f"*Source problems* ({summary}, of {of}; details: {PROBLEMS_COMMAND}):"]
    for h in problems[:MAX_LINES]:
        lines.append(f"• `{h.source_id}` ({h.status}): {escape(short(h.reason))}")
    lines.extend(more_line(len(problems), PROBLEMS_COMMAND))
    return lines


def flood_lines(healths: Sequence[SourceHealth]) -> list[str]:
    """The sources that flooded in the last week (:data:`curator.health.FLOOD_REPORTED`);
    none without one."""
    flooded = [h for h in healths if h.flood_items is not None and h.flood_at is not None]
    if not flooded:
        return []
    lines = [f"*Sources that flooded* (last 7 days, {len(flooded)}):"]
    for h in flooded[:MAX_LINES]:
        lines.append(
            f"• `{h.source_id}`: {h.flood_items} new items at once on {h.flood_at:%Y-%m-%d}, "
            "stored quiet (a redesign or a re-listing?): `/pulse find` finds them"
        )
    lines.extend(more_line(len(flooded), "`curator sources status`"))
    return lines


def short(reason: str) -> str:
    """A reason's first line, cut to :data:`DETAIL_CHARS` (an error may run to a page)."""
    first = reason.splitlines()[0] if reason.strip() else "?"
    return first if len(first) <= DETAIL_CHARS else first[: DETAIL_CHARS - 1].rstrip() + "…"


def more_line(listed: int, command: str) -> list[str]:
    more = listed - MAX_LINES
    return [f"• … and {more} more: {command} lists them all"] if more > 0 else []
