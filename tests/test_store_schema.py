from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Connection, Engine, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex

from curator.store import schema
from curator.store.db import open_engine

pytestmark = pytest.mark.storage


def _item(url: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source_id": "dhsc",
        "publisher": "Department of Health and Social Care",
        "title": "A title",
        "title_key": "a title",
        "url": url,
        "canonical_url": url,
        "first_seen_at": datetime(2024, 6, 1, 12, tzinfo=UTC),
    }
    row.update(kw)
    return row


def _spaced(sql: str) -> str:
    """SQL without the spacing, quoting and parentheses two writers may differ in."""
    return re.sub(r'[\s"()]+', " ", sql).strip().lower()


def test_migrations_create_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(schema.metadata.tables) <= tables


def test_migrating_twice_is_harmless(db_url: str) -> None:
    open_engine(db_url).dispose()
    eng = open_engine(db_url)
    assert "items" in inspect(eng).get_table_names()
    eng.dispose()


def test_canonical_url_is_unique(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(schema.items).values(**_item("https://example.org/a")))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(schema.items).values(**_item("https://example.org/a")))


def test_datetimes_come_back_utc_aware(engine: Engine) -> None:
    when = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(schema.items).values(**_item("https://example.org/b", published_at=when))
        )
        got = conn.execute(select(schema.items.c.published_at)).scalar_one()
    assert got == when and got.tzinfo is not None


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            insert(schema.items).values(
                **_item("https://example.org/c", published_at=datetime(2024, 1, 1))
            )
        )


def test_the_migrations_build_exactly_the_declared_schema(engine: Engine) -> None:
    """Alembic's own comparison: no table, column, index or constraint missing or extra."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    # The full-text search objects are SQL the model cannot describe: the comparison leaves out
    # exactly those (checked below), and the next test checks they are there and work.
    left_out: set[tuple[str, str]] = set()

    def include_name(name: str | None, type_: str, _parents: object) -> bool:
        if schema.is_search_object(name, type_):
            left_out.add((type_, str(name)))
            return False
        return True

    # SQLite's reflection cannot read an expression index (SQLAlchemy and Alembic skip it with a
    # warning): there the comparison leaves those out, and their SQL is compared below instead.
    sqlite = engine.dialect.name == "sqlite"
    expression_indexes = {
        str(ix.name): ix
        for ix in schema.items.indexes
        if any(not isinstance(e, Column) for e in ix.expressions)
    }
    assert expression_indexes  # the item date by publisher and by source

    with warnings.catch_warnings(), engine.connect() as conn:
        if sqlite:
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expr")
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, schema.metadata)
    assert diff == []
    if sqlite:
        with engine.connect() as conn:
            created: dict[str, str] = dict(
                conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                ).all()
            )
        for name, ix in expression_indexes.items():
            declared = str(CreateIndex(ix).compile(dialect=engine.dialect))
            assert _spaced(created[name]) == _spaced(declared)
    if engine.dialect.name == "sqlite":
        shadow = {"data", "idx", "docsize", "config"}
        expected = {("table", "items_fts"), *(("table", f"items_fts_{s}") for s in shadow)}
    else:
        expected = {
            ("column", "search_vector"),
            ("index", "ix_items_search_vector"),
            ("index", "ix_items_dated"),
        }
    assert left_out == expected


def test_the_search_index_is_kept_in_step_by_the_database(engine: Engine) -> None:
    """Triggers (SQLite) or a generated column (PostgreSQL) keep the index current whatever
    writes the row: here plain INSERT, UPDATE and DELETE statements that know nothing of search."""
    from curator.store.search import search_items

    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            triggers = set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'items'"
                ).scalars()
            )
        assert triggers == set(schema.SEARCH_TRIGGERS)

    def found(conn: Connection, words: str, since: datetime | None = None) -> list[str]:
        return [f.title for f in search_items(conn, words, since=since)]

    with engine.begin() as conn:
        conn.execute(insert(schema.items).values(**_item("https://example.org/s", title="Lobster")))
        assert found(conn, "lobsters") == ["Lobster"]
        conn.execute(schema.items.update().values(title="Crabs"))
        assert found(conn, "lobster") == []
        assert found(conn, "crab") == ["Crabs"]
        # A new date is a new key on SQLite: found once, by its new date.
        conn.execute(schema.items.update().values(published_at=datetime(2020, 1, 1, tzinfo=UTC)))
        assert found(conn, "crab") == ["Crabs"]
        assert found(conn, "crab", since=datetime(2019, 12, 31, tzinfo=UTC)) == ["Crabs"]
        assert found(conn, "crab", since=datetime(2020, 1, 2, tzinfo=UTC)) == []
        conn.execute(schema.items.delete())
        assert found(conn, "crab") == []
        if engine.dialect.name == "sqlite":  # nothing left behind in the index
            assert conn.exec_driver_sql("SELECT count(*) FROM items_fts_docsize").scalar() == 0


def test_upgrading_a_0001_database_keeps_its_rows(db_url: str) -> None:
    from tests.support.migrations import engine_at

    old = engine_at(db_url, "0001")
    with old.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO source_state (source_id, url, consecutive_failures, items_seen, etag) "
            "VALUES ('dhsc', 'https://www.gov.uk/x.atom', 0, 7, '\"v1\"')"
        )
    old.dispose()

    eng = open_engine(db_url)
    with eng.connect() as conn:
        row = conn.execute(select(schema.source_state)).one()
    eng.dispose()
    assert (row.source_id, row.items_seen, row.etag, row.body_hash) == ("dhsc", 7, '"v1"', None)
    assert (row.parse_warning, row.degraded) == (None, False)


def test_0018_adds_the_listing_columns_empty_and_drops_them_on_downgrade(db_url: str) -> None:
    """A source polled before 0018 has no listing on record (NULL, not 0: "it listed nothing"
    would be a claim); 0018 rewrites no row, and a downgrade drops the columns again."""
    from tests.support.migrations import engine_at, migrate_to

    added = {"entries_listed", "entries_stored_elsewhere", "stored_first_by"}
    old = engine_at(db_url, "0017")
    with old.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO source_state (source_id, url, consecutive_failures, items_seen) "
            "VALUES ('mirror', 'https://example.org/m.atom', 0, 0)"
        )
    assert not added & {c["name"] for c in inspect(old).get_columns("source_state")}
    old.dispose()

    eng = open_engine(db_url)
    try:
        with eng.connect() as conn:
            row = conn.execute(select(schema.source_state)).one()
        assert (row.source_id, row.entries_listed, row.entries_stored_elsewhere) == (
            "mirror",
            None,
            None,
        )
        assert row.stored_first_by is None
        migrate_to(eng, "0017", down=True)
        columns = {c["name"] for c in inspect(eng).get_columns("source_state")}
        assert not added & columns and "moved_to" in columns
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT source_id FROM source_state").scalar() == "mirror"
    finally:
        eng.dispose()
