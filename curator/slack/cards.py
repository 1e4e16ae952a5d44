"""What a card shows: the item, its latest prediction, who decided it, read from the store.

Cards are built a page at a time: one query for the items, one for their predictions and (for
decided items) one for who decided them, however many cards the page holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.edition.proposed import findings_of
from curator.slack.blocks import Card
from curator.store.decisions import UNDECIDED, Decider, last_deciders
from curator.store.handles import Connection
from curator.store.item_reads import StoredItem, get_item, queued_page
from curator.store.predictions import StoredPrediction, latest_predictions

#: Cards read at a time from the queue: enough to keep an editor busy, few enough to show the
#: first at once however long the queue has grown.
PAGE = 50


def card_of(item: StoredItem, pred: StoredPrediction | None, who: Decider | None) -> Card:
    """The card of ``item``, given its latest prediction and who made its standing decision."""
    return Card(
        item_id=item.id,
        title=item.edited_title or item.title,
        url=item.url,
        publisher=item.edited_publisher or item.publisher,
        source_id=item.source_id,
        summary=item.edited_summary or item.summary or "",
        published_at=item.published_at,
        document_type=item.document_type,
        key_findings=findings_of(item.key_findings),
        lead_in=item.edited_lead_in,
        status=item.status,
        sector=item.sector,
        category=item.category,
        edition=item.edition,
        decided_by_id=who.user_id if who else None,
        decided_by_name=(who.user_name if who else None) or item.decided_by,
        decided_via=who.via if who else None,
        predicted_sector=pred.sector if pred else None,
        sector_confidence=pred.sector_confidence if pred else None,
        predicted_category=pred.category if pred else None,
        category_confidence=pred.category_confidence if pred else None,
        uncertain=pred.uncertain if pred else False,
        lane=item.lane,
        quiet_rule=item.quiet_rule,
    )


def cards_of(conn: Connection, items: Sequence[StoredItem]) -> list[Card]:
    """The cards of ``items``, in their order."""
    predicted = latest_predictions(conn, [i.id for i in items])
    decided = [i.id for i in items if i.status not in UNDECIDED]
    deciders = last_deciders(conn, decided) if decided else {}
    return [card_of(i, predicted.get(i.id), deciders.get(i.id)) for i in items]


def load_card(conn: Connection, item_id: int) -> Card | None:
    item = get_item(conn, item_id)
    return None if item is None else cards_of(conn, [item])[0]


def queued_cards(
    conn: Connection,
    *,
    after_id: int | None = None,
    upto_id: int | None = None,
    limit: int = PAGE,
    digest: bool | None = None,
) -> list[Card]:
    """One page of candidates waiting for an editor (status ``queued``), oldest first: those
    with ids after ``after_id`` (the last card of the previous page), up to ``upto_id``; with
    ``digest`` True only the digest lane's, False all but those, None all."""
    return cards_of(
        conn,
        queued_page(conn, after_id=after_id, upto_id=upto_id, limit=limit, digest=digest),
    )
