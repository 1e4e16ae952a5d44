"""items.lane (card | digest | quiet) and full-text search over every item

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

The lane says how an item reaches the editors. Rows stored before lanes existed get the lane
today's data says they had: an item that was queued or decided (status other than ``new``) was put
in front of the editors as a card; an item left ``new`` (a source's archive, older than the
backfill window, or not a candidate) was stored and never posted, which is what ``quiet`` means.
NULL stays possible for rows written later by code that does not choose a lane yet.

Full-text search is kept in step by the database itself, so every insert or update path keeps it
current without the application doing anything:
- SQLite: a contentless FTS5 table ``items_fts`` of items.title, summary and publisher, keyed by
  date and id (below), and three triggers on items (insert, delete, update of those columns).
- PostgreSQL: a generated ``items.search_vector`` tsvector column with a GIN index, and an index
  on the date results are sorted by. The separators the PostgreSQL parser would glue into one
  token ("gov.uk", "covid-19", file paths) become spaces first, so a word is a run of letters and
  digits as in SQLite's tokenizer and in the query (curator.store.searchquery).

These objects are written as SQL here, not in curator/store/schema.py: SQLAlchemy cannot describe
them. schema.py names them (is_search_object) so that the schema comparison knows they are expected.
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_LANE = (
    "ALTER TABLE items ADD COLUMN lane VARCHAR(10) "
    "CONSTRAINT ck_items_lane CHECK (lane IN ('card', 'digest', 'quiet'))"
)
_BACKFILL = "UPDATE items SET lane = CASE WHEN status = 'new' THEN 'quiet' ELSE 'card' END"

# The FTS5 rowid is the sort key, not the item id: date (minutes since 1970, published or else
# first seen) times 2**28, plus the item id. Newest-first results then come straight from the
# index in rowid order (no look-up of every matching item to sort them: a common word matches a
# third of a million items), ``since`` is a rowid range, and the id is the key's low 28 bits.
# The table is contentless (it keeps the words, not the text) since its rowids are not items'.
_KEY = (
    "(CAST(strftime('%s', coalesce({r}.published_at, {r}.first_seen_at)) AS INTEGER) / 60)"
    " * 268435456 + {r}.id"
)
# A row the key cannot be made for is refused, rather than indexed under a wrong key.
_GUARD = (
    "SELECT RAISE(ABORT, 'items.id reached 2**28, past the SQLite search key') "
    "WHERE new.id >= 268435456; "
    "SELECT RAISE(ABORT, 'items.published_at or first_seen_at is not a date SQLite can read') "
    "WHERE strftime('%s', coalesce(new.published_at, new.first_seen_at)) IS NULL; "
)
_SQLITE_UP = [
    # Prefix indexes of 3 and 4 letters: the last word of a query matches as a prefix, and
    # without them FTS5 merges the lists of every word a short prefix begins before it can
    # return the newest ("care"* ~100 ms at a million items, under 10 ms with them), at the
    # price of more entries per stored item (benchmarks/search.py measures the cost on write).
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "title, summary, publisher, content='', "
    "tokenize='porter unicode61 remove_diacritics 2', prefix='3 4')",
    f"CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN {_GUARD}"
    f"INSERT INTO items_fts(rowid, title, summary, publisher) "
    f"VALUES ({_KEY.format(r='new')}, new.title, new.summary, new.publisher); END",
    # A contentless index must be told the old values to forget them.
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, title, summary, publisher) "
    f"VALUES ('delete', {_KEY.format(r='old')}, old.title, old.summary, old.publisher); END",
    # Only when a searched column or the date is written: decisions update status on every click.
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary, publisher, published_at, "
    f"first_seen_at ON items BEGIN {_GUARD}"
    "INSERT INTO items_fts(items_fts, rowid, title, summary, publisher) "
    f"VALUES ('delete', {_KEY.format(r='old')}, old.title, old.summary, old.publisher); "
    "INSERT INTO items_fts(rowid, title, summary, publisher) "
    f"VALUES ({_KEY.format(r='new')}, new.title, new.summary, new.publisher); END",
    # Index the rows already there.
    "INSERT INTO items_fts(rowid, title, summary, publisher) "
    f"SELECT {_KEY.format(r='items')}, title, summary, publisher FROM items",
]
_SQLITE_DOWN = [
    "DROP TRIGGER items_fts_update",
    "DROP TRIGGER items_fts_delete",
    "DROP TRIGGER items_fts_insert",
    "DROP TABLE items_fts",
]

_POSTGRESQL_UP = [
    "ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('english'::regconfig, translate("
    "title || ' ' || summary || ' ' || publisher, '.-/_:@~', '       '))) STORED",
    "CREATE INDEX ix_items_search_vector ON items USING gin (search_vector)",
    # Newest first: for a common word the planner walks this index and stops after a page,
    # instead of fetching and sorting every match (the GIN index cannot give them in order).
    "CREATE INDEX ix_items_dated ON items ((coalesce(published_at, first_seen_at)) DESC, id DESC)",
]
_POSTGRESQL_DOWN = [
    "DROP INDEX ix_items_dated",
    "DROP INDEX ix_items_search_vector",
    "ALTER TABLE items DROP COLUMN search_vector",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch "move and copy" of items on SQLite would drop
    # the table under its foreign keys (cascading to predictions and decisions) and its triggers.
    op.execute(_LANE)
    op.execute(_BACKFILL)  # before the search objects: their triggers need not see it
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_UP)
    elif dialect == "postgresql":
        _run(_POSTGRESQL_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(_POSTGRESQL_DOWN)
    op.execute("ALTER TABLE items DROP COLUMN lane")
