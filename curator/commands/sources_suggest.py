"""``curator sources suggest-rules``: skip rules proposed from what the editors rejected
(:mod:`curator.rules_suggest`), for the admin to copy into sources.yaml."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from curator.rules_suggest import DAYS, MIN_REJECTED


@click.command("suggest-rules")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="only this source")
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=DAYS,
    show_default=True,
    help="read the items first seen in this many days",
)
@click.option(
    "--min-rejected",
    type=click.IntRange(2, 1000),
    default=MIN_REJECTED,
    show_default=True,
    help="propose a rule only when it matches at least this many rejected items",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def suggest_rules_command(
    file: Path | None, source_ids: tuple[str, ...], days: int, min_rejected: int, as_json: bool
) -> None:
    """Propose skip rules from the editors' decisions: for each source, a GOV.UK document
    type, a section of its site or a title label ("Speech: …") of which the editors rejected
    at least --min-rejected items and took none.

    Nothing is changed: `curator sources skip ID FIELD PATTERN` (or `/pulse sources skip`)
    adds a rule you agree with and moves the candidates already waiting that it catches.
    Exits 0, or 2 on an invalid sources file or an unknown --source."""
    from datetime import UTC, datetime, timedelta

    from curator.commands.common import engine, load_sources_or_exit, only_sources
    from curator.store.suggest import suggestions as proposed

    path, sources = load_sources_or_exit(file)
    sources = only_sources(path, sources, source_ids)
    since = datetime.now(UTC) - timedelta(days=days)
    with engine(create=False).connect() as conn:
        suggestions = proposed(conn, sources, since, min_rejected=min_rejected)
    if as_json:
        out = {
            "days": days,
            "min_rejected": min_rejected,
            "suggestions": [s.as_json() for s in suggestions],
        }
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return
    if not suggestions:
        click.echo(
            f"No rule to suggest: no document type, site section or title label matched "
            f"{min_rejected} or more items the editors rejected, and none they took, among "
            f"the items first seen in the last {days} days."
        )
        return
    publishers = {s.id: s.publisher for s in sources}
    current = None
    for s in suggestions:
        if s.source_id != current:
            current = s.source_id
            click.echo(f"{s.source_id} ({publishers.get(s.source_id, '?')}):")
            click.echo("  skip:")
        waiting = f"; {s.waiting} more wait" if s.waiting else ""
        click.echo(
            f"    {s.yaml_line()}   # rejected {s.rejected}, taken 0 in {days} days{waiting}"
        )
        for title in s.examples:
            click.echo(f"    #   e.g. {title}")
    click.echo(
        f"\n{len(suggestions)} rule{'s' if len(suggestions) != 1 else ''} to consider. Add "
        f"those you agree with: `curator sources skip ID FIELD PATTERN --sources {path}` "
        "adds one and moves the candidates already waiting that it catches (so does "
        "`/pulse sources skip` in Slack); or paste the lines under the source's `skip:` by "
        f"hand, check the file with `curator sources check {path} --offline` and run "
        "`curator sources apply-rules`."
    )
