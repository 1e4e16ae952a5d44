"""The audit trail read back, for ``curator decisions export``: every decision with its item.

Read as the database keeps it, without turning each value into a Python object first: the
export writes years of decisions, and at a hundred thousand rows the per-row conversions
(parsing two JSON columns, building an aware datetime, a mapping per row) cost more than the
database's own work. For JSON Lines the database writes each record itself
(:func:`jsonl_blocks`), byte for byte what ``curator.audit.jsonl_writer`` writes; the few it
cannot write exactly are left to that writer, in their place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import reduce
from typing import Any, NamedTuple, TypeAlias

from sqlalchemy import (
    Connection,
    LargeBinary,
    Select,
    Text,
    case,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from curator.audit import JSON_ESCAPE, JSONL_PIECES
from curator.store.schema import decisions, items

#: Rows fetched at a time by :func:`decision_history` and :func:`jsonl_blocks`.
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


# -- JSON Lines written by SQLite --------------------------------------------------------------


def _text(value: str) -> ColumnElement[str]:
    return literal(value, Text)


def _json_cell(stored: ColumnElement[Any]) -> ColumnElement[str]:
    """A JSON column's value in the record: its stored text (SQLAlchemy's ``json.dumps``) as
    it is, when that is what the export writes; NULL when only Python can write it (a ``\\u``
    escape: text beyond ASCII, which the export writes as itself, or a control character)."""
    text = cast(stored, Text)
    return case(
        (stored.is_(None), _text("null")),
        (func.instr(text, _text(JSON_ESCAPE)) == 0, text),
        else_=None,
    )


def _quote(value: ColumnElement[Any]) -> ColumnElement[str]:
    """Text as a JSON string, as ``json.dumps(..., ensure_ascii=False)`` quotes it: SQLite's
    ``json_quote`` makes the same escapes (property-tested in ``tests/test_export_in_sql.py``),
    and SQL NULL ``null``."""
    return type_coerce(func.json_quote(value), Text)


def _iso_cell() -> ColumnElement[str]:
    """``created_at`` as ``curator.audit.iso_utc`` writes it from the stored text, quoted; NULL
    (only Python can write it) when that text is not in the store's own form."""
    u = cast(decisions.c.created_at, Text)

    def sub(*at: int) -> ColumnElement[str]:
        return type_coerce(func.substr(u, *at), Text)

    fraction = case((sub(20) == ".000000", _text("")), else_=sub(20))
    iso = sub(1, 10) + _text("T") + sub(12, 8) + fraction + _text("+00:00")
    own_form = (func.length(u) == 26) & (sub(11, 1) == " ") & (sub(20, 1) == ".")
    return case((own_form, _quote(iso)), else_=None)


def _jsonl_line() -> ColumnElement[str]:
    """A decision's JSON Lines record on SQLite, ``"\\n"`` included, as
    ``curator.audit.jsonl_writer`` writes it, or NULL where a value is one only Python can
    write (then the whole record is: ``||`` with NULL is NULL)."""
    d = decisions.c
    values: list[ColumnElement[Any]] = [
        cast(d.id, Text),
        cast(d.item_id, Text),
        _quote(items.c.title),
        _quote(items.c.publisher),
        _quote(items.c.url),
        _quote(d.action),
        _quote(d.sector),
        _quote(d.category),
        _quote(d.edition),
        _json_cell(d.edits),
        _quote(d.user_id),
        _quote(d.user_name),
        _quote(d.via),
        _iso_cell(),
        _json_cell(d.previous_state),
    ]
    parts: list[ColumnElement[Any]] = []
    for piece, value in zip(JSONL_PIECES, values, strict=False):
        parts += [_text(piece), type_coerce(value, Text)]
    parts.append(_text(JSONL_PIECES[-1]))
    return reduce(lambda a, b: a + b, parts)


class Written(NamedTuple):
    """Records SQLite wrote, as UTF-8 (SQLite hands them over without decoding them, and they
    are written without encoding them again), and how many there are."""

    text: bytes
    records: int


#: A block of the JSON Lines export: records written (:class:`Written`), or rows for
#: ``curator.audit.jsonl_writer`` to write.
Block: TypeAlias = Written | Sequence[Sequence[Any]]


def jsonl_blocks(conn: Connection, *, since: datetime | None = None) -> Iterator[Block]:
    """The JSON Lines export of :func:`decision_batches`' rows, in the same order, in blocks:
    on SQLite, :class:`Written` blocks of records the database wrote (:func:`_jsonl_line`),
    :data:`HISTORY_BATCH` at a time, or fewer where a record is one only Python writes
    exactly: those come as rows, for ``curator.audit.jsonl_writer``, in their place. On
    PostgreSQL every batch is rows: the server writing the records (``to_json`` for the
    quoting, ``string_agg`` to join them) took as long or longer than the rows take to cross
    and Python to write them (``benchmarks/RESULTS.md``, 2026-12-06 12:30).

    Streamed as :func:`decision_batches` is, so memory holds one batch however long the
    trail. One record a row: SQLite's ``group_concat`` keeps no order before 3.44."""
    if conn.dialect.name != "sqlite":
        yield from decision_batches(conn, since=since)
        return
    from curator.store.db import READ_ONLY

    if not conn.in_transaction():
        conn.execution_options(**{READ_ONLY: True})
    stmt = select(cast(_jsonl_line(), LargeBinary), decisions.c.id)
    stmt = stmt.join(items, items.c.id == decisions.c.item_id).order_by(decisions.c.id)
    if since is not None:
        stmt = stmt.where(decisions.c.id.in_(_since_ids(since)))
    result = conn.execute(stmt, execution_options={"yield_per": HISTORY_BATCH})
    for batch in result.partitions():
        yield from _with_rows(conn, batch)


def _with_rows(conn: Connection, batch: Sequence[Sequence[Any]]) -> Iterator[Block]:
    """``(line, id)`` rows as blocks: runs of lines joined, and the rows whose line is NULL
    read as :func:`decision_batches` reads them, in their place."""
    lines = [line for line, _ in batch]
    if None not in lines:
        yield Written(b"".join(lines), len(lines))
        return
    missing = [i for line, i in batch if line is None]
    stmt = _history_select(conn.dialect.name).where(decisions.c.id.in_(missing))
    raw = {row[0]: row for row in conn.execute(stmt)}
    text: list[bytes] = []
    rows: list[Sequence[Any]] = []
    for line, i in batch:
        if line is None:
            if text:
                yield Written(b"".join(text), len(text))
                text = []
            rows.append(raw[i])
        else:
            if rows:
                yield rows
                rows = []
            text.append(line)
    if text:
        yield Written(b"".join(text), len(text))
    if rows:
        yield rows
