"""``curator decisions export``: the audit trail of every editor decision, as CSV or JSON Lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from curator.store.handles import Engine

#: Columns of the export, in order (also the JSON keys).
FIELDS: tuple[str, ...] = (
    "decision_id",
    "item_id",
    "item_title",
    "publisher",
    "url",
    "action",
    "sector",
    "category",
    "edition",
    "edits",
    "user_id",
    "user_name",
    "via",
    "created_at",
    "previous_state",
)


def export_rows(engine: Engine) -> Iterator[dict[str, Any]]:
    """Every decision, oldest first, joined with its item (streamed, not loaded whole)."""
    from curator.store.decisions import decision_history

    with engine.connect() as conn:
        for row in decision_history(conn):
            yield {
                "decision_id": row["id"],
                "item_id": row["item_id"],
                "item_title": row["item_title"],
                "publisher": row["publisher"],
                "url": row["url"],
                "action": row["action"],
                "sector": row["sector"],
                "category": row["category"],
                "edition": row["edition"],
                "edits": row["edits"],
                "user_id": row["user_id"],
                "user_name": row["user_name"],
                "via": row["via"],
                "created_at": row["created_at"].isoformat(),
                "previous_state": row["previous_state"],
            }


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
        n += 1
    return n


#: A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: dicts and lists as JSON, and text that a spreadsheet would run as
    a formula (a feed title ``=HYPERLINK(...)``, a Slack name ``@SUM(...)``) prefixed with a
    single quote, OWASP's rule, so it shows as text. Numbers stay numbers."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    import csv

    # CRLF ends a record (RFC 4180), and it also makes the writer quote any cell holding a
    # carriage return: with "\n" alone a bare "\r" went out unquoted and broke the row.
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
        n += 1
    return n


@click.group()
def decisions() -> None:
    """The editors' decisions (the audit trail)."""


@decisions.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to FILE instead of standard output.",
)
def export(fmt: str, out: str | None) -> None:
    """Export every decision: item, action, labels, edits, Slack user id and name, time,
    previous state and where it was made (slack or cli)."""
    from curator.commands.common import engine as open_engine

    eng = open_engine()
    write: Callable[[Iterable[dict[str, Any]], IO[str]], int] = (
        write_csv if fmt == "csv" else write_jsonl
    )
    try:
        if out is None:
            count = write(export_rows(eng), sys.stdout)
        else:
            try:
                fh = open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as exc:
                raise click.ClickException(
                    f"cannot write {out}: {exc.strerror}; check the folder exists and is writable"
                ) from exc
            with fh:
                count = write(export_rows(eng), fh)
    finally:
        eng.dispose()
    if out is not None:
        click.echo(f"wrote {count} decision(s) to {out}", err=True)
