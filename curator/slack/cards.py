"""Read what a card shows from the store: the item, its latest prediction, who decided it."""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, select

from curator.slack.blocks import Card
from curator.store.schema import decisions, items, predictions

DECIDING_ACTIONS = ("accept", "reject", "hold")


def _latest_prediction(conn: Connection, item_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(predictions)
            .where(predictions.c.item_id == item_id)
            .order_by(predictions.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )


def _decider(conn: Connection, item_id: int) -> RowMapping | None:
    return (
        conn.execute(
            select(decisions.c.user_id, decisions.c.user_name, decisions.c.via)
            .where(decisions.c.item_id == item_id)
            .where(decisions.c.action.in_(DECIDING_ACTIONS))
            .order_by(decisions.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )


def card_from_row(conn: Connection, row: RowMapping) -> Card:
    pred = _latest_prediction(conn, row["id"])
    decided = row["status"] not in ("new", "queued")
    who = _decider(conn, row["id"]) if decided else None
    return Card(
        item_id=row["id"],
        title=row["edited_title"] or row["title"],
        url=row["url"],
        publisher=row["publisher"],
        source_id=row["source_id"],
        summary=row["edited_summary"] or row["summary"] or "",
        published_at=row["published_at"],
        document_type=row["document_type"],
        key_findings=tuple(row["key_findings"] or ()),
        status=row["status"],
        sector=row["sector"],
        category=row["category"],
        edition=row["edition"],
        decided_by_id=who["user_id"] if who else None,
        decided_by_name=(who["user_name"] if who else None) or row["decided_by"],
        decided_via=who["via"] if who else None,
        predicted_sector=pred["sector"] if pred else None,
        sector_confidence=pred["sector_confidence"] if pred else None,
        predicted_category=pred["category"] if pred else None,
        category_confidence=pred["category_confidence"] if pred else None,
        uncertain=bool(pred["uncertain"]) if pred else False,
    )


def load_card(conn: Connection, item_id: int) -> Card | None:
    row = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    return None if row is None else card_from_row(conn, row)


def queued_cards(conn: Connection, limit: int | None = None) -> list[Card]:
    """Candidates waiting for an editor (status ``queued``), oldest first."""
    stmt = select(items).where(items.c.status == "queued").order_by(items.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [card_from_row(conn, row) for row in conn.execute(stmt).mappings().all()]
