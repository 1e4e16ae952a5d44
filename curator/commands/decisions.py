"""``curator decisions export``: the audit trail of every editor decision, as CSV or JSON Lines."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import click

from curator.audit import FIELDS, csv_writer, jsonl_writer

if TYPE_CHECKING:
    from datetime import datetime

    from curator.store.handles import Engine
    from curator.store.trail import Block

#: A row of the audit trail (see curator.audit).
Row = Sequence[Any]


def export_batches(engine: Engine, since: datetime | None = None) -> Iterator[Sequence[Row]]:
    """Every decision (made at or after ``since``), oldest first, joined with its item, batch by
    batch as the store reads them (streamed, not loaded whole)."""
    from curator.store.trail import decision_batches

    with engine.connect() as conn:
        yield from decision_batches(conn, since=since)


def export_blocks(engine: Engine, since: datetime | None = None) -> Iterator[Block]:
    """The JSON Lines export, oldest decision first, as the store writes it: blocks of
    finished records, and batches of rows for :func:`curator.audit.jsonl_writer` (streamed)."""
    from curator.store.trail import jsonl_blocks

    with engine.connect() as conn:
        yield from jsonl_blocks(conn, since=since)


def write_jsonl(blocks: Iterable[Block | Sequence[Row]], out: IO[str]) -> int:
    """Write the blocks of :func:`export_blocks` (or batches of rows alone); the number of
    records written. Records the database wrote as UTF-8 go to ``out``'s bytes underneath
    when ``out`` writes UTF-8 (no decoding and encoding again)."""
    from curator.store.trail import Written

    lines = jsonl_writer()
    raw = _utf8_bytes(out)
    n = 0
    for block in blocks:
        if isinstance(block, Written):
            if raw is not None:
                out.flush()  # what was written as text goes first
                raw.write(block.text)
            else:
                out.write(block.text.decode("utf-8"))
            n += block.records
        else:
            out.write(lines(block))
            n += len(block)
    return n


def _utf8_bytes(out: IO[str]) -> IO[bytes] | None:
    import codecs

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or not encoding or codecs.lookup(encoding).name != "utf-8":
        return None
    return cast("IO[bytes]", buffer)


def write_csv(batches: Iterable[Sequence[Row]], out: IO[str]) -> int:
    import csv

    # CRLF ends a record (RFC 4180), and it also makes the writer quote any cell holding a
    # carriage return: with "\n" alone a bare "\r" went out unquoted and broke the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    cells = csv_writer()
    n = 0
    for batch in batches:
        writer.writerows(cells(batch))
        n += len(batch)
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
@click.option(
    "--since",
    metavar="DATE",
    help="only decisions made on or after DATE (YYYY-MM-DD, from the start of that day in the "
    "editors' time zone)",
)
def export(fmt: str, out: str | None, since: str | None) -> None:
    """Export every decision: item, action, labels, edits, Slack user id and name, time,
    previous state and where it was made (slack or cli)."""
    from curator.commands.common import day_start, settings
    from curator.commands.common import engine as open_engine

    start = day_start(since, settings().timezone)
    eng = open_engine()

    def write(fh: IO[str]) -> int:
        if fmt == "csv":
            return write_csv(export_batches(eng, start), fh)
        return write_jsonl(export_blocks(eng, start), fh)

    try:
        if out is None:
            count = write(sys.stdout)
        else:
            try:
                fh = open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as exc:
                raise click.ClickException(
                    f"cannot write {out}: {exc.strerror}; check the folder exists and is writable"
                ) from exc
            with fh:
                count = write(fh)
    finally:
        eng.dispose()
    if out is not None:
        click.echo(f"wrote {count} decision(s) to {out}", err=True)
