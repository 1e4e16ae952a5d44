"""The database tables. Changes here need an Alembic migration in ``migrations/versions``.

Unique constraints, not application checks, stop duplicates, even between concurrent workers:
``items.canonical_url``, ``items.govuk_path``, ``predictions(item_id, model_version)``,
``outbox(item_id, channel)`` and ``decisions.idempotency_key``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use UTC-aware values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

#: Per-source fetch and scheduling state (the source list itself lives in sources.yaml).
source_state = Table(
    "source_state",
    metadata,
    Column("source_id", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("next_check_at", UTCDateTime, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_checked_at", UTCDateTime, nullable=True),
    Column("last_ok_at", UTCDateTime, nullable=True),
    Column("last_new_item_at", UTCDateTime, nullable=True),
    Column("feed_title", Text, nullable=True),
    Column("items_seen", Integer, nullable=False, default=0),
    # SHA-256 of the last document parsed and stored whole, with what decides how it is parsed
    # (curator.parse.fingerprint): the same again is not parsed again.
    Column("body_hash", String(64), nullable=True),
    # Refusals in a row (401/403 or a bot-challenge page): a source refused often enough is
    # "blocked" and checked once a day (curator.schedule). Reset by any other outcome.
    Column("consecutive_blocks", Integer, nullable=False, default=0, server_default="0"),
    # How the last document parsed and stored was read: a page selector that matched nothing
    # (parse_warning), or the listing read without the source's broken selectors (degraded).
    # A 304 or an unchanged document keeps them.
    Column("parse_warning", Text, nullable=True),
    Column("degraded", Boolean, nullable=False, default=False, server_default=false()),
    # The last flood of new items (a redesign or a re-listing stored quiet at once): how many,
    # and when. NULL: none.
    Column("flood_items", Integer, nullable=True),
    Column("flood_at", UTCDateTime, nullable=True),
    # Where the permanent redirects (301, 308) from the source's URL led at its last successful
    # check; NULL when its URL answered itself (or redirected only for now).
    Column("moved_to", Text, nullable=True),
    # What the last document parsed and stored listed: its entries, how many of them were
    # publications already stored under another source, and those sources (ids, comma-separated,
    # most such entries first). A source that stores nothing because another stored it all
    # first is redundant, not broken. NULL: no document parsed since these were added (0018).
    Column("entries_listed", Integer, nullable=True),
    Column("entries_stored_elsewhere", Integer, nullable=True),
    Column("stored_first_by", Text, nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
)

#: The condition of the partial index of digest items waiting for the day's roll-up.
DIGEST_BACKLOG = "lane = 'digest' AND status = 'queued' AND digest_listed_at IS NULL"

#: The condition of the partial index of decided items (the source facts count them by source).
DECIDED = "status IN ('accepted', 'rejected')"

#: Every publication seen, once. A rejected item stays as a tombstone (status "rejected").
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(100), nullable=False),
    Column("publisher", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False),  # normalised title for fuzzy dedupe
    Column("url", Text, nullable=False),  # as the feed gave it
    Column("canonical_url", String(2048), nullable=False, unique=True),
    Column("govuk_path", String(1024), nullable=True, unique=True),
    Column("summary", Text, nullable=False, default=""),
    Column("document_type", Text, nullable=True),
    Column("published_at", UTCDateTime, nullable=True),
    Column("first_seen_at", UTCDateTime, nullable=False),
    # new -> (queued ->) accepted | rejected | held
    Column("status", String(20), nullable=False, default="new"),
    # The editor's final labels and edits (None until decided).
    Column("sector", String(40), nullable=True),
    Column("category", String(40), nullable=True),
    Column("edited_title", Text, nullable=True),
    # The publisher as the edition prints it, when an editor changed it (a joint publication:
    # "NSPCC and Baringa"); the feed's stays in ``publisher``, which search reads.
    Column("edited_publisher", Text, nullable=True),
    Column("edited_summary", Text, nullable=True),
    Column("key_findings", JSON, nullable=True),
    # The line before the key findings when it is not "Key findings include:" (a proposal's
    # "<Publisher> recommend:", or an editor's own).
    Column("edited_lead_in", Text, nullable=True),
    Column("edition", String(7), nullable=True),
    Column("position", Integer, nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("version", Integer, nullable=False, default=1),  # optimistic concurrency for decisions
    # card | digest | quiet: how the item reaches the editors (curator.records.Lane). NULL: no
    # lane chosen (rows stored by code that does not choose one yet; older rows were given theirs
    # by the migration that added the column).
    Column(
        "lane",
        String(10),
        CheckConstraint("lane IN ('card', 'digest', 'quiet')", name="lane"),
        nullable=True,
    ),
    # The source's skip/keep rule that kept the new item quiet (curator.rules: "skip rule
    # type ~ 'speech'", "no keep rule matched"); None when no rule did.
    Column("quiet_rule", Text, nullable=True),
    # When the item was listed in the day's roll-up of the digest lane (None: not yet). Set in
    # the transaction that plans the roll-up's messages, so an item is never listed twice.
    Column("digest_listed_at", UTCDateTime, nullable=True),
    # When, and by whom (a Slack user id), an editor made the item a card ("Make a card"); None
    # for a card the poll chose. A candidate's age (for expiry) counts from here when set.
    Column("carded_at", UTCDateTime, nullable=True),
    Column("carded_by", Text, nullable=True),
    # When the item last left the queue undecided after CURATOR_CANDIDATE_DAYS (None: never):
    # a quiet item the editors were shown and let go, not one they never saw.
    Column("expired_at", UTCDateTime, nullable=True),
    # An edition's items, and each edition's accepted count (`curator edition list`) from the
    # index alone.
    Index("ix_items_edition_status", "edition", "status"),
    # Accepted and rejected items by source, counted from the index alone (only those rows).
    Index(
        "ix_items_decided_source",
        "status",
        "source_id",
        sqlite_where=text(DECIDED),
        postgresql_where=text(DECIDED),
    ),
    # Items first seen since a date, by source (the source facts' "new in the last 30 days"):
    # a range of this index, read from the index alone.
    Index("ix_items_seen_source", "first_seen_at", "source_id"),
    # Items by status in id order: the review queue is read a page at a time by keyset
    # (status = 'queued' AND id > last shown), and counted, from this index alone.
    Index("ix_items_status_id", "status", "id"),
    # New items per lane over a recent window (/pulse status, /metrics): a range of this index.
    Index("ix_items_lane_seen", "lane", "first_seen_at"),
    # The digest items still to list: only those rows, so the roll-up and its backlog count read
    # a handful of entries however many items were ever listed. (Lane and status are there for
    # SQLite's planner, which picks the index matching the most equalities.)
    Index(
        "ix_items_digest_backlog",
        "lane",
        "status",
        "id",
        sqlite_where=text(DIGEST_BACKLOG),
        postgresql_where=text(DIGEST_BACKLOG),
    ),
    # The queue by age: expiry reads the candidates first seen before a cutoff from this index
    # alone (the queue only; decided and quiet items are not in it). The status column is there
    # for SQLite's planner, which otherwise prefers ix_items_status_id's equality on status.
    Index(
        "ix_items_queued_seen",
        "status",
        "first_seen_at",
        sqlite_where=text("status = 'queued'"),
        postgresql_where=text("status = 'queued'"),
    ),
)

# An item's date (published, else first seen) by publisher and by source, in two expression
# indexes: queries must say coalesce(published_at, first_seen_at) as written here. The
# near-duplicate check reads a window of days around the dates it stores from the first; the
# source facts read each source's newest date from the second (one index entry per source).
Index(
    "ix_items_publisher_dated",
    items.c.publisher,
    func.coalesce(items.c.published_at, items.c.first_seen_at),
)
Index(
    "ix_items_source_dated",
    items.c.source_id,
    func.coalesce(items.c.published_at, items.c.first_seen_at),
)

#: Full-text search over items (title, summary, publisher), created by migration 0006 in SQL
#: because these Table definitions cannot describe it, and kept in step by the database itself:
#: on SQLite the contentless FTS5 table ``items_fts`` (with its ``items_fts_*`` shadow tables),
#: whose rowid is a sort key (SEARCH_KEY_*), and three triggers on items; on PostgreSQL the
#: generated tsvector column ``items.search_vector`` with its GIN index, and an index on the date
#: results are sorted by. Queried only by curator.store.search.
SEARCH_TABLE = "items_fts"
SEARCH_TRIGGERS = ("items_fts_insert", "items_fts_update", "items_fts_delete")
SEARCH_COLUMN = "search_vector"
SEARCH_INDEXES = ("ix_items_search_vector", "ix_items_dated")
#: SQLite's key: minutes since 1970 (published, else first seen) times 2**28, plus the item id.
SEARCH_KEY_ID_BITS = 28


def is_search_object(name: str | None, type_: str) -> bool:
    """True for a database object of the full-text search above (Alembic's ``include_name``
    hook uses it: the model comparison must neither miss nor propose to drop them)."""
    if name is None:
        return False
    if type_ == "table":
        return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")
    if type_ == "column":
        return name == SEARCH_COLUMN
    if type_ == "index":
        return name in SEARCH_INDEXES
    return False


#: Every prediction ever made, with the model version that made it (never overwritten).
predictions = Table(
    "predictions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("model_version", String(100), nullable=False),
    Column("relevant", Boolean, nullable=False),
    Column("relevance", Float, nullable=False),
    Column("sector", String(40), nullable=False),
    Column("sector_confidence", Float, nullable=False),
    Column("category", String(40), nullable=False),
    Column("category_confidence", Float, nullable=False),
    Column("uncertain", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("item_id", "model_version", name="uq_predictions_item_model"),
    # The newest prediction of each item asked for is the largest id among its index entries.
    Index("ix_predictions_item_newest", "item_id", "id"),
)

#: The audit trail: one row per editor action, never updated or deleted.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(20), nullable=False),  # accept reject relabel edit undo hold move
    Column("sector", String(40), nullable=True),
    Column("category", String(40), nullable=True),
    Column("edition", String(7), nullable=True),
    Column("edits", JSON, nullable=True),
    Column("user_id", String(100), nullable=False),
    Column("user_name", Text, nullable=True),
    Column("via", String(20), nullable=False),  # slack | cli
    Column("previous_state", JSON, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("idempotency_key", String(200), nullable=True, unique=True),
    # The decision's JSON Lines record in the audit export, written when the decision is made
    # (curator.store.trail.write_records): neither a decision nor its item's title, publisher
    # and URL ever change, so it never goes stale, and `curator decisions export` streams it
    # instead of joining every decision to its item and writing it again. NULL: written at
    # export time (rows put in by other means).
    Column("record", Text, nullable=True),
    # Its CSV record, likewise (CRLF ended, formula-like cells quoted): `--format csv`.
    Column("record_csv", Text, nullable=True),
    Index("ix_decisions_item", "item_id"),
    # The decisions made since a date (`curator decisions export --since`).
    Index("ix_decisions_created_at", "created_at"),
)

#: What reading a publication proposed for an item (its summary, key findings and their
#: lead-in, quoted from it), one row per item: read when an editor adds the item by its link or
#: accepts it. ``error`` says why the publication could not be read; ``used_at`` is set when an
#: editor uses the proposal (its text is then the item's own, in ``edited_*``).
item_proposals = Table(
    "item_proposals",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("url", Text, nullable=False),  # the link that was read
    Column("summary", Text, nullable=True),
    Column("key_findings", JSON, nullable=True),
    Column("lead_in", Text, nullable=True),
    Column("provenance", JSON, nullable=True),  # {"summary": "<url> § <heading>", ...}
    Column("missing", JSON, nullable=True),  # {"key_findings": "why nothing was proposed"}
    Column("report_url", Text, nullable=True),
    Column("warnings", JSON, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("used_by", Text, nullable=True),
)


def _posting_columns() -> list[Column[Any]]:
    """The columns of a message to post (a card, a roll-up message): its state, its lease and
    the message it became; :class:`curator.store.posting.Posting` reads and writes them."""
    return [
        Column("status", String(20), nullable=False, default="pending"),  # pending posted failed
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UTCDateTime, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("message_ts", String(40), nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("posted_at", UTCDateTime, nullable=True),
        Column("claimed_by", String(200), nullable=True),
        Column("claimed_until", UTCDateTime, nullable=True),
    ]


#: Slack cards waiting to be posted; a row is posted at most once per channel.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(100), nullable=False),
    *_posting_columns(),
    UniqueConstraint("item_id", "channel", name="uq_outbox_item_channel"),
    # Only the rows still to post: posted rows (kept, they map items to messages) never slow
    # the claim or the pending count. Queries must say status = 'pending' as a literal.
    Index(
        "ix_outbox_pending",
        "channel",
        "id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)

#: The daily roll-up messages of the digest lane ("Also published today"): one row per message,
#: planned with its items before it is posted, posted at most once (like the outbox: claimed,
#: attempts counted, found again in the channel history by its metadata after a crash).
digest_messages = Table(
    "digest_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(100), nullable=False),
    # The item ids listed, in the message's order (also the message metadata's payload).
    Column("item_ids", JSON, nullable=False),
    Column("part", Integer, nullable=False, default=1),  # 1..parts of one roll-up
    Column("parts", Integer, nullable=False, default=1),
    *_posting_columns(),
    # A click on a roll-up's button names its message: found again by (channel, ts).
    Index("ix_digest_messages_message", "channel", "message_ts"),
    Index("ix_digest_messages_status", "status", "id"),
)

#: One edition a month ("2024-07"); accepted items point at one by its id.
editions = Table(
    "editions",
    metadata,
    Column("id", String(7), primary_key=True),
    Column("status", String(10), nullable=False, default="open"),  # open | closed
    Column("opened_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
)

#: Singleton jobs and other small key/value facts (model swap times, last report sent...).
meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
