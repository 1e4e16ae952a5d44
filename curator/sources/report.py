"""What an admin should do about each checked source, and ``curator sources check --markdown``:
that advice as a table to paste into a ticket (pure: check rows in, Markdown text out).

One row per source that needs a person: it failed (with what to do about each kind of failure),
it works but nobody has verified it yet, or it works with a warning. Sources that are fine and
verified, and disabled ones, are left out: a ticket lists work, not the whole file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from curator.sources.model import without_id

if TYPE_CHECKING:
    from curator.sources.check import SourceCheck
    from curator.sources.model import Problem

#: A problem cell is cut here: the full text is in `curator sources check --json`.
MAX_PROBLEM = 400
COLUMNS = ("id", "publisher", "url", "status", "problem", "what to do")


def cell(text: str | None) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|")


def _http_advice(status: int | None) -> str:
    if status in (404, 410):
        return (
            "The URL is gone: find the publisher's current feed or listing page, update `url`, "
            "and check again."
        )
    if status == 429:
        return "The server asks us to slow down: raise `every` for this source."
    if status is not None and status >= 500:
        return (
            "The publisher's server failed: check again later; if it keeps failing for days, "
            "look at the site by hand."
        )
    return "Open the URL in a browser and compare; update `url` if the publications moved."


def advice(row: SourceCheck, path: Path | None = None) -> str:
    """What an admin should do about one check row."""
    page = row.source.kind == "page"
    status = row.status
    if status == "blocked":
        return (
            "The site refuses automated clients (bot protection). Check it by hand in a "
            "browser meanwhile; ask the publisher for a feed or to let our User-Agent through. "
            "Never set a browser User-Agent to get past it."
        )
    if status.startswith("HTTP "):
        return _http_advice(row.http_status)
    if status == "error":
        return (
            "Could not connect or timed out: check the host name in a browser; if the site is "
            "up, check again later."
        )
    if status == "not a feed":
        return (
            "The URL returns a web page: use a feed it advertises (`curator sources add URL` "
            "lists them) or `kind: page` with selectors."
        )
    if status == "empty":
        return (
            "The server sent an empty document: open the URL in a browser; the feed may have moved."
        )
    if status == "parse error":
        if page:
            return (
                "A selector no longer matches (the problem names it): look at the page's markup "
                "and update `selectors`."
            )
        return "The document cannot be read as a feed: open it in a browser or a feed validator."
    if status == "no items" and row.skipped:
        if page:
            return (
                "Every item the selectors matched was skipped (the problem says why): check that "
                "`title` and `link` pick each publication's own title and link."
            )
        return (
            "Every entry was skipped (the problem says why): the feed is broken at the "
            "publisher's end; tell them, and find another feed of the same publications meanwhile."
        )
    if status == "no items":
        if page:
            return (
                "The selectors matched no publication: look at the page's markup and fix "
                "`selectors`."
            )
        return (
            "The feed has no entries: check the publisher still updates it, or find its "
            "replacement."
        )
    if status == "not checked":
        return (
            f"Run `curator sources check{'' if path is None else ' ' + str(path)}` where the "
            "publishers can be reached; set "
            "`verified: true` once it returns the publications expected."
        )
    # Fetched and parsed.
    found = f"the {row.items} items" if row.items is not None else "the items"
    if row.newest is not None:
        found += f" (newest {row.newest:%Y-%m-%d})"
    steps = (
        f"Compare {found} with the publisher's site; if they are its publications, set "
        "`verified: true`."
    )
    if row.advertises_feeds:
        steps = "Consider the feed the page advertises (`kind: feed` survives redesigns). " + steps
    if row.source.verified:
        steps = "Verified and working; read the warning."
    if row.moved_to:
        steps = f"Set `url` to {row.moved_to} (it has moved for good). " + steps
    return steps


def _needs_admin(row: SourceCheck) -> bool:
    if row.status == "disabled":
        return False
    return not row.ok or not row.source.verified or bool(row.warnings)


def _order(row: SourceCheck) -> tuple[int, str]:
    if not row.ok:
        rank = 0 if row.status == "blocked" else 1
    elif row.warnings:
        rank = 2
    else:
        rank = 3
    return (rank, row.source.id)


def checks_markdown(path: Path, rows: Sequence[SourceCheck], *, offline: bool) -> str:
    """The table of every source in ``rows`` that needs an admin, under a one-line summary."""
    enabled = [r for r in rows if r.status != "disabled"]
    todo = sorted((r for r in rows if _needs_admin(r)), key=_order)
    failed = sum(1 for r in enabled if not r.ok)
    unverified = sum(1 for r in enabled if not r.source.verified)
    lines = [f"## Sources to look at: `{cell(str(path))}`", ""]
    if offline:
        lines.append(
            f"The file is valid: {len(rows)} sources, {len(enabled)} enabled. Nothing was "
            f"fetched (`--offline`); {unverified} enabled sources are not verified yet."
        )
    else:
        blocked = sum(1 for r in enabled if r.status == "blocked")
        lines.append(
            f"{len(enabled) - failed} of {len(enabled)} enabled sources fetched and parsed; "
            f"{failed} failed ({blocked} blocked by the site); {unverified} not verified yet."
        )
    lines.append("")
    if not todo:
        lines.append("Nothing to do: every enabled source works and is verified.")
        return "\n".join(lines)
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    for r in todo:
        problem = "; ".join(without_id(m, r.source.id) for m in [r.error, *r.warnings] if m)
        if len(problem) > MAX_PROBLEM:
            problem = problem[: MAX_PROBLEM - 1] + "…"
        if not problem and r.ok and not r.source.verified and not offline:
            problem = "not verified yet"
        values = (
            f"`{cell(r.source.id)}`",
            cell(r.source.publisher),
            cell(r.source.url),
            cell(r.status),
            cell(problem),
            cell(advice(r, path)),
        )
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def problems_markdown(path: Path, problems: Sequence[Problem]) -> str:
    """The problems that make the file invalid, as a table (nothing was fetched)."""
    n = len(problems)
    lines = [
        f"## `{cell(str(path))}` is not valid: {n} problem{'s' if n != 1 else ''}",
        "",
        f"Nothing was fetched. Fix each line, then run `curator sources check {path} --offline`.",
        "",
        "| line | source | key | problem |",
        "|---|---|---|---|",
    ]
    for p in problems:
        lines.append(
            f"| {'' if p.line is None else p.line} | {cell(p.source_id)} | {cell(p.key)} "
            f"| {cell(p.message)} |"
        )
    return "\n".join(lines)
