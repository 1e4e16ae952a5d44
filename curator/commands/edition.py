"""``curator edition`` (list | open | close | move | edit) and ``curator draft``.

Every change to an item goes through :func:`curator.store.decisions.decide`, so it lands in the
audit trail exactly as the same change from Slack would. Heavy imports live inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from curator.normalise.text import trim
from curator.records import CATEGORIES, SECTORS

if TYPE_CHECKING:
    from curator.edition.assemble import Edition
    from curator.store.decisions import Actor, DecisionOutcome
    from curator.store.handles import Engine


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Our own errors become a one-line message and exit status 1 (`click.ClickException`), never
    a traceback."""
    from curator.errors import CuratorError

    try:
        yield
    except CuratorError as exc:
        raise click.ClickException(str(exc)) from exc


def _engine(*, create: bool = False) -> Engine:
    """The database; one that does not exist yet is refused (exit 2) unless ``create``: only
    ``edition open`` has anything to do in a new one."""
    from curator.commands.common import engine

    return engine(create=create)


def _tz() -> str:
    from curator.commands.common import settings

    return settings().timezone


def _actor() -> Actor:
    from curator.commands.common import cli_actor

    return cli_actor()


def _edition_id(value: str) -> str:
    from curator.store.editions import check_edition_id

    with _clear_errors():
        return check_edition_id(value)


@click.group()
def edition() -> None:
    """Monthly editions: list them, open or close one, move or edit an accepted item."""


@edition.command("list")
def list_() -> None:
    """Every edition with its status and number of accepted items (this month's is opened)."""
    from curator.store.editions import list_editions

    with _clear_errors():
        eng = _engine()
        with eng.begin() as conn:
            rows = list_editions(conn, datetime.now(UTC), _tz())
    click.echo(f"{'edition':<9} {'status':<7} {'items':>5}")
    for row in rows:
        click.echo(f"{row.id:<9} {row.status:<7} {row.items:>5}")


@edition.command("open")
@click.argument("edition_id", metavar="[ID]", required=False)
def open_(edition_id: str | None) -> None:
    """Open (or reopen) edition ID, e.g. 2024-07; default: the current month."""
    from curator.calendar import edition_for_time
    from curator.store.editions import open_edition

    now = datetime.now(UTC)
    edition_id = _edition_id(edition_id) if edition_id else edition_for_time(now, _tz())
    with _clear_errors(), _engine(create=True).begin() as conn:
        info, changed = open_edition(conn, edition_id, now)
    state = "opened" if changed else "was already open"
    click.echo(f"edition {info.id} {state} ({info.items} accepted items)")


@edition.command("close")
@click.argument("edition_id", metavar="ID")
def close(edition_id: str) -> None:
    """Close edition ID: items accepted from now on go to the next open edition."""
    from curator.store.editions import close_edition

    edition_id = _edition_id(edition_id)
    with _clear_errors(), _engine().begin() as conn:
        info, changed = close_edition(conn, edition_id, datetime.now(UTC))
    state = "closed" if changed else "was already closed"
    click.echo(f"edition {info.id} {state} ({info.items} accepted items)")


def _check_item_editable(eng: Engine, item_id: int, verb: str) -> None:
    """Refuse, with a clear message, items that are unknown, not accepted (``edit`` and
    ``move`` work on an edition's items alike) or in a closed edition."""
    from curator.store.decisions import DecisionError
    from curator.store.editions import get_edition
    from curator.store.item_reads import get_item

    with eng.connect() as conn:
        row = get_item(conn, item_id)
        if row is None:
            raise DecisionError(f"no item with id {item_id}; `curator review` lists items")
        if row.status != "accepted":
            if row.status == "rejected":
                what, cure = "rejected", "Undo on its card in Slack, then accept it"
            else:
                what = "waiting for an editor" if row.status == "queued" else "not decided"
                cure = (
                    f"accept it first: `curator item add {row.url} --accept`, or Accept on its "
                    "card in Slack (its Edit modal edits and accepts it at once)"
                )
            raise DecisionError(
                f"item {item_id} is {what}, not accepted into an edition: nothing to {verb}; {cure}"
            )
        if row.edition:
            info = get_edition(conn, row.edition)
            if info is not None and info.status == "closed":
                raise DecisionError(
                    f"item {item_id} is in edition {row.edition}, which is closed; "
                    f"reopen it first with `curator edition open {row.edition}`"
                )


def _report(outcome: DecisionOutcome, done: Callable[[DecisionOutcome], str]) -> None:
    if outcome.result == "conflict":
        raise click.ClickException(
            f"item {outcome.item_id} changed while you were editing it (by "
            f"{outcome.decided_by}); nothing was changed, try again"
        )
    click.echo(done(outcome))


@edition.command("move")
@click.argument("item_id", metavar="ITEM", type=int)
@click.option("--to", "to", required=True, metavar="ID", help="Target edition, e.g. 2024-08.")
def move(item_id: int, to: str) -> None:
    """Move accepted ITEM to another (open) edition."""
    from curator.store.decisions import decide

    to = _edition_id(to)
    with _clear_errors():
        eng = _engine()
        _check_item_editable(eng, item_id, "move")
        outcome = decide(eng, item_id, "move", _actor(), edition=to)
    _report(outcome, lambda o: f"item {o.item_id} moved to edition {o.edition}")


@edition.command("edit")
@click.argument("item_id", metavar="ITEM", type=int)
@click.option("--title", help="New title (without the publisher).")
@click.option("--publisher", help="The publisher as the edition names it (a joint publication).")
@click.option("--summary", help="New summary.")
@click.option(
    "--finding",
    "findings",
    multiple=True,
    help="A key finding; repeat for several. Replaces the item's key findings.",
)
@click.option("--clear-findings", is_flag=True, help="Remove the item's key findings.")
@click.option("--position", type=int, help="Order within its category (lower comes first).")
@click.option(
    "--sector",
    type=click.Choice(list(SECTORS)),
    help="Move it to this sector's section (a relabel in the audit trail).",
)
@click.option(
    "--category",
    type=click.Choice(list(CATEGORIES)),
    help="Move it under this category (a relabel in the audit trail).",
)
@click.option(
    "--reset",
    "resets",
    multiple=True,
    type=click.Choice(["title", "publisher", "summary"]),
    help="Drop the editors' title, publisher or summary: the feed's (or the proposed summary) "
    "prints again.",
)
def edit(
    item_id: int,
    title: str | None,
    publisher: str | None,
    summary: str | None,
    findings: tuple[str, ...],
    clear_findings: bool,
    position: int | None,
    sector: str | None,
    category: str | None,
    resets: tuple[str, ...],
) -> None:
    """Edit ITEM's title, publisher, summary, key findings, position, sector or category
    (recorded in the audit trail); --reset title|publisher|summary goes back to the feed's."""
    from curator.store.decisions import decide

    edits: dict[str, Any] = {}
    for part, value in (("title", title), ("publisher", publisher), ("summary", summary)):
        if value is not None and part in resets:
            raise click.UsageError(f"give --{part} or --reset {part}, not both")
        if value is not None and not value.strip():
            # stored as "no edit", a blank one printed the feed's text while saying "edited"
            raise click.UsageError(
                f"--{part} is empty: give the {part} to print, or `--reset {part}` to print "
                f"the feed's {part} again"
            )
        if value is not None or part in resets:
            edits[part] = value
    if findings and clear_findings:
        raise click.UsageError("give --finding or --clear-findings, not both")
    if findings or clear_findings:
        edits["key_findings"] = list(findings)
    relabel = sector is not None or category is not None
    if not edits and position is None and not relabel:
        raise click.UsageError(
            "nothing to change: give --title, --publisher, --summary, --finding, --clear-findings, "
            "--position, --sector, --category or --reset"
        )
    reset: list[str] = []
    with _clear_errors():
        eng = _engine()
        _check_item_editable(eng, item_id, "edit")
        outcome = None
        if relabel:  # its own decision, as the card's selects make it in Slack
            outcome = decide(eng, item_id, "relabel", _actor(), sector=sector, category=category)
        if (edits or position is not None) and (outcome is None or outcome.result != "conflict"):
            outcome = decide(eng, item_id, "edit", _actor(), edits=edits, position=position)
        assert outcome is not None
        if outcome.result != "conflict":
            reset = _reset_words(eng, item_id, resets)
    labels = [
        f"{name}: {names[value]}"
        for name, value, names in (("sector", sector, SECTORS), ("category", category, CATEGORIES))
        if value is not None
    ]
    changed = ", ".join(
        [
            *(e for e in edits if e not in resets),
            *(["position"] if position is not None else []),
            *labels,
        ]
    )
    done = "; ".join([f"item {item_id} edited ({changed})", *reset] if changed else reset)
    _report(outcome, lambda o: done if changed else f"item {o.item_id}: {done}")


def _reset_words(eng: Engine, item_id: int, resets: tuple[str, ...]) -> list[str]:
    """What ``--reset`` put back, as the draft will print it."""
    from curator.store.item_reads import get_item
    from curator.store.proposals import get_proposal

    if not resets:
        return []
    with eng.connect() as conn:
        item = get_item(conn, item_id)
        proposal = get_proposal(conn, item_id)
    assert item is not None
    words = []
    if "title" in resets:
        words.append(f"title reset to the feed's: {item.title[:80]!r}")
    if "publisher" in resets:
        words.append(f"publisher reset to the feed's: {item.publisher[:80]!r}")
    if "summary" in resets:
        if proposal is not None and proposal.used_at is None and proposal.summary:
            words.append("summary reset to the one proposed from the publication")
        elif item.summary:
            words.append("summary reset to the feed's")
        else:
            words.append("summary reset: the feed gave none, so the draft asks for one")
    return words


def cut_summaries(edition: Edition) -> list[str]:
    """One line for each item whose summary the feed (or the bot, storing a very long one) cut
    off: what the editors must check."""
    from curator.edition.cutoff import cut_by_the_bot

    return [
        f"to check: item {v.item.item_id} ({trim(v.heading, 80)!r}): its summary was "
        f"{'shortened when stored' if cut_by_the_bot(v.summary_cut) else 'cut off by the feed'} "
        f"({v.summary_cut}); complete it: "
        f'curator edition edit {v.item.item_id} --summary "…"'
        for v in edition.summaries_cut
    ]


def published_elsewhen(edition: Edition) -> list[str]:
    """One line for each item published neither in the edition's month nor in the month
    before: an old report added by its link, a feed's wrong date, an item moved forward."""
    return [
        f"to check: item {v.item.item_id} ({trim(v.heading, 80)!r}): "
        f"{edition.when_elsewhere(v)}; check it belongs in this edition"
        for v in edition.published_elsewhen
    ]


def not_read(edition: Edition) -> list[str]:
    """One line for each item whose publication could not be read: its summary is the
    feed's, with nothing proposed from the publication to check it against."""
    return [
        f"to check: item {v.item.item_id} ({trim(v.heading, 80)!r}): its publication could "
        f"not be read ({v.item.unread}); the summary is the feed's. Read it again: curator "
        f"item propose {v.item.item_id}"
        for v in edition.unreadable
    ]


@click.command()
@click.option(
    "--edition",
    "edition_id",
    metavar="ID",
    help="Edition, e.g. 2024-07 (default: the current open one).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "docx"]),
    default="md",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE (default: Markdown and HTML to stdout, DOCX to ./pulse-<ID>.docx).",
)
def draft(edition_id: str | None, fmt: str, out: Path | None) -> None:
    """Draft an edition from its accepted items, in house style."""
    from curator.edition.service import (
        build_edition,
        check_format,
        previous_with_items,
        render,
        resolve_edition,
    )

    chosen = edition_id is not None
    if edition_id is not None:
        edition_id = _edition_id(edition_id)
    with _clear_errors():
        eng = _engine()
        built = build_edition(eng, resolve_edition(eng, edition_id))
        problems: list[str] = []
        content = render(built, check_format(fmt), warnings=problems)
        earlier = None if chosen or built.item_count else previous_with_items(eng, built.id)
    if earlier is not None:
        click.echo(
            f"note: edition {built.id} has no items yet; {earlier[0]} has {earlier[1]} "
            f"(`curator draft --edition {earlier[0]}`)",
            err=True,
        )
    if out is None and fmt == "docx":
        out = Path(f"pulse-{built.id}.docx")
    items = f"{built.item_count} item{'' if built.item_count == 1 else 's'}"
    elsewhen = len(built.published_elsewhen)
    note = ", ".join(
        [
            f"edition {built.id}: {items}",
            *built.to_finish(),
            *(
                [f"{elsewhen} not published in {built.title} or the month before"]
                if elsewhen
                else []
            ),
        ]
    )
    for warning in [*built.warnings, *problems]:
        click.echo(f"warning: {warning}", err=True)
    for line in [*cut_summaries(built), *published_elsewhen(built), *not_read(built)]:
        click.echo(line, err=True)
    never_read = built.never_read
    if never_read:
        many = never_read != 1
        click.echo(
            f"note: {never_read} item{'s were' if many else ' was'} accepted without "
            f"{'their publications' if many else 'its publication'} being read (at the "
            "terminal, or while Slack's reading had not ended): curator item propose "
            f"--edition {built.id} proposes {'their summaries' if many else 'its summary'} "
            "and key findings",
            err=True,
        )
    if out is None:
        click.echo(content, nl=False)  # bytes: written as they are (UTF-8)
        click.echo(note, err=True)
        return
    try:
        out.write_bytes(content)
    except OSError as exc:
        raise click.ClickException(f"could not write {out}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {out.resolve()} ({note})", err=True)
