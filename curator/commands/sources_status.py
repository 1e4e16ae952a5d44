"""``curator sources status``: per-source health for admins (also in the weekly report)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

STYLE = {
    "ok": "green",
    "failing": "red",
    "ended": "red",
    "quiet": "yellow",
    "blocked": "magenta",
    "degraded": "yellow",
}


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print a JSON list instead of a table")
@click.option(
    "--problems",
    is_flag=True,
    help="only sources that are failing, blocked, degraded, quiet or ended",
)
def status(file: Path | None, as_json: bool, problems: bool) -> None:
    """Health of each source: last success, failures in a row, last error, newest item,
    items in the last 30 days, acceptance rate, and whether it is failing, blocked, degraded (a
    page read without its selectors, which no longer match), quiet or ended. Blocked sources (the
    site refuses automated clients) are listed again under "Check by hand" with their URLs.

    Exits 1 when any enabled source is failing or its feed has ended (not for a blocked one:
    nothing in sources.yaml can fix it)."""
    from datetime import UTC, datetime

    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    from curator.commands.common import engine, load_sources_or_exit
    from curator.health import CHECK_BY_HAND_WHY, PROBLEMS
    from curator.store.health import source_health

    _, sources = load_sources_or_exit(file)
    with engine(create=False).connect() as conn:
        healths = source_health(conn, sources, datetime.now(UTC))
    if problems:
        healths = [h for h in healths if h.status in PROBLEMS]
    bad = any(h.status in ("failing", "ended") for h in healths)
    if as_json:
        json.dump([h.as_json() for h in healths], sys.stdout, indent=1)
        sys.stdout.write("\n")
        sys.exit(1 if bad else 0)

    def when(d: datetime | None) -> str:
        return d.strftime("%Y-%m-%d %H:%M") if d else "—"

    if problems and not healths:
        click.echo("No problems: no source is failing, blocked, degraded, quiet or ended.")
        sys.exit(0)
    console = Console()
    table = Table(title=f"{len(healths)} sources")
    # The id is what --source and sources.yaml take: never cut. The details, often long (an
    # error, a URL), are listed under the table, where they wrap as the terminal does.
    table.add_column("id", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for name in ("last success", "fails", "newest item", "30 days", "accepted"):
        table.add_column(name, min_width=10 if name in ("last success", "newest item") else None)
    rows = []
    for h in healths:
        rate = f"{h.acceptance_rate:.0%}" if h.acceptance_rate is not None else "—"
        rows.append(
            (
                h.source_id,
                h.status,
                when(h.last_ok_at),
                str(h.consecutive_failures),
                when(h.newest_item_at),
                str(h.items_last_30_days),
                rate,
            )
        )
        # Text, never a str: rich reads "[...]" in a str as markup, and the stored text is
        # not ours.
        table.add_row(
            *(Text(v, style=STYLE.get(v, "dim") if i == 1 else "") for i, v in enumerate(rows[-1]))
        )
    unbounded = console.options.update(max_width=10_000)  # get() clamps to the width given
    if Measurement.get(console, unbounded, table).minimum > console.width:
        # Too narrow for the table (long ids on a small terminal): one line a source.
        click.echo(
            f"{len(healths)} sources (id, status, last success, failures in a row, "
            "newest item, items in 30 days, accepted):"
        )
        for row in rows:
            click.echo("  " + "  ".join(row))
    else:
        console.print(table)
    detailed = [h for h in healths if h.detail]
    if detailed:
        # Plain text: a detail is stored text a server chose (an error, a URL), never markup.
        click.echo("\nDetails:")
        for h in detailed:
            click.echo(f"  {h.source_id} ({h.status}): {h.detail}")
    blocked = [h for h in healths if h.status == "blocked"]
    if blocked:
        # Plain text: URLs and names are printed as they are, never read as console markup.
        click.echo(f"\nCheck by hand ({CHECK_BY_HAND_WHY}):")
        for h in blocked:
            click.echo(f"  {h.source_id} ({h.publisher}): {h.url}")
    sys.exit(1 if bad else 0)
