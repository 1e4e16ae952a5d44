"""The replies of the ``/pulse`` slash command: ``draft``, ``status``, ``sources`` (admins:
``add``, ``disable``, ``enable``, ``skip``); ``add`` (a publication by its link) is in
:mod:`curator.slack.add_link`.

Each function returns the reply text; :mod:`curator.slack.pulse_command` acks first and then
replies.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from curator.normalise.text import counted
from curator.outcomes import outcome_summary
from curator.slack.blocks import escape, trim_lines
from curator.slack.lanes import lanes_line
from curator.slack.pulse_sources import flood_lines, problem_lines
from curator.store.handles import Engine
from curator.store.health import status_health
from curator.store.item_reads import queued_count
from curator.store.outbox import pending_count
from curator.store.outcomes import decided_last_week
from curator.store.status import decisions_since, stuck_card

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from curator.config import Settings
    from curator.records import SourceConfig

REPLY_LIMIT = 3000

USAGE = (
    "*/pulse* commands:\n"
    "• `/pulse status`: queue sizes, lanes, sources failing, blocked, degraded, quiet or ended\n"
    "• `/pulse find WORDS`: search every stored item, newest first (with Make a card)\n"
    "• `/pulse draft [YYYY-MM]`: upload this month's draft edition (DOCX and HTML)\n"
    "• `/pulse add URL`: add a publication by its link (or use Add to Pulse on a message)\n"
    "• `/pulse sources`: list the sources\n"
    "• `/pulse sources add URL [Publisher name]`: fetch URL and add its feed, or the page read "
    "without selectors (admins)\n"
    "• `/pulse sources disable ID`: stop checking a source (admins)\n"
    "• `/pulse sources enable ID`: check a disabled source again (admins)\n"
    "• `/pulse sources skip ID FIELD PATTERN`: keep quiet a source's items whose title, summary, "
    "url or type matches PATTERN, new and waiting (admins)"
)


def month_start(now: datetime, tz: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def watched_sources(path: Path) -> list[SourceConfig] | None:
    """The enabled sources in ``path``; None when the file cannot be read or is invalid
    (``/pulse sources`` and ``curator sources check`` say why)."""
    sources = _sources_module()
    try:
        return [s for s in sources.load_sources(path) if s.enabled]
    except (OSError, sources.SourcesError):
        return None


def status_text(
    engine: Engine,
    now: datetime,
    tz: str = "Europe/London",
    watched: Sequence[SourceConfig] | None = None,
) -> str:
    """``watched``: the enabled sources (:func:`watched_sources`). The state of a source
    disabled, removed or renamed in sources.yaml stays in the database, failures and all; only
    the watched ones are judged (every source in the database when None, with the defaults of
    sources.yaml). A source's problem is the status ``curator sources status`` and the weekly
    report give it (:func:`curator.store.health.status_health`), not a rule of this reply's."""
    with engine.connect() as conn:
        pending = pending_count(conn)
        queued = queued_count(conn)
        decided = decisions_since(conn, month_start(now, tz))
        stuck = stuck_card(conn)
        healths = status_health(conn, watched, now)
        outcomes = decided_last_week(conn, now)
    lines = [
        f"*Queue*: {counted(pending, 'card')} waiting to be posted · "
        f"{counted(queued, 'candidate')} waiting for an editor · "
        f"{counted(decided, 'decision')} this month",
        lanes_line(engine, now),
        outcome_summary(outcomes),
    ]
    if stuck is not None:
        lines.append(
            f"*Posting trouble*: item {stuck.item_id} after {counted(stuck.attempts, 'attempt')}: "
            f"`{escape(str(stuck.last_error))[:200]}`"
        )
    lines.extend(problem_lines(healths, stored_only=watched is None))
    lines.extend(flood_lines(healths))
    return trim_lines(lines, REPLY_LIMIT)


def _sources_module() -> Any:
    return importlib.import_module("curator.sources")


def sources_text(path: Path) -> str:
    sources = _sources_module().load_sources(path)
    lines = [f"*{len(sources)} source(s)* in `{path.name}`:"]
    for s in sources:
        state = "" if s.enabled else " _(disabled)_"
        lines.append(f"• `{s.id}`: {escape(s.publisher)} ({s.kind}){state}")
    return trim_lines(lines, REPLY_LIMIT)


def add_source(path: Path, url: str, publisher: str | None, settings: Settings, user: str) -> str:
    """Add a source by the same path as ``curator sources add``: the URL is fetched (SSRF guard,
    caps), a page's advertised feeds are found, a page with no feed is read without selectors
    (the reply shows the first publications found), and the file is written only if it
    validates."""
    from curator.slack.links import link_text

    core = importlib.import_module("curator.sources.add")
    url = url.strip("<>").split("|", 1)[0]  # Slack wraps links as <url> or <url|text>
    publisher = link_text(publisher) if publisher is not None else None
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    request = core.AddRequest(
        url=url,
        path=path,
        publisher=publisher,
        # The admin sees what was found in the reply and can disable it at once; a slash
        # command has no way to ask first.
        without_selectors=True,
        notes=f"Added from Slack with `/pulse sources add {url}` by {user} on {today}.",
    )
    try:
        added = core.add_source(request, settings)
    except core.NotAdded as exc:
        lines = [f"Nothing added: {escape(str(exc))}"]
        lines += [f"• {escape(str(problem))}" for problem in exc.problems[:10]]
        return trim_lines(lines, REPLY_LIMIT)
    if added.kind == "page":
        lines = [
            f"Added source `{added.source_id}` ({escape(added.publisher)}) for "
            f"{escape(added.url)}, a page that advertises no feed, read without selectors, with "
            "verified: false. The first publications found on it:"
        ]
        for item in added.listed:
            when = core.listed_date(item)
            dated = f"{when}: " if when else ""
            lines.append(f"• {dated}{escape(item.title)} ({escape(item.url)})")
        lines.append(
            f"If these are not its publications, `/pulse sources disable {added.source_id}` "
            "and give it selectors with `curator sources add`."
        )
        return trim_lines(lines, REPLY_LIMIT)
    via = "" if added.url == url else f" (the feed {escape(url)} advertises)"
    return (
        f"Added source `{added.source_id}` ({escape(added.publisher)}) for "
        f"{escape(added.url)}{via}, with verified: false. It is checked from the next tick; "
        "an admin sets verified: true once `curator sources check` shows it is right."
    )


def toggle_reply(path: Path, source_id: str, enabled: bool) -> str:
    """``/pulse sources disable|enable ID``: the same change as ``curator sources disable|enable
    ID`` (:mod:`curator.sources.toggle`: comments kept, a source already in that state or an
    unknown id, with the nearest one, changing nothing), said in the same words."""
    from curator.sources import SourcesError
    from curator.sources.toggle import nothing_changed, toggle_source

    try:
        return escape(toggle_source(path, source_id, enabled))
    except SourcesError as exc:
        return escape(nothing_changed(path, exc))


def skip_rule(
    engine: Engine,
    path: Path,
    source_id: str,
    field: str,
    words: list[str],
    client: WebClient | None,
) -> str:
    """``/pulse sources skip ID FIELD PATTERN``: the rule added to the file and applied to the
    source's waiting candidates (:func:`curator.slack.ruled.add_skip_rule`). The pattern is the
    rest of the command (words joined by one space, already unescaped by ``/pulse``) as its
    user typed it (a link Slack made of it read back as its text), one pair of surrounding
    quotes or backticks dropped."""
    from curator.slack.links import link_text
    from curator.slack.ruled import add_skip_rule

    pattern = link_text(" ".join(words)).strip()
    if len(pattern) >= 2 and pattern[0] == pattern[-1] and pattern[0] in "'\"`":
        pattern = pattern[1:-1]
    done = add_skip_rule(engine, path, source_id, field.lower(), pattern, client)
    return escape(done.text(path))


#: The draft's own warnings listed in ``/pulse draft``'s reply, at most (``curator draft`` has
#: them all).
MAX_DRAFT_CHECKS = 5


def draft_reply(
    engine: Engine, edition_id: str | None, upload: Callable[[list[tuple[str, bytes]]], None]
) -> str:
    """``/pulse draft [ID]``: the edition's draft uploaded as DOCX and HTML, and what is left
    to do in it before publishing (summaries to write, summaries the feed cut off), as
    ``curator draft`` says it."""
    from curator.edition.service import build_edition, check_format, render, resolve_edition

    edition = build_edition(engine, resolve_edition(engine, edition_id))
    if not edition.item_count:
        return f"Nothing to draft: no accepted items in edition {edition.id} yet."
    problems: list[str] = []  # an item a format could not lay out (flagged in the file)
    upload(
        [
            (f"pulse-{edition.id}.{f}", render(edition, check_format(f), warnings=problems))
            for f in ("docx", "html")
        ]
    )
    count = edition.item_count
    reply = f"Uploaded the draft of edition {edition.id} ({count} item{'s' if count != 1 else ''})"
    todo = edition.to_finish()
    if todo:
        reply += "; marked in it, to finish before publishing: " + ", ".join(todo)
    reply += "."
    # as `curator draft` says them
    checks = [*edition.warnings, *problems, *edition.out_of_month(), *edition.not_read()]
    if checks:
        shown = "; ".join(escape(c) for c in checks[:MAX_DRAFT_CHECKS])
        more = len(checks) - MAX_DRAFT_CHECKS
        reply += f"\nTo check: {shown}" + (f"; and {more} more" if more > 0 else "") + "."
    return reply
