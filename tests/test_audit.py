"""The export's row formats (curator.audit) write what ``json.dumps`` of the row as a dict and
``csv.DictWriter`` of its :func:`csv_cell` cells wrote before they were made faster: the same
bytes for any text, any JSON and any stored time."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from curator.audit import FIELDS, JsonCells, csv_cell, csv_writer, iso_utc, jsonl_writer

STARTS = st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", " ", "'", '"', ",", "\n"])
TEXT = st.builds(lambda a, b: a + b, STARTS, st.text(max_size=30))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


def stored_time(when: datetime) -> str:
    """How SQLite keeps an aware UTC time (SQLAlchemy's format for the naive UTC datetime)."""
    return when.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


@st.composite
def rows(draw: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A stored row and the dict the export built from it before (values as Python's)."""
    when = draw(TIMES)
    edits = draw(st.none() | JSON_VALUES)
    state = draw(st.none() | st.dictionaries(st.text(max_size=8), JSON_VALUES))
    text = {k: draw(TEXT) for k in ("item_title", "publisher", "url", "action", "user_id", "via")}
    maybe = {k: draw(st.none() | TEXT) for k in ("sector", "category", "edition", "user_name")}
    ids = draw(st.integers(1, 10**9)), draw(st.integers(1, 10**9))
    as_dict = {
        "decision_id": ids[0],
        "item_id": ids[1],
        **text,
        **maybe,
        "edits": edits,
        "created_at": when.isoformat(),
        "previous_state": state,
    }
    stored = {
        **as_dict,
        "edits": None if edits is None else json.dumps(edits),
        "previous_state": None if state is None else json.dumps(state),
        "created_at": stored_time(when),
    }
    return tuple(stored[k] for k in FIELDS), {k: as_dict[k] for k in FIELDS}


@settings(max_examples=150, deadline=None)
@given(st.lists(rows(), max_size=6))
def test_jsonl_and_csv_are_what_the_dict_writers_made(batch: list[Any]) -> None:
    stored = [s for s, _ in batch]
    before = [d for _, d in batch]
    expected = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in before)
    write = jsonl_writer()
    assert write(stored) == expected
    assert write(stored) == expected  # again, from what it remembered

    old = io.StringIO()
    writer = csv.DictWriter(old, fieldnames=FIELDS, lineterminator="\r\n")
    for d in before:
        writer.writerow({k: csv_cell(v) for k, v in d.items()})
    new = io.StringIO()
    csv.writer(new, lineterminator="\r\n").writerows(csv_writer()(stored))
    assert new.getvalue() == old.getvalue()


@given(TIMES)
def test_iso_utc_is_isoformat_of_the_aware_time(when: datetime) -> None:
    assert iso_utc(stored_time(when)) == when.isoformat()


def test_iso_utc_reads_other_forms_of_a_time() -> None:
    assert iso_utc("2024-06-03 09:00:00") == "2024-06-03T09:00:00+00:00"
    assert iso_utc("2024-06-03T10:00:00.5+01:00") == "2024-06-03T09:00:00.500000+00:00"
    whole = datetime(2024, 6, 3, 9, tzinfo=UTC)
    assert iso_utc(stored_time(whole)) == "2024-06-03T09:00:00+00:00"
    assert iso_utc(stored_time(whole + timedelta(microseconds=7))) == (
        "2024-06-03T09:00:00.000007+00:00"
    )


def test_json_cells_are_made_once_and_stay_few_however_many_values() -> None:
    made: list[Any] = []

    def cell(value: Any) -> str:
        made.append(value)
        return repr(value)

    cells = JsonCells(cell)
    for _ in range(3):
        assert cells('{"a": 1}') == "{'a': 1}"
        assert cells(None) == "None"  # SQL NULL
    assert made == [None, {"a": 1}]  # each made once
    for n in range(JsonCells.LIMIT * 3):
        assert cells(str(n)) == str(n)
    assert len(cells._seen) <= JsonCells.LIMIT
