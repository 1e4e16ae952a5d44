"""The audit trail read back, for ``curator decisions export``: every decision with its item.

Read as the database keeps it, without turning each value into a Python object first: the
export writes years of decisions, and at a hundred thousand rows the per-row conversions
(parsing two JSON columns, building an aware datetime, a mapping per row) cost more than the
database's own work. Each decision's records, JSON Lines and CSV, are written once, when the
decision is made (:func:`write_records`, ``decisions.record`` and ``record_csv``), and the
export streams the stored records (:func:`stored_blocks`) without reading the items at all: the
export of ten years of decisions costs little more than reading their text
(``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeAlias
from typing import cast as cast_

from sqlalchemy import (
    Connection,
    LargeBinary,
    Select,
    Text,
    bindparam,
    cast,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from curator.audit import FIELDS, csv_lines, jsonl_writer
from curator.store.schema import decisions, items

#: Rows fetched at a time by :func:`decision_history`, :func:`stored_blocks` and
#: :func:`write_records`.
HISTORY_BATCH = 1000


def _utc_text(dialect: str) -> ColumnElement[Any]:
    """``decisions.created_at`` as the UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``: what SQLite
    stores (SQLAlchemy's format for a naive UTC datetime), and what PostgreSQL makes of its
    ``timestamptz``."""
    if dialect == "postgresql":
        utc = func.timezone("UTC", decisions.c.created_at)
        return func.to_char(utc, "YYYY-MM-DD HH24:MI:SS.US")
    return cast(decisions.c.created_at, Text)


def decision_history(conn: Connection, *, since: datetime | None = None) -> Iterator[Sequence[Any]]:
    """The rows of :func:`decision_batches`, one by one."""
    for batch in decision_batches(conn, since=since):
        yield from batch


def decision_batches(
    conn: Connection, *, since: datetime | None = None
) -> Iterator[Sequence[Sequence[Any]]]:
    """Every decision (made at or after ``since``, an aware datetime, when given), oldest first,
    with its item's title, publisher and URL: tuples in the order of the export's columns,
    :data:`curator.audit.FIELDS` (the decision's ``id`` first, as ``decision_id``).

    Values are the database's own: ``edits`` and ``previous_state`` the JSON text stored (None
    for SQL NULL), ``created_at`` the UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (see
    :func:`_utc_text`); the rest text and integers.

    Streamed: on PostgreSQL through a server-side cursor, on SQLite as the database steps
    through the rows, :data:`HISTORY_BATCH` rows at a time, so exporting years of decisions
    holds one batch in memory, not the whole audit trail. The caller keeps ``conn`` open (and,
    on PostgreSQL, its transaction) until the iterator is done."""
    from curator.store.db import READ_ONLY

    if not conn.in_transaction():
        conn.execution_options(**{READ_ONLY: True})
    stmt = _history_select(conn.dialect.name)
    if since is not None:
        stmt = stmt.where(decisions.c.id.in_(_since_ids(since)))
    result = conn.execute(stmt, execution_options={"yield_per": HISTORY_BATCH})
    yield from result.partitions()


def _history_select(dialect: str) -> Select[Any]:
    return (
        select(
            decisions.c.id,
            decisions.c.item_id,
            items.c.title,
            items.c.publisher,
            items.c.url,
            decisions.c.action,
            decisions.c.sector,
            decisions.c.category,
            decisions.c.edition,
            cast(decisions.c.edits, Text),
            decisions.c.user_id,
            decisions.c.user_name,
            decisions.c.via,
            _utc_text(dialect),
            cast(decisions.c.previous_state, Text),
        )
        .join(items, items.c.id == decisions.c.item_id)
        .order_by(decisions.c.id)
    )


def _since_ids(since: datetime) -> Select[Any]:
    # The ids through the index on created_at: SQLite's planner, which has no statistics,
    # otherwise reads the whole trail in id order (no sort) and filters it.
    return select(decisions.c.id).where(decisions.c.created_at >= since)


# -- Export records, stored ---------------------------------------------------------------------

#: The export formats whose records are stored, each with its column.
FORMATS: tuple[str, ...] = ("jsonl", "csv")


def _column(fmt: str) -> Any:
    return {"jsonl": decisions.c.record, "csv": decisions.c.record_csv}[fmt]


def _lines(fmt: str) -> Callable[[Sequence[Sequence[Any]]], list[str]]:
    """The writer of each row's record in ``fmt``: what the export writes of the row."""
    if fmt == "csv":
        return csv_lines()
    jsonl = jsonl_writer()
    return lambda rows: [jsonl([row]) for row in rows]


def write_records(
    conn: Connection, ids: Sequence[int] | None = None, *, fmt: str | None = None
) -> int:
    """Write the export record of each decision that has none, in each format of
    :data:`FORMATS` (``fmt``: that one only; migrations name theirs): the JSON Lines record
    (``decisions.record``) and the CSV one (``decisions.record_csv``), of the decisions in
    ``ids`` or of every decision. A record is what ``curator.audit``'s writer writes of the row
    :func:`decision_batches` reads, so the export of a stored record and of a row are the same
    bytes. Each decision's row is read once for all its missing records (``decide``: one read
    of the decision with its item for both). In batches of :data:`HISTORY_BATCH`, each read and
    then written (keyset by id), so filling years of decisions holds one batch in memory. The
    number of records written."""
    formats = (fmt,) if fmt else FORMATS
    columns = [_column(f) for f in formats]
    writers = [_lines(f) for f in formats]
    updates = [
        update(decisions)
        .where(decisions.c.id == bindparam("decision"))
        .values({c.name: bindparam("line")})
        for c in columns
    ]
    n = len(FIELDS)  # the row's columns; then, for each format, whether its record is missing
    pending = _history_select(conn.dialect.name).add_columns(*(c.is_(None) for c in columns))
    pending = pending.where(or_(*(c.is_(None) for c in columns)))
    if ids is not None:
        pending = pending.where(decisions.c.id.in_(list(ids)))
    written, after = 0, None
    while True:
        page = pending if after is None else pending.where(decisions.c.id > after)
        rows = conn.execute(page.limit(HISTORY_BATCH)).all()
        for k, (stmt, lines) in enumerate(zip(updates, writers, strict=True)):
            missing = [row[:n] for row in rows if row[n + k]]
            if missing:
                params = [
                    {"decision": row[0], "line": line}
                    for row, line in zip(missing, lines(missing), strict=True)
                ]
                conn.execute(stmt, params)
                written += len(missing)
        if rows:
            after = rows[-1][0]
        if len(rows) < HISTORY_BATCH:  # the last page: no query to find it empty (decide's one)
            return written


def _record_batches(
    conn: Connection, since: datetime | None, fmt: str
) -> Iterator[Sequence[tuple[bytes | str | None, int]]]:
    """``(record, id)`` of every decision (made at or after ``since``), oldest first, the
    record in ``fmt``, :data:`HISTORY_BATCH` at a time, as UTF-8 bytes (handed over without
    decoding, and written without encoding again): on PostgreSQL streamed by :func:`_streamed`,
    on SQLite read by :func:`_sqlite_rows` (the whole trail) or SQLAlchemy (``since``). NULL
    where there is none."""
    postgres = conn.dialect.name == "postgresql"
    record = _column(fmt) if postgres else cast(_column(fmt), LargeBinary)
    stmt = select(record, decisions.c.id).order_by(decisions.c.id)
    if since is not None:
        stmt = stmt.where(decisions.c.id.in_(_since_ids(since)))
    if postgres and _chunked_rows():
        missing = yield from _streamed(conn, stmt)
        if missing is None:
            return
        stmt = stmt.where(decisions.c.id > missing)  # the rest, through SQLAlchemy
    elif not postgres and since is None:
        yield from _sqlite_rows(conn, stmt)
        return
    result = conn.execute(stmt, execution_options={"yield_per": HISTORY_BATCH})
    yield from result.partitions()


def _sqlite_rows(conn: Connection, stmt: Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of ``stmt`` (which has no parameters) from SQLite's own cursor, a batch at a
    time, without a SQLAlchemy row for each (at ten years a fifth of the full export's extra
    time; ``benchmarks/RESULTS.md``). SQLite runs other statements on the connection (a
    missing record's row) while this one is read."""
    compiled = stmt.compile(dialect=conn.dialect)
    assert not compiled.params  # the full export: no ``since``
    driver = conn.connection.driver_connection
    assert driver is not None  # an open connection's sqlite3 connection
    cursor = driver.cursor()
    try:
        cursor.execute(str(compiled))
        while batch := cursor.fetchmany(HISTORY_BATCH):
            yield batch
    finally:
        cursor.close()


def _streamed(
    conn: Connection, stmt: Select[Any]
) -> Generator[Sequence[tuple[bytes | None, int]], None, int | None]:
    """The rows of ``stmt`` on PostgreSQL, streamed by the server in one query that psycopg
    reads :data:`HISTORY_BATCH` rows at a time (libpq's chunked rows mode): no cursor to fetch
    from, no SQLAlchemy row for each, and no wait on the server between batches
    (``benchmarks/RESULTS.md``: the read of ten years' records in half the time of a
    server-side cursor's). The connection is busy while the query streams, so no other query
    may run on it meanwhile: at the first decision with no record (which the caller reads
    again with its item, a query of its own) that batch ends, and the rest of the stream is
    read and dropped (cancelling it would end the transaction); the caller reads the decisions
    after it again. Returns the id of that decision, or None once every row is read. (Records
    are missing only from decisions put in by other means: ``decide`` and migrations 0012 and
    0013 write them.) A caller that stops early cancels the query; the transaction, when this
    read began it, is rolled back, so the connection can be used again."""
    import psycopg

    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # an open connection's psycopg connection
    owned = not conn.in_transaction()
    compiled = stmt.compile(dialect=conn.dialect)
    cursor = driver.cursor(binary=True)
    # In binary format a text value is its UTF-8 bytes: handed over as they are, not decoded
    # (and encoded again to be written).
    cursor.adapters.register_loader("text", psycopg.types.string.ByteaBinaryLoader)
    # The only parameter is ``since``, an aware datetime: psycopg sends it as the column's own
    # bind processing would (UTCDateTime keeps aware values there).
    stream = cursor.stream(str(compiled), compiled.params, binary=True, size=HISTORY_BATCH)
    rows = cast_("Generator[tuple[bytes | None, int], None, None]", stream)  # a generator
    batch: list[tuple[bytes | None, int]] = []
    missing: int | None = None
    done = False
    try:
        for row in rows:
            batch.append(row)
            if row[0] is None:
                missing = row[1]
                for _ in rows:  # read to its end: a cancelled query would end the transaction
                    pass
                break
            if len(batch) == HISTORY_BATCH:
                yield batch
                batch = []
        done = True
    finally:
        rows.close()  # a caller that stopped early: cancels the query, reads what it sent
        cursor.close()
        failed = driver.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        if not done and owned and failed and not conn.in_transaction():
            driver.rollback()  # the transaction psycopg began for this read, ended by the cancel
    if batch:
        yield batch
    return missing


def _chunked_rows() -> bool:
    """Whether psycopg's libpq streams a result in chunks of rows (libpq 17 and later, as
    psycopg's binary package bundles); without it, :func:`_record_batches` reads through a
    server-side cursor."""
    import psycopg

    return psycopg.capabilities.has_stream_chunked()


class Written(NamedTuple):
    """Stored records, as UTF-8 (the database hands them over without decoding them, and they
    are written without encoding them again), and how many there are."""

    text: bytes
    records: int


#: A block of the export: stored records (:class:`Written`), or rows for ``curator.audit``'s
#: writer to write.
Block: TypeAlias = Written | Sequence[Sequence[Any]]


def stored_blocks(
    conn: Connection, fmt: str = "jsonl", *, since: datetime | None = None
) -> Generator[Block, None, None]:
    """The export in ``fmt`` (``jsonl`` or ``csv``, its records without the CSV header) of
    :func:`decision_batches`' rows, in the same order, in blocks: :class:`Written` blocks of
    the stored records (``decisions.record`` or ``record_csv``, written when each decision was
    made), :data:`HISTORY_BATCH` at a time, read without the join to the items; a decision with
    no stored record comes as its row, for ``curator.audit``'s writer, in its place. Streamed
    as :func:`decision_batches` is, so memory holds one batch however long the trail."""
    from curator.store.db import READ_ONLY

    if fmt not in FORMATS:
        raise ValueError(f"no stored records in format {fmt!r}; one of {', '.join(FORMATS)}")
    if not conn.in_transaction():
        conn.execution_options(**{READ_ONLY: True})
    for batch in _record_batches(conn, since, fmt):
        yield from _with_rows(conn, batch)


def _with_rows(conn: Connection, batch: Sequence[Sequence[Any]]) -> Iterator[Block]:
    """``(line, id)`` rows as blocks: runs of lines joined, and the rows whose line is NULL
    read as :func:`decision_batches` reads them, in their place."""
    lines = [line for line, _ in batch]
    if None not in lines:
        yield Written(_joined(lines), len(lines))
        return
    missing = [i for line, i in batch if line is None]
    stmt = _history_select(conn.dialect.name).where(decisions.c.id.in_(missing))
    raw = {row[0]: row for row in conn.execute(stmt)}
    text: list[bytes | str] = []
    rows: list[Sequence[Any]] = []
    for line, i in batch:
        if line is None:
            if text:
                yield Written(_joined(text), len(text))
                text = []
            rows.append(raw[i])
        else:
            if rows:
                yield rows
                rows = []
            text.append(line)
    if text:
        yield Written(_joined(text), len(text))
    if rows:
        yield rows


def _joined(lines: Sequence[bytes | str | None]) -> bytes:
    """Stored records, as SQLite hands them over (bytes) or PostgreSQL (text), as UTF-8."""
    if isinstance(lines[0], str):
        return "".join(lines).encode()  # type: ignore[arg-type]
    return b"".join(lines)  # type: ignore[arg-type]
