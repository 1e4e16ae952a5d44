"""The audit trail's export formats, row by row: JSON Lines and CSV (pure; no I/O).

A row is a tuple in :data:`FIELDS` order (as ``curator.store.trail`` reads it), values as the
database keeps them: JSON columns as their stored text, ``created_at`` as the UTC text
``YYYY-MM-DD HH:MM:SS.ffffff``. Each line is written straight from those values: the same
bytes as ``json.dumps`` of the row as a dict (``ensure_ascii=False``) and ``csv.DictWriter`` of
it gave before, for a fraction of the time per row (``tests/test_decisions_export.py`` pins the
bytes).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import IO, Any

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

#: A cell starting with one of these is a formula to a spreadsheet (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS)  # each one character


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: dicts and lists as JSON, and text that a spreadsheet would run as
    a formula (a feed title ``=HYPERLINK(...)``, a Slack name ``@SUM(...)``) prefixed with a
    single quote, OWASP's rule, so it shows as text. Numbers stay numbers."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def iso_utc(stored: str) -> str:
    """A stored UTC time as ``datetime.isoformat`` writes the aware datetime
    (``2024-06-03T09:00:00+00:00``, microseconds only when there are some). The store's own
    ``YYYY-MM-DD HH:MM:SS.ffffff`` is rewritten as text; anything else is parsed (a time
    without a zone is UTC, as the store reads it)."""
    if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        fraction = stored[19:]
        if fraction == ".000000":
            fraction = ""
        return f"{stored[:10]}T{stored[11:19]}{fraction}+00:00"
    when = datetime.fromisoformat(stored)
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.isoformat()


class JsonCells:
    """Stored JSON text -> the text of its cell, remembered: an audit trail repeats the same
    few values (every first decision on a waiting item saves the same ``previous_state``, most
    decisions have no ``edits``), so most rows cost a dictionary look-up instead of parsing and
    writing the JSON again. Exact for any text (the cell is computed from it the first time);
    at most :data:`LIMIT` texts are kept, so memory stays flat however long the trail."""

    LIMIT = 256

    def __init__(self, cell: Callable[[Any], Any]) -> None:
        self._cell = cell
        self._seen: dict[str, Any] = {}
        self._null = cell(None)  # SQL NULL (PostgreSQL keeps a missing value so)

    def __call__(self, stored: str | None) -> Any:
        if stored is None:
            return self._null
        seen = self._seen
        try:
            return seen[stored]
        except KeyError:
            pass
        if len(seen) >= self.LIMIT:
            seen.clear()
        made = seen[stored] = self._cell(json.loads(stored))
        return made


#: The fixed text of a JSON Lines record around its values: ``JSONL_PIECES[i]`` goes before
#: the value of ``FIELDS[i]``, the last piece ends the line.
JSONL_PIECES: tuple[str, ...] = (
    *(("{" if i == 0 else ", ") + f"{json.dumps(k)}: " for i, k in enumerate(FIELDS)),
    "}\n",
)

#: One JSON Lines record, keys in :data:`FIELDS` order, each value already JSON text.
_JSONL_LINE = "%s".join(p.replace("%", "%%") for p in JSONL_PIECES)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def jsonl_writer() -> Callable[[Sequence[Sequence[Any]]], str]:
    """A function from a batch of rows to their JSON Lines records, as ``json.dumps(row,
    ensure_ascii=False)`` of each row as a dict writes them; it remembers JSON cells across
    batches (:class:`JsonCells`)."""
    q = encode_basestring  # json's own string quoting, as with ensure_ascii=False
    as_json = JsonCells(_json_text)
    line = _JSONL_LINE

    def write(rows: Sequence[Sequence[Any]]) -> str:
        return "".join(
            [
                line
                % (
                    decision_id,
                    item_id,
                    q(title),
                    q(publisher),
                    q(url),
                    q(action),
                    "null" if sector is None else q(sector),
                    "null" if category is None else q(category),
                    "null" if edition is None else q(edition),
                    as_json(edits),
                    q(user_id),
                    "null" if user_name is None else q(user_name),
                    q(via),
                    q(iso_utc(created_at)),
                    as_json(previous_state),
                )
                for (
                    decision_id,
                    item_id,
                    title,
                    publisher,
                    url,
                    action,
                    sector,
                    category,
                    edition,
                    edits,
                    user_id,
                    user_name,
                    via,
                    created_at,
                    previous_state,
                ) in rows
            ]
        )

    return write


def csv_writer() -> Callable[[Sequence[Sequence[Any]]], list[list[Any]]]:
    """A function from a batch of rows to their CSV records' cells, as :func:`csv_cell` makes
    each value (text cells checked inline: a function call per cell was most of a row's time);
    it remembers JSON cells across batches (:class:`JsonCells`)."""
    f = _FORMULA_CHARS
    as_cell = JsonCells(csv_cell)

    def write(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        # `x and (...)`: None and "" stay as they are; the rest gets a quote in front when its
        # first character starts a formula.
        return [
            [
                decision_id,
                item_id,
                title and (title if title[0] not in f else "'" + title),
                publisher and (publisher if publisher[0] not in f else "'" + publisher),
                url and (url if url[0] not in f else "'" + url),
                action and (action if action[0] not in f else "'" + action),
                sector and (sector if sector[0] not in f else "'" + sector),
                category and (category if category[0] not in f else "'" + category),
                edition and (edition if edition[0] not in f else "'" + edition),
                as_cell(edits),
                user_id and (user_id if user_id[0] not in f else "'" + user_id),
                user_name and (user_name if user_name[0] not in f else "'" + user_name),
                via and (via if via[0] not in f else "'" + via),
                iso_utc(created_at),
                as_cell(previous_state),
            ]
            for (
                decision_id,
                item_id,
                title,
                publisher,
                url,
                action,
                sector,
                category,
                edition,
                edits,
                user_id,
                user_name,
                via,
                created_at,
                previous_state,
            ) in rows
        ]

    return write


def csv_out(out: IO[str]) -> Any:
    """The export's CSV writer on ``out``: CRLF ends a record (RFC 4180), and it also makes the
    writer quote any cell holding a carriage return (with "\\n" alone a bare "\\r" went out
    unquoted and broke the row)."""
    return csv.writer(out, lineterminator="\r\n")


def csv_lines() -> Callable[[Sequence[Sequence[Any]]], list[str]]:
    """A function from a batch of rows to their CSV records, one string each (CRLF ended), as
    :func:`csv_out` writes :func:`csv_writer`'s cells: what ``curator.store.trail`` stores."""
    cells = csv_writer()
    buffer = io.StringIO()
    writer = csv_out(buffer)

    def write(rows: Sequence[Sequence[Any]]) -> list[str]:
        lines = []
        for row in cells(rows):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(row)
            lines.append(buffer.getvalue())
        return lines

    return write
