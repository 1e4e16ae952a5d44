"""The JSON Lines export of stored records (``decisions.record``, written when a decision is made
or by migration 0012; ``curator.store.trail``) is, byte for byte, what ``json.dumps`` of each
row as a dict wrote before: for awkward text in every column (quotes, backslashes, control
characters, U+007F, U+2028/U+2029, emoji, NULLs, empty strings, formula-like cells), any JSON in
``edits`` and ``previous_state``, and times with and without microseconds; decisions with no
stored record are written by ``curator.audit.jsonl_writer`` in their place. On both
databases."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, insert, select, text, update

from curator.audit import FIELDS, jsonl_writer
from curator.commands.decisions import export_blocks, write_csv, write_jsonl
from curator.store import trail
from curator.store.schema import decisions, items

pytestmark = pytest.mark.storage

AWKWARD = "\"\\/\x00\x01\x08\x0c\x1f\x7f\x80\u2028\u2029\ufeff😀é—“\n\r\t =+-@'u"
CHARS = st.sampled_from(AWKWARD) | st.characters(exclude_categories=["Cs"])
TEXT = st.text(CHARS, max_size=12)
# (PostgreSQL's json type takes no NaN or Infinity.)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
# A JSON column holds a dict or a list (edits, the previous state): a number alone would come
# back changed from SQLite's NUMERIC affinity on both paths (stored "1.0" reads back as 1).
JSON_CELLS = st.dictionaries(TEXT, JSON_VALUES, max_size=4) | st.lists(JSON_VALUES, max_size=4)
ASCII_JSON = st.dictionaries(
    st.text("abc_", max_size=4), st.none() | st.integers() | st.text("ab \"'\\/", max_size=4)
)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)).map(
    lambda t: t.replace(microsecond=0)
)
_n = itertools.count(1)


@st.composite
def decisions_(draw: Any, postgres: bool) -> dict[str, Any]:
    """A decision with its item's text: the row as the export wrote it (a dict)."""
    text = TEXT.map(lambda t: t.replace("\x00", "")) if postgres else TEXT  # PG text holds no NUL
    maybe = st.none() | text
    return {
        "item_title": draw(text),
        "publisher": draw(text),
        "url": draw(text),
        "action": draw(text),
        "sector": draw(maybe),
        "category": draw(maybe),
        "edition": draw(st.none() | text.map(lambda t: t[:7])),
        "edits": draw(st.none() | ASCII_JSON | JSON_CELLS),
        "user_id": draw(text),
        "user_name": draw(maybe),
        "via": draw(text),
        "created_at": draw(TIMES),
        "previous_state": draw(st.none() | ASCII_JSON | JSON_CELLS),
    }


def store(
    engine: Engine, trail_rows: list[dict[str, Any]], recorded: list[bool] | None = None
) -> str:
    """Put the rows in the database (a fresh trail), write the stored record of those marked in
    ``recorded`` (default: all), and return what the export wrote before records were stored."""
    with engine.begin() as conn:
        conn.execute(delete(decisions))
        conn.execute(delete(items))
        expected = []
        for row in trail_rows:
            n = next(_n)
            item_id = conn.execute(
                insert(items)
                .values(
                    source_id="s",
                    publisher=row["publisher"],
                    title=row["item_title"],
                    title_key=f"k{n}",
                    url=row["url"],
                    canonical_url=f"https://x.example/{n}",
                    first_seen_at=row["created_at"],
                    status="queued",
                )
                .returning(items.c.id)
            ).scalar_one()
            values = {k: row[k] for k in FIELDS if k in decisions.c and k != "item_id"}
            decision_id = conn.execute(
                insert(decisions).values(item_id=item_id, **values).returning(decisions.c.id)
            ).scalar_one()
            as_dict = {
                **row,
                "decision_id": decision_id,
                "item_id": item_id,
                "created_at": row["created_at"].isoformat(),
            }
            expected.append(json.dumps({k: as_dict[k] for k in FIELDS}, ensure_ascii=False))
            if recorded is None or recorded[len(expected) - 1]:
                assert trail.write_records(conn, [decision_id]) == 2  # JSON Lines and CSV
    return "".join(line + "\n" for line in expected)


def exported(engine: Engine) -> tuple[str, list[Any]]:
    """The JSON Lines export's text, written as to a file (stored records go to the bytes
    beneath) and to a text buffer (decoded): the same both ways. The CSV export, checked on
    the way, is what the CSV writer makes of the rows (stored records and rows mixed the same
    way)."""
    blocks = list(export_blocks(engine))
    as_text = io.StringIO()
    assert write_jsonl(iter(blocks), as_text) == as_text.getvalue().count("\n")  # one a record
    as_file = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    write_jsonl(iter(blocks), as_file)
    as_file.flush()
    assert as_file.buffer.getvalue().decode("utf-8") == as_text.getvalue()
    assert exported_csv(engine) == written_csv(engine)
    return as_text.getvalue(), blocks


def exported_csv(engine: Engine) -> str:
    """The CSV export of the stored records (and rows without one), to a text buffer and as to
    a file: the same both ways."""
    blocks = list(export_blocks(engine, fmt="csv"))
    as_text = io.StringIO(newline="")
    count = write_csv(iter(blocks), as_text)
    assert count == sum(b.records if isinstance(b, trail.Written) else len(b) for b in blocks)
    as_file = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    write_csv(iter(blocks), as_file)
    as_file.flush()
    assert as_file.buffer.getvalue().decode("utf-8") == as_text.getvalue()
    return as_text.getvalue()


def written_csv(engine: Engine) -> str:
    """The CSV the writer makes of the rows themselves (``tests/test_decisions_export.py``
    pins it against ``csv.DictWriter``)."""
    out = io.StringIO(newline="")
    with engine.connect() as conn:
        write_csv([list(trail.decision_history(conn))], out)
    return out.getvalue()


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Batches of 3 records: boundaries, and batches mixing the two writers.
    monkeypatch.setattr(trail, "HISTORY_BATCH", 3)
    yield


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_stored_records_are_what_the_dict_writer_wrote(
    engine: Engine, small_batches: None, data: Any
) -> None:
    postgres = engine.dialect.name == "postgresql"
    rows = data.draw(st.lists(decisions_(postgres), max_size=8))
    recorded = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    expected = store(engine, rows, recorded)
    got, blocks = exported(engine)
    assert got == expected
    assert sum(b.records for b in blocks if isinstance(b, trail.Written)) == sum(recorded)


PLAIN = {
    "item_title": 'A "quoted"\\ title\u2028',
    "publisher": "Ofsted",
    "url": "https://x.example/a",
    "action": "accept",
    "sector": None,
    "category": "reports",
    "edition": "2024-06",
    "edits": {"summary": "New."},
    "user_id": "U1",
    "user_name": "Zoë",
    "via": "slack",
    "created_at": datetime(2024, 6, 3, 9, tzinfo=UTC),
    "previous_state": {"status": "queued", "decided_by": "Zoë"},
}


@pytest.mark.parametrize("chunked", [True, False], ids=["stream", "cursor"])
def test_stored_records_come_written_and_the_rest_in_their_place(
    engine: Engine, small_batches: None, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    """Stored records in blocks, the rows without one in their place. On PostgreSQL both ways
    of reading: streamed (libpq 17's chunked rows) and, with an older libpq (psycopg built
    against the system's), through a server-side cursor: the same bytes, in the same blocks."""
    monkeypatch.setattr(trail, "_chunked_rows", lambda: chunked)
    recorded = [True, True, False, True, True, True, False, False, True]
    expected = store(engine, [PLAIN] * len(recorded), recorded)
    got, blocks = exported(engine)
    assert got == expected
    # batches of 3: two stored and one row; three stored; two rows and one stored
    sizes = [b.records if isinstance(b, trail.Written) else -len(b) for b in blocks]
    assert sizes == [2, -1, 3, -2, 1]


def test_filling_writes_each_missing_record_once(engine: Engine, small_batches: None) -> None:
    """Years of decisions are filled a batch at a time (keyset by id), each record once, and a
    second fill finds nothing left to write."""
    expected = store(engine, [PLAIN] * 8, [False] * 8)
    with engine.begin() as conn:
        assert trail.write_records(conn, fmt="jsonl") == 8
        assert trail.write_records(conn) == 8  # the CSV ones
        assert trail.write_records(conn) == 0
    got, blocks = exported(engine)
    assert got == expected
    assert all(isinstance(b, trail.Written) for b in blocks)


def test_the_export_streams_and_lets_writers_write(engine: Engine, small_batches: None) -> None:
    """A batch at a time (on PostgreSQL one query that the server streams, read in chunks of a
    batch), and on SQLite without the write lock: the bot records decisions while an export
    reads for seconds."""
    t0 = datetime(2024, 6, 3, 9, tzinfo=UTC)
    plain = {k: "x" for k in ("item_title", "publisher", "url", "action", "user_id", "via")}
    row = {**plain, "sector": None, "category": None, "edition": None, "edits": None}
    store(engine, [{**row, "user_name": None, "created_at": t0, "previous_state": None}] * 20)
    with engine.connect() as conn:
        blocks = trail.stored_blocks(conn)
        first = next(blocks)
        assert isinstance(first, trail.Written) and first.records == 3
        with engine.begin() as writer:  # SQLite: would wait for the lock, then fail
            writer.execute(update(items).values(summary="edited meanwhile"))
        rest = list(blocks)
    counts = [b.records if isinstance(b, trail.Written) else len(b) for b in rest]
    assert counts == [3] * 5 + [2]


def test_an_export_stopped_early_leaves_its_connection_usable(
    engine: Engine, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that stops (``curator decisions export | head``, a full disk) stops the read:
    on PostgreSQL the streaming query is cancelled while the server is still sending (1,000
    records of 40 kB, more than a socket holds), no query or cursor is left behind, and the
    connection reads again."""
    store(engine, [{**PLAIN, "previous_state": {"notes": "x" * 40_000}}] * 1000)
    monkeypatch.setattr(trail, "HISTORY_BATCH", 100)
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        blocks = trail.stored_blocks(conn)
        assert isinstance(next(blocks), trail.Written)
        blocks.close()
        assert conn.execute(select(func.count()).select_from(decisions)).scalar_one() == 1000
        if postgres:
            assert conn.execute(text("SELECT count(*) FROM pg_cursors")).scalar_one() == 0
            others = text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND pid <> pg_backend_pid() AND query LIKE '%decisions.record%'"
            )
            assert conn.execute(others).scalar_one() == 0


def test_a_decision_is_recorded_as_it_is_made(engine: Engine) -> None:
    """``decide`` writes the record in the decision's own transaction: the export of it is the
    row's, and is there before any export runs."""
    from curator.store.decisions import Actor, decide
    from tests.support.factories import add_item

    item = add_item(engine, title='Care, "quoted"\nand multi-line')
    who = Actor("U1", "Zoë", "slack")
    decide(engine, item, "accept", who, sector="criminal_justice", category="reports")
    decide(engine, item, "edit", who, edits={"summary": "New.", "key_findings": ["é", "y"]})
    with engine.connect() as conn:
        stored = conn.execute(select(decisions.c.record).order_by(decisions.c.id)).scalars().all()
        as_csv = conn.execute(select(decisions.c.record_csv).order_by(decisions.c.id)).scalars()
        rows = list(trail.decision_history(conn))
    assert len(stored) == 2 and json.loads(stored[1])["edits"]["key_findings"] == ["é", "y"]
    assert "".join(stored) == jsonl_writer()(rows)
    assert "".join(as_csv) == written_csv(engine).split("\r\n", 1)[1]  # less the header


def test_upgrading_writes_the_records_of_decisions_made_before(db_url: str) -> None:
    """Migrations 0012 and 0013 write the JSON Lines and CSV records of every decision an older
    database holds: the export after the upgrade is the one before, all of it stored records."""
    from curator.store.db import open_engine
    from tests.support.migrations import engine_at, migrate_to

    old = engine_at(db_url, "0011")
    expected = store(old, [PLAIN, {**PLAIN, "edits": None, "user_name": None}] * 3, [False] * 6)
    old.dispose()

    for _ in range(2):  # upgraded, then downgraded (the column dropped) and upgraded again
        eng = open_engine(db_url)
        try:
            got, blocks = exported(eng)
            as_csv = list(export_blocks(eng, fmt="csv"))
            migrate_to(eng, "0011", down=True)
        finally:
            eng.dispose()
        assert got == expected
        assert [b.records for b in blocks if isinstance(b, trail.Written)] == [6]
        assert [b.records for b in as_csv if isinstance(b, trail.Written)] == [6]  # 0013's
