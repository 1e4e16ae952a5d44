"""``curator review``: triage candidates in the terminal (no Slack needed), through the same
:func:`curator.store.decisions.decide` as the Slack buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import click

from curator.records import ItemStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from curator.slack.blocks import Card
    from curator.store.decisions import Actor
    from curator.store.handles import Engine

KEYS = {
    "a": "accept",
    "r": "reject",
    "s": "change sector",
    "c": "change category",
    "e": "edit summary",
    "n": "skip (next)",
    "q": "quit",
}

#: What became of a card: the item's status after the editor's decision, or no decision.
Triaged = ItemStatus | Literal["skipped", "quit"]


def _pct(value: float | None) -> str:
    return "" if value is None else f" ({round(value * 100)}%)"


def _show(card: Card, sector: str | None, category: str | None, n: int, total: int) -> None:
    from curator.normalise.text import trim
    from curator.records import CATEGORIES, SECTORS

    click.echo("")
    lane = " (digest)" if card.lane == "digest" else ""
    click.secho(f"[{n}/{total}]{lane} #{card.item_id} {card.publisher}. {card.title}", bold=True)
    date = card.published_at.date().isoformat() if card.published_at else "undated"
    click.echo(f"  {card.url}  ({date}, source {card.source_id})")
    click.echo("  " + (trim(card.summary, 600) or "(no summary)"))
    if card.predicted_sector:
        click.echo(
            f"  predicted: {SECTORS.get(card.predicted_sector, card.predicted_sector)}"
            f"{_pct(card.sector_confidence)} · "
            f"{CATEGORIES.get(card.predicted_category or '', card.predicted_category)}"
            f"{_pct(card.category_confidence)}" + ("  ** needs a look **" if card.uncertain else "")
        )
    click.echo(
        f"  will file under: {SECTORS.get(sector or '', '(no sector)')} · "
        f"{CATEGORIES.get(category or '', '(no category)')}"
    )


def _choose(kind: str, labels: dict[str, str]) -> str | None:
    keys = list(labels)
    for i, key in enumerate(keys, 1):
        click.echo(f"    {i}. {labels[key]}")
    raw = click.prompt(f"  {kind} number", default="", show_default=False).strip()
    if raw.isdigit() and 1 <= int(raw) <= len(keys):
        return keys[int(raw) - 1]
    click.echo(f"  no {kind} chosen (type 1-{len(keys)})")
    return None


def _triage(
    engine: Engine,
    card: Card,
    actor: Actor,
    tz: str,
    n: int,
    total: int,
    on_change: Callable[[int], None] = lambda item_id: None,
) -> Triaged:
    """Prompt until the editor decides, skips or quits; returns the outcome word."""
    from curator.records import CATEGORIES, SECTORS
    from curator.store.decisions import DecisionError, decide

    sector, category = card.shown_sector, card.shown_category
    _show(card, sector, category, n, total)
    prompt = "  " + " ".join(f"[{k}] {v}" for k, v in KEYS.items())
    while True:
        key = click.prompt(prompt, type=click.Choice(list(KEYS)), show_choices=False)
        try:
            if key == "a":
                if not (sector and category):
                    click.echo("  choose a sector [s] and a category [c] first")
                    continue
                out = decide(
                    engine, card.item_id, "accept", actor, sector=sector, category=category, tz=tz
                )
            elif key == "r":
                out = decide(engine, card.item_id, "reject", actor, tz=tz)
            elif key == "s":
                sector = _choose("sector", SECTORS) or sector
                _show(card, sector, category, n, total)
                continue
            elif key == "c":
                category = _choose("category", CATEGORIES) or category
                _show(card, sector, category, n, total)
                continue
            elif key == "e":
                text = click.prompt("  new summary (one line)", default="", show_default=False)
                if text.strip():
                    decide(engine, card.item_id, "edit", actor, edits={"summary": text}, tz=tz)
                    on_change(card.item_id)
                    click.echo("  summary saved")
                continue
            elif key == "n":
                return "skipped"
            else:
                return "quit"
        except DecisionError as exc:
            click.echo(f"  nothing changed: {exc}")
            return "skipped"
        if out.result == "conflict":
            click.echo(f"  already {out.status} by {out.decided_by}; the first decision stands")
            return "skipped"
        on_change(card.item_id)
        into = f" into {out.edition}" if out.status == "accepted" else ""
        click.echo(f"  {out.status}{into}")
        return out.status


def _queue(engine: Engine, limit: int | None) -> tuple[int, Iterator[Card]]:
    """How many candidates this review shows, and the cards, read a page at a time (decisions
    made meanwhile are seen by the next page): the cards first, then the digest lane's items.
    The review covers the candidates queued when it starts: any queued during it wait for the
    next one."""
    from curator.slack.cards import PAGE, queued_cards
    from curator.store.item_reads import newest_queued_id, queued_count

    with engine.connect() as conn:
        total = queued_count(conn)
        upto = newest_queued_id(conn)
    if limit is not None:
        total = max(0, min(total, limit))

    def cards() -> Iterator[Card]:
        shown = 0
        for digest in (False, True):
            after = None
            while shown < total:
                wanted = min(PAGE, total - shown)
                with engine.connect() as conn:
                    page = queued_cards(
                        conn, after_id=after, upto_id=upto, limit=wanted, digest=digest
                    )
                yield from page
                shown += len(page)
                if len(page) < wanted:
                    break  # this part is done (the rest were decided meanwhile)
                after = page[-1].item_id

    return total, cards()


@click.command()
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Review at most N candidates."
)
def review(limit: int | None) -> None:
    """Triage queued candidates in the terminal: accept, reject, relabel, edit, skip.

    Keys: a accept · r reject · s change sector · c change category · e edit summary ·
    n skip · q quit. Decisions are recorded as your $USER (via "cli"), else your login name.
    """
    from curator.commands.common import cli_actor, settings
    from curator.commands.common import engine as open_engine

    actor = cli_actor()
    conf = settings()
    tz = conf.timezone
    eng = open_engine(create=False)
    client = None
    if conf.slack_bot_token:
        from curator.slack.outbox import make_client

        client = make_client(conf)

    def on_change(item_id: int) -> None:
        # Cards already in Slack show the decision made here too.
        if client is not None:
            from curator.slack.outbox import refresh_posted_cards

            refresh_posted_cards(eng, client, item_id)

    counts: dict[str, int] = {}
    try:
        total, cards = _queue(eng, limit)
        if not total:
            click.echo("Nothing to review: no queued candidates.")
            return
        for n, card in enumerate(cards, 1):
            outcome: Triaged
            try:
                outcome = _triage(eng, card, actor, tz, n, total, on_change)
            except click.Abort:  # end of input (Ctrl-D)
                outcome = "quit"
            if outcome == "quit":
                break
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        eng.dispose()
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing decided"
    click.echo(f"\nReviewed: {summary}.")
