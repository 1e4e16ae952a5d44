"""Proposals read from publications: one per item, kept apart from the item's own text.

An item's proposal (its summary, key findings and their lead-in, quoted from the publication)
is written when an editor adds the item by its link or accepts it, never for every polled item.
It stays a proposal until an editor uses it (``use_proposal`` in :mod:`curator.store.decisions`,
which copies it into the item's edited text and sets ``used_at``) or writes their own text: an
editor's summary, key findings or lead-in saved after its reading *began* (:func:`text_saved_since`
from the audit trail: a large PDF takes seconds to read, and an edit saved meanwhile is the
newer) supersedes it, until the publication is read again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from curator.store.schema import decisions, item_proposals, items

#: The parts of an edit (a decision's ``edits``) that are the editors' own text, the parts a
#: proposal would write over.
TEXT_EDITS = ("summary", "key_findings", "lead_in")


@dataclass(frozen=True)
class NewProposal:
    """What reading a publication proposed for one item (or, with ``error``, why it could not
    be read)."""

    url: str
    summary: str | None = None
    key_findings: Sequence[str] = ()
    lead_in: str | None = None
    provenance: Mapping[str, str] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    report_url: str | None = None
    warnings: Sequence[str] = ()
    error: str | None = None

    @property
    def has_text(self) -> bool:
        """Whether anything was proposed (a summary or key findings)."""
        return bool(self.summary or self.key_findings)


@dataclass(frozen=True)
class StoredProposal:
    item_id: int
    url: str
    summary: str | None
    key_findings: tuple[str, ...]
    lead_in: str | None
    provenance: dict[str, str]
    missing: dict[str, str]
    report_url: str | None
    warnings: tuple[str, ...]
    error: str | None
    created_at: datetime
    used_at: datetime | None
    used_by: str | None

    @property
    def has_text(self) -> bool:
        """Whether anything was proposed (a summary or key findings)."""
        return bool(self.summary or self.key_findings)


def _stored(row: Any) -> StoredProposal:
    m = row._mapping
    return StoredProposal(
        item_id=int(m["item_id"]),
        url=str(m["url"]),
        summary=m["summary"],
        key_findings=tuple(str(f) for f in (m["key_findings"] or ())),
        lead_in=m["lead_in"],
        provenance=dict(m["provenance"] or {}),
        missing=dict(m["missing"] or {}),
        report_url=m["report_url"],
        warnings=tuple(str(w) for w in (m["warnings"] or ())),
        error=m["error"],
        created_at=m["created_at"],
        used_at=m["used_at"],
        used_by=m["used_by"],
    )


def save_proposal(conn: Connection, item_id: int, proposal: NewProposal, read_at: datetime) -> None:
    """Store ``proposal`` as ``item_id``'s, replacing one read before (a newer reading of the
    same publication supersedes it, and is not used yet). ``read_at``, its ``created_at``, is
    when its reading *began*: an editor's text saved while the publication was read is newer
    than the proposal (:func:`text_saved_since`), as it is newer than what was fetched."""
    conn.execute(delete(item_proposals).where(item_proposals.c.item_id == item_id))
    conn.execute(
        insert(item_proposals).values(
            item_id=item_id,
            url=proposal.url,
            summary=proposal.summary,
            key_findings=list(proposal.key_findings),
            lead_in=proposal.lead_in,
            provenance=dict(proposal.provenance),
            missing=dict(proposal.missing),
            report_url=proposal.report_url,
            warnings=list(proposal.warnings),
            error=proposal.error,
            created_at=read_at,
        )
    )


def get_proposal(conn: Connection, item_id: int) -> StoredProposal | None:
    row = conn.execute(select(item_proposals).where(item_proposals.c.item_id == item_id)).first()
    return None if row is None else _stored(row)


#: Ids per statement, well under SQLite's limit on bound parameters.
_CHUNK = 500
_BY_IDS = select(item_proposals).where(
    item_proposals.c.item_id.in_(bindparam("ids", expanding=True))
)


def proposals_for(conn: Connection, item_ids: Iterable[int]) -> dict[int, StoredProposal]:
    """The proposals of those of ``item_ids`` that have one, by item id."""
    ids = sorted(set(item_ids))
    out: dict[int, StoredProposal] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(_BY_IDS, {"ids": ids[start : start + _CHUNK]}):
            found = _stored(row)
            out[found.item_id] = found
    return out


def mark_used(conn: Connection, item_id: int, who: str, now: datetime) -> None:
    """An editor used ``item_id``'s proposal (its text is now the item's own)."""
    conn.execute(
        update(item_proposals)
        .where(item_proposals.c.item_id == item_id)
        .values(used_at=now, used_by=who)
    )


@dataclass(frozen=True)
class TextSaved:
    """An editor's own summary, key findings or lead-in, saved for an item (one decision)."""

    user_id: str
    user_name: str | None
    via: str
    at: datetime

    @property
    def who(self) -> str:
        return self.user_name or self.user_id


def text_saved_since(conn: Connection, item_id: int, since: datetime) -> TextSaved | None:
    """The newest decision that saved editors' text (:data:`TEXT_EDITS`) for ``item_id`` at or
    after ``since`` (a proposal's ``created_at``: when its reading began): an ``edit``, or an
    accept with the Edit modal's text; a ``use_proposal`` is the proposal's own text, not
    theirs. None: none was."""
    rows = conn.execute(
        select(
            decisions.c.user_id,
            decisions.c.user_name,
            decisions.c.via,
            decisions.c.created_at,
            decisions.c.edits,
        )
        .where(decisions.c.item_id == item_id, decisions.c.created_at >= since)
        .where(decisions.c.action != "use_proposal")
        .order_by(decisions.c.id.desc())
    )
    for row in rows:  # an item has a few decisions; no edits is JSON null or SQL NULL
        if isinstance(row.edits, dict) and any(k in row.edits for k in TEXT_EDITS):
            return TextSaved(row.user_id, row.user_name, row.via, row.created_at)
    return None


def unread_accepted(conn: Connection, edition_id: str) -> list[int]:
    """The items accepted into ``edition_id`` whose publication was never read, in id order."""
    rows = conn.execute(
        select(items.c.id)
        .select_from(items.outerjoin(item_proposals, item_proposals.c.item_id == items.c.id))
        .where(items.c.status == "accepted", items.c.edition == edition_id)
        .where(item_proposals.c.item_id.is_(None))
        .order_by(items.c.id)
    )
    return [int(r.id) for r in rows]
