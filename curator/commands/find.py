"""``curator find``: full-text search over every stored item, newest first."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, get_args

import click

from curator.records import Lane

if TYPE_CHECKING:
    from rich.text import Text

    from curator.store.search import FoundItem

DEFAULT_LIMIT = 50


def _prediction(found: FoundItem) -> str:
    from curator.normalise.text import relevance_shown
    from curator.records import CATEGORIES, SECTORS

    if found.sector is None:
        return "not classified"
    sector = SECTORS.get(found.sector, found.sector)
    category = CATEGORIES.get(found.category or "", found.category or "?")
    return f"{sector}\n{category} · relevance {relevance_shown(found.relevance or 0)}"


def _title(found: FoundItem) -> Text:
    from rich.style import Style
    from rich.text import Text

    # Text, not markup: a title may hold square brackets; the link is a terminal hyperlink and
    # the URL is printed too for terminals without them.
    cell = Text(found.title, style=Style(link=found.url))
    cell.append("\n" + found.url, style="dim")
    return cell


def _print_table(results: list[FoundItem], tz: str, limit: int) -> None:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    zone = ZoneInfo(tz)
    table = Table("date", "publisher", "title", "lane", "status", "prediction", expand=True)
    table.columns[0].no_wrap = True
    table.columns[2].overflow = "fold"  # a long link is folded, never cut short
    # The title and its link get most of the width.
    for column, ratio, least in ((1, 1, 10), (2, 2, 20), (5, 1, 16)):
        table.columns[column].ratio = ratio
        table.columns[column].min_width = least
    for found in results:
        day = found.dated.astimezone(zone).date().isoformat()
        table.add_row(
            day if found.published_at else f"{day}\nfirst seen",
            Text(found.publisher),
            _title(found),
            _lane(found),
            found.status_words,
            _prediction(found),
        )
    console = Console()
    console.print(table)
    more = f"; the newest {limit} are shown (--limit for more)" if len(results) == limit else ""
    console.print(f"{len(results)} found, newest first{more}.", highlight=False)


def _lane(found: FoundItem) -> str:
    """The lane, and the rule that kept the item quiet when one did."""
    lane = found.lane or "—"
    return f"{lane} ({found.quiet_rule})" if found.quiet_rule and lane == "quiet" else lane


#: How much of a query a message echoes.
SHOWN_CHARS = 80


def _shown(text: str, *, quote: str = "'") -> str:
    """``text`` as a message echoes it: as typed (not Python's repr, which doubles every
    backslash and spells out escapes), with runs of white space as one space, characters that
    cannot be printed (controls, a lone surrogate from bytes that are not UTF-8) as U+FFFD, and
    cut at :data:`SHOWN_CHARS` saying how long it was."""
    # a surrogate is not printable (category Cs), nor a control character
    plain = "".join(c if c.isprintable() or c.isspace() else "\ufffd" for c in text)
    plain = " ".join(plain.split()) or plain
    if len(plain) <= SHOWN_CHARS:
        return f"{quote}{plain}{quote}"
    return f"{quote}{plain[: SHOWN_CHARS - 1]}…{quote} ({len(text):,} characters)"


class _QueryCommand(click.Command):
    """A command whose arguments are the words of a query: one that starts with a single `-`
    (`-care`) is a word, not a bundle of short options, as the README says `-` is not syntax
    in a query. A word that starts with `--` is still read as an option (so a mistyped
    `--sinec` is told so); `--` before the words makes every one of them a word."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _words_last(self.get_params(ctx), args))


def _words_last(params: list[click.Parameter], args: list[str]) -> list[str]:
    """``args`` with the options first, then ``--`` and the words in their order."""
    takes_value: dict[str, bool] = {}
    for param in params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                takes_value[name] = not param.is_flag and not param.count
    options: list[str] = []
    words: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            words.extend(rest)
            break
        if not (arg.startswith("--") or arg.split("=", 1)[0] in takes_value):
            words.append(arg)
            continue
        options.append(arg)
        if takes_value.get(arg):  # "--since DATE": the date follows
            value = next(rest, None)
            if value is None:
                return args  # click says the option needs a value
            options.append(value)
    return [*options, "--", *words] if words else options


@click.command(cls=_QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--since", metavar="DATE", help="only items dated on or after DATE (YYYY-MM-DD)")
@click.option(
    "--lane",
    type=click.Choice(get_args(Lane), case_sensitive=False),
    help="only items in this lane",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="at most this many results",
)
@click.option("--json", "as_json", is_flag=True, help="print a JSON list instead of a table")
def find(
    query: tuple[str, ...], since: str | None, lane: str | None, limit: int, as_json: bool
) -> None:
    """Search every stored item (title, summary, publisher) for QUERY, newest first, with its
    lane, status and prediction. Every word must match; the last also matches words it begins.
    Quiet items (stored, never posted) are found too. A word may start with `-` (`-care`);
    put `--` before one that starts with `--`.

    Exits 0 with results, 1 when nothing matched, 2 on a bad date, lane or query."""
    from curator.commands.common import database_named, day_start, engine, settings
    from curator.store.item_reads import holds_items
    from curator.store.lanes import check_lane
    from curator.store.search import search_items
    from curator.store.searchquery import find_command, parse_query

    text = " ".join(query)
    words = parse_query(text)
    if not words:
        raise click.UsageError(
            f"nothing to search for in {_shown(text)}: type a word of the title, summary or "
            "publisher (common words such as 'the' and 'of' are not searched)"
        )
    tz = settings().timezone
    start = day_start(since, tz)
    with engine(create=False).connect() as conn:
        results = search_items(
            conn,
            words,
            since=start,
            lane=check_lane(lane.lower()) if lane else None,
            limit=limit,
        )
        empty = not results and not holds_items(conn)
        # with filters that left nothing: would the words alone find anything?
        unfiltered = bool(
            not results and (since or lane) and search_items(conn, words, since=None, limit=1)
        )
    if as_json:
        json.dump([r.as_json() for r in results], sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif results:
        _print_table(results, tz, limit)
    else:
        # name the filters: "nothing found" for a word shown yesterday reads as a lost item
        limits = [f"in the {lane.lower()} lane"] if lane else []
        limits += [f"dated on or after {since}"] if since else []
        again = f"`{find_command(text)}`"
        if again != _shown(again, quote=""):  # too long, or not printable, to retype
            again = "the same search without them"
        hint = f"without them: {again}" if unfiltered else "nor without them"
        where = f" {' and '.join(limits)} ({hint})" if limits else ""
        if empty:  # a database never polled, or another one than `curator run`'s
            where = (
                ": the database holds no items yet (`curator poll --all` fetches them; "
                f"{database_named()})"
            )
        click.echo(f"Nothing found for {_shown(text)}{where}.", err=True)
    sys.exit(0 if results else 1)
