"""``curator decisions export``: the audit trail of every editor decision, as CSV or JSON Lines."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import click

from curator.audit import FIELDS, csv_out, csv_writer, jsonl_writer

if TYPE_CHECKING:
    from datetime import datetime

    from curator.store.handles import Engine
    from curator.store.trail import Block

#: A row of the audit trail (see curator.audit).
Row = Sequence[Any]


def export_blocks(
    engine: Engine, since: datetime | None = None, fmt: str = "jsonl"
) -> Iterator[Block]:
    """The export in ``fmt`` (``jsonl`` or ``csv``), oldest decision first, as the store writes
    it: blocks of finished records, and batches of rows for ``curator.audit``'s writer
    (streamed)."""
    from curator.store.trail import stored_blocks

    with engine.connect() as conn:
        yield from stored_blocks(conn, fmt, since=since)


def write_jsonl(blocks: Iterable[Block | Sequence[Row]], out: IO[str]) -> int:
    """Write the JSON Lines blocks of :func:`export_blocks` (or batches of rows alone); the
    number of records written."""
    lines = jsonl_writer()
    return _write_blocks(blocks, out, lambda rows: out.write(lines(rows)))


def write_csv(blocks: Iterable[Block | Sequence[Row]], out: IO[str]) -> int:
    """Write the CSV header and the CSV blocks of :func:`export_blocks` (or batches of rows
    alone); the number of records written."""
    writer = csv_out(out)
    writer.writerow(FIELDS)
    cells = csv_writer()
    return _write_blocks(blocks, out, lambda rows: writer.writerows(cells(rows)))


def _write_blocks(
    blocks: Iterable[Block | Sequence[Row]], out: IO[str], write_rows: Callable[[Any], Any]
) -> int:
    """Stored records as they are, rows through ``write_rows``, in order; the number written.
    Records the database handed over as UTF-8 go to ``out``'s bytes underneath when ``out``
    writes UTF-8 (no decoding and encoding again)."""
    from curator.store.trail import Written

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
            write_rows(block)
            n += len(block)
    return n


def _utf8_bytes(out: IO[str]) -> IO[bytes] | None:
    import codecs

    buffer = getattr(out, "buffer", None)
    encoding = getattr(out, "encoding", None)
    if buffer is None or not encoding or codecs.lookup(encoding).name != "utf-8":
        return None
    return cast("IO[bytes]", buffer)


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
    eng = open_engine(create=False)

    def write(fh: IO[str]) -> int:
        if fmt == "csv":
            return write_csv(export_blocks(eng, start, "csv"), fh)
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
