"""How ``curator sources`` shows things on a terminal: the check table, the feeds and the
publications ``sources add`` found, and its questions (rich tables, click prompts)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.sources.model import without_id

if TYPE_CHECKING:
    from rich.console import Console

    from curator.parse.listing import ListedItem
    from curator.sources.check import SourceCheck
    from curator.sources.probe import Candidate


def console() -> Console:
    """stdout console; wide when piped so tables are not squeezed to 80 columns."""
    from rich.console import Console

    out = Console(soft_wrap=False)
    if not out.is_terminal:
        out = Console(soft_wrap=False, width=max(out.width, 160))
    return out


def print_checks(rows: Sequence[SourceCheck]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Source check", show_lines=False)
    table.add_column("id", overflow="fold")
    table.add_column("status")
    table.add_column("items", justify="right")
    table.add_column("newest item")
    table.add_column("latency", justify="right")
    table.add_column("verified")
    table.add_column("problem", overflow="fold")
    for r in rows:
        style = "green" if r.ok and r.status == "ok" else ("dim" if r.ok else "red")
        table.add_row(
            Text(r.source.id),
            Text(r.status, style=style),
            _items(r),
            r.newest.strftime("%Y-%m-%d") if r.newest else "",
            "" if r.latency is None else f"{r.latency * 1000:.0f} ms",
            "yes" if r.source.verified else "no",
            Text("; ".join(without_id(m, r.source.id) for m in [r.error, *r.warnings] if m)),
        )
    console().print(table)


def _items(row: SourceCheck) -> str:
    """The items found, and how many of them the source's rules would keep quiet."""
    if row.items is None:
        return ""
    if row.ruled_quiet is None:
        return str(row.items)
    return f"{row.items} ({row.ruled_quiet} kept quiet by rules)"


def print_candidates(cands: Sequence[Candidate]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Feeds found")
    table.add_column("#", justify="right")
    table.add_column("feed title", overflow="fold")
    table.add_column("url", overflow="fold")
    table.add_column("entries", justify="right")
    table.add_column("newest entry", overflow="fold")
    for i, c in enumerate(cands, start=1):
        newest = Text(c.error, style="red") if c.error else Text(c.newest_title or "")
        table.add_row(
            str(i),
            Text(c.title or ""),
            Text(c.url),
            str(c.entries) if c.error is None or c.entries else "",
            newest,
        )
    console().print(table)


def print_listing(page: Candidate, items: Sequence[ListedItem]) -> None:
    """The first publications found on a page read without selectors."""
    from rich.table import Table
    from rich.text import Text

    from curator.sources.add import listed_date

    shown = f"the first {len(items)}" if len(items) < page.entries else "all"
    table = Table(
        title=f"Read without selectors: {page.entries} publications found ({shown} below)"
    )
    table.add_column("#", justify="right")
    table.add_column("date")
    table.add_column("title", overflow="fold")
    table.add_column("url", overflow="fold")
    for i, item in enumerate(items, start=1):
        table.add_row(str(i), listed_date(item), Text(item.title), Text(item.url))
    console().print(table)


class TerminalChoices:
    """Show what was found as tables; on a terminal (without --yes), ask."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def show(self, candidates: Sequence[Candidate]) -> None:
        print_candidates(candidates)

    def show_listing(self, page: Candidate, items: Sequence[ListedItem]) -> None:
        print_listing(page, items)

    def accept_listing(self, page: Candidate) -> bool:
        if not self.interactive:
            return False
        return click.confirm(
            "The page advertises no feed. Watch it read without selectors (kind: page)?",
            default=True,
        )

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate:
        if not self.interactive:
            return usable[0]
        numbers = [list(candidates).index(c) + 1 for c in usable]
        pick = click.prompt(
            "Which feed?",
            type=click.Choice([str(n) for n in numbers]),
            default=str(numbers[0]),
        )
        return candidates[int(pick) - 1]

    def publisher(self, suggested: str | None) -> str | None:
        if not self.interactive:
            return suggested
        name: str = click.prompt("Publisher (as the digest prints it)", default=suggested or None)
        return name

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool:
        if not self.interactive:
            return True
        return click.confirm(f"Add source '{source_id}' ({publisher}) to {path}?", default=True)
