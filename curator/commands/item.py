"""``curator item add URL``: add a publication by its link (the work is in
:mod:`curator.items.add`, shared with ``/pulse add`` and Slack's Add to Pulse shortcut)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from curator.normalise.text import relevance_shown
from curator.records import CATEGORIES, SECTORS

if TYPE_CHECKING:
    from curator.items.links import Added


@click.group()
def item() -> None:
    """Items added by hand: a publication the bot did not find, by its link."""


@item.command("add")
@click.argument("url")
@click.option(
    "--sector", type=click.Choice(list(SECTORS)), help="the sector, instead of the model's"
)
@click.option(
    "--category", type=click.Choice(list(CATEGORIES)), help="the category, instead of the model's"
)
@click.option("--accept", is_flag=True, help="accept it into the open edition now")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def add(url: str, sector: str | None, category: str | None, accept: bool, as_json: bool) -> None:
    """Read the publication at URL, store it, classify it and queue its card (or --accept it).

    The same publication already stored (same link, GOV.UK path or title) is shown instead.
    Exits 0 when the item exists afterwards, 1 when the page could not be read, 2 on usage
    errors."""
    from curator.commands.common import cli_actor, engine, settings
    from curator.enrich import EnrichError
    from curator.fetch import FetchSettings
    from curator.items.add import AddRequest, LinkAdder, watched_sources
    from curator.items.links import LinkUsageError
    from curator.items.propose import Reader
    from curator.parse.pool import ParsePool

    config = settings()
    sources, warning = watched_sources(config.sources_file)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    actor = cli_actor()
    request = AddRequest(url, sector=sector, category=category, accept=accept)
    with ParsePool.configured(config) as pool:
        reader = Reader(FetchSettings.from_settings(config), pool)
        adder = LinkAdder(engine(), config, reader, sources=sources)
        try:
            added = adder.add(request, actor)
        except LinkUsageError as exc:
            raise click.UsageError(str(exc)) from exc
        except EnrichError as exc:
            click.echo(f"error: could not read the publication: {exc}", err=True)
            raise SystemExit(1) from exc
    for note in added.warnings:
        click.echo(f"warning: {note}", err=True)
    if as_json:
        json.dump(added.to_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    _show(added, config.timezone)


def _show(added: Added, timezone: str) -> None:
    from zoneinfo import ZoneInfo

    what = "Already stored as" if added.existing else "Added as"
    click.echo(f"{what} item {added.item_id}: {added.publisher}. {added.title}")
    click.echo(f"  {added.url}")
    # the day in the editors' time zone, as the draft says it: "2024-06-11T00:01+01:00" is
    # 11 June, not the 10 June it is in UTC
    when = added.published_at.astimezone(ZoneInfo(timezone)) if added.published_at else None
    facts = [added.document_type, f"{when:%d %b %Y}" if when else None]
    facts += [SECTORS.get(added.sector or ""), CATEGORIES.get(added.category or "")]
    if added.relevance is not None:
        facts.append(f"relevance {relevance_shown(added.relevance)}")
    if any(facts):  # a page with no date, type or prediction has none to list
        click.echo("  " + " · ".join(f for f in facts if f))
    if added.status == "accepted":
        click.echo(f"  accepted into {added.edition}")
    elif added.queued:
        click.echo("  its card waits for Slack")
    else:
        click.echo(f"  {added.status}: `curator review` shows it")
    if added.summary:
        where = added.provenance.get("summary")
        click.echo(f"  Summary{f' (from {where})' if where else ''}: {added.summary}")
    if added.key_findings:
        where = added.provenance.get("key_findings")
        click.echo(f"  Key findings{f' (from {where})' if where else ''}:")
        for finding in added.key_findings:
            click.echo(f"   • {finding}")


@item.command("propose")
@click.argument("item_ids", metavar="[ID]...", nargs=-1, type=int)
@click.option(
    "--edition",
    "edition_id",
    metavar="YYYY-MM",
    help="every item accepted into this edition whose publication was never read",
)
def propose(item_ids: tuple[int, ...], edition_id: str | None) -> None:
    """Read the publications of accepted items and keep what they propose (as Slack does
    after Accept; `curator review` does not, to keep the terminal quick).

    Exits 0 once every item was tried (one that cannot be read is reported, not fatal); 2 when
    an item does not exist or no item is named."""
    from curator.commands.common import engine, settings
    from curator.fetch import FetchSettings
    from curator.items.propose import ItemNotFound, Reader, propose_for_item, why_nothing
    from curator.parse.pool import ParsePool
    from curator.store.editions import EditionError, check_edition_id
    from curator.store.proposals import unread_accepted

    if not item_ids and not edition_id:
        raise click.UsageError("name items by id, or --edition YYYY-MM")
    config = settings()
    eng = engine(create=False)
    ids = list(item_ids)
    if edition_id:
        try:
            check_edition_id(edition_id)
        except EditionError as exc:
            raise click.UsageError(str(exc)) from exc
        with eng.connect() as conn:
            ids += [i for i in unread_accepted(conn, edition_id) if i not in ids]
    if not ids:
        click.echo(f"Every item accepted into {edition_id} was read already.")
        return
    with ParsePool.configured(config) as pool:
        reader = Reader(FetchSettings.from_settings(config), pool)
        for item_id in ids:
            try:
                reading = propose_for_item(eng, reader, item_id)
            except ItemNotFound as exc:
                raise click.UsageError(str(exc)) from exc
            stored = reading.stored
            if reading.not_kept:
                when = f"{stored.created_at:%d %b %Y}".lstrip("0")
                click.echo(
                    f"item {item_id}: nothing proposed this time: {reading.not_kept}; the "
                    f"proposal read on {when} is kept"
                )
                continue
            if stored.error:
                click.echo(f"item {item_id}: nothing proposed: {stored.error}")
                continue
            parts = []
            if stored.summary:
                parts.append("a summary")
            if stored.key_findings:
                parts.append(f"{len(stored.key_findings)} key findings")
            if parts:
                click.echo(f"item {item_id}: proposed {' and '.join(parts)}")
            else:
                click.echo(f"item {item_id}: nothing proposed: {why_nothing(stored.missing)}")
