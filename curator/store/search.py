"""Full-text search over every stored item: one function for both databases.

The index itself is kept current by the database (migration 0006: a contentless FTS5 table and
triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL), so whatever code
writes an item, the next search sees it. This module only reads: one statement per page,
returning each item with its lane, status and latest prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import REGCONFIG

from curator.records import STATUS_WORDS, Lane
from curator.store.schema import (
    SEARCH_COLUMN,
    SEARCH_KEY_ID_BITS,
    SEARCH_TABLE,
    UTCDateTime,
    items,
    predictions,
)
from curator.store.searchquery import SearchWords, parse_query

#: Results per page unless the caller says otherwise.
DEFAULT_LIMIT = 50

#: The date "newest first" sorts by, and ``since`` compares with: when it was published, or for
#: an undated item when it was first seen.
item_date = func.coalesce(items.c.published_at, items.c.first_seen_at, type_=UTCDateTime)


@dataclass(frozen=True)
class FoundItem:
    """One search result: the item, how it reached the editors, and what the model said."""

    id: int
    title: str
    url: str
    publisher: str
    published_at: datetime | None
    first_seen_at: datetime
    #: card | digest | quiet; None for an item stored without one.
    lane: Lane | None
    status: str
    #: The latest prediction's labels and relevance; None when the item was never classified.
    sector: str | None
    category: str | None
    relevance: float | None
    #: The source's skip/keep rule that kept the item quiet (None: no rule did).
    quiet_rule: str | None = None

    @property
    def status_words(self) -> str:
        """The status as editors read it ("not decided" for ``new``); ``status`` is kept as
        stored, for ``--json``."""
        return STATUS_WORDS.get(self.status, self.status)

    @property
    def dated(self) -> datetime:
        """The date results are ordered by: published, or first seen when undated."""
        return self.published_at or self.first_seen_at

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "publisher": self.publisher,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "lane": self.lane,
            "status": self.status,
            "sector": self.sector,
            "category": self.category,
            "relevance": self.relevance,
            "quiet_rule": self.quiet_rule,
        }


def search_items(
    conn: Connection,
    query: str | SearchWords,
    since: datetime | None = None,
    lane: Lane | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[FoundItem]:
    """Items whose title, summary or publisher contain every word of ``query`` (the last as a
    prefix), newest first; dated on or after ``since`` (UTC-aware) and in ``lane`` when given.

    ``query`` is what a user typed, taken as plain words (see curator.store.searchquery): no
    input is a syntax error. A query with no words worth searching finds nothing. On SQLite,
    dates are compared and ordered to the minute (items of the same minute: newest stored
    first)."""
    words = query if isinstance(query, SearchWords) else parse_query(query)
    if not words or limit <= 0:
        return []
    if conn.dialect.name == "postgresql":
        matches, params = _postgresql_page(words, since, lane)
    else:
        matches, params = _sqlite_page(words, since, lane)
    page = matches.limit(limit).offset(offset).subquery("page")
    rows = conn.execute(_with_prediction(page), params).all()
    return [
        FoundItem(
            id=r.id,
            title=r.title,
            url=r.url,
            publisher=r.publisher,
            published_at=r.published_at,
            first_seen_at=r.first_seen_at,
            lane=cast("Lane | None", r.lane),
            status=r.status,
            sector=r.sector,
            category=r.category,
            relevance=r.relevance,
            quiet_rule=r.quiet_rule,
        )
        for r in rows
    ]


def _postgresql_page(
    words: SearchWords, since: datetime | None, lane: Lane | None
) -> tuple[Select[Any], dict[str, Any]]:
    """The ids of one page of matches, newest first. The planner either reads the GIN index and
    sorts the matches (a rare word) or walks the date index until a page matched (a common one)."""
    vector: ColumnElement[Any] = literal_column(f"items.{SEARCH_COLUMN}")
    tsquery = func.to_tsquery(literal_column("'english'", REGCONFIG), bindparam("match"))
    stmt = select(items.c.id, item_date.label("sort")).where(vector.op("@@")(tsquery))
    if since is not None:
        stmt = stmt.where(item_date >= since)
    if lane is not None:
        stmt = stmt.where(items.c.lane == lane)
    stmt = stmt.order_by(item_date.desc(), items.c.id.desc())
    return stmt, {"match": words.tsquery()}


def _sqlite_page(
    words: SearchWords, since: datetime | None, lane: Lane | None
) -> tuple[Select[Any], dict[str, Any]]:
    """The ids of one page of matches, newest first, in the FTS index's own rowid order (the
    rowid is the date-and-id key the migration defines): FTS5 stops after one page."""
    fts = table(SEARCH_TABLE, column("rowid", Integer))
    item_id = fts.c.rowid.op("&")(_ID_MASK)
    stmt = select(item_id.label("id"), fts.c.rowid.label("sort")).where(
        literal_column(SEARCH_TABLE).op("MATCH")(bindparam("match"))
    )
    if since is not None:
        stmt = stmt.where(fts.c.rowid >= search_key_from(since))
    if lane is not None:
        stmt = stmt.join(items, items.c.id == item_id).where(items.c.lane == lane)
    return stmt.order_by(fts.c.rowid.desc()), {"match": words.fts5()}


_ID_MASK = (1 << SEARCH_KEY_ID_BITS) - 1


def search_key_from(when: datetime) -> int:
    """The smallest SQLite search key of an item dated at or after ``when`` (to the minute)."""
    minutes = -(-int(when.timestamp()) // 60)  # rounded up: nothing before ``when``
    return minutes << SEARCH_KEY_ID_BITS


def _with_prediction(page: Any) -> Select[Any]:
    """The page's items with their latest prediction, in the page's order: one statement, the
    prediction looked up only for the rows of the page."""
    newer = predictions.alias("newer")
    latest = (
        select(func.max(newer.c.id))
        .where(newer.c.item_id == page.c.id)
        .correlate(page)
        .scalar_subquery()
    )
    return (
        select(
            items.c.id,
            items.c.title,
            items.c.url,
            items.c.publisher,
            items.c.published_at,
            items.c.first_seen_at,
            items.c.lane,
            items.c.status,
            items.c.quiet_rule,
            predictions.c.sector,
            predictions.c.category,
            predictions.c.relevance,
        )
        .select_from(page)
        .join(items, items.c.id == page.c.id)
        .outerjoin(predictions, predictions.c.id == latest)
        .order_by(page.c.sort.desc(), page.c.id.desc())
    )
