"""Editors' decisions: recorded once, first decision wins, every action kept as an audit trail.

One function, :func:`decide`, is shared by Slack, ``curator review`` and ``curator edition``:
the same rules whatever the front end. Decisions are never updated or deleted; ``undo`` is a
decision of its own that restores the state saved with the decision it undoes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from curator.calendar import next_edition
from curator.errors import CuratorError
from curator.records import (
    ACTIONS,
    CATEGORIES,
    SECTORS,
    Action,
    Category,
    ItemStatus,
    Sector,
    is_action,
    is_category,
    is_sector,
)
from curator.store.editions import ensure_edition, target_edition
from curator.store.proposals import TextSaved, get_proposal, mark_used, text_saved_since
from curator.store.schema import decisions, items
from curator.store.trail import write_records

#: Statuses in which an item still waits for an editor.
UNDECIDED: tuple[ItemStatus, ...] = ("new", "queued")
#: The actions that decide an item (the ones ``undo`` takes back).
DECIDING: tuple[Action, ...] = ("accept", "reject", "hold")
EDITABLE_FIELDS = {
    "title": "edited_title",
    "publisher": "edited_publisher",
    "summary": "edited_summary",
    "key_findings": "key_findings",
    "lead_in": "edited_lead_in",
}
_STATE_COLUMNS = (
    "status",
    "sector",
    "category",
    "edition",
    "position",
    "edited_title",
    "edited_summary",
    "key_findings",
    "edited_lead_in",
    "decided_by",
    "decided_at",
    "edited_publisher",  # last: added after the others (an export's keys keep their order)
)


class DecisionError(CuratorError):
    """A decision that cannot be applied (unknown item, bad label, nothing to undo...)."""


class ProposalSuperseded(DecisionError):
    """Use this on a proposal older than an editor's own text (``saved``): nothing written."""

    def __init__(self, item_id: int, saved: TextSaved) -> None:
        self.saved = saved
        super().__init__(
            f"item {item_id}'s proposal is older than the text {saved.who} saved on "
            f"{saved.at:%Y-%m-%d %H:%M} UTC, which it would write over; read the publication "
            f"again (curator item propose {item_id}) for a proposal to use"
        )


@dataclass(frozen=True)
class Actor:
    user_id: str
    user_name: str | None = None
    via: str = "cli"  # slack | cli


@dataclass(frozen=True)
class DecisionOutcome:
    #: recorded: applied now; duplicate: the same request was already applied (idempotency key);
    #: conflict: someone else decided first (``decided_by`` says who), nothing changed.
    result: Literal["recorded", "duplicate", "conflict"]
    item_id: int
    action: Action
    status: ItemStatus
    sector: Sector | None
    category: Category | None
    edition: str | None
    decided_by: str | None
    decision_id: int | None


def _state(row: Mapping[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in _STATE_COLUMNS:
        value = row[col]
        out[col] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _restore(state: Mapping[str, Any]) -> dict[str, Any]:
    """The decision ``undo`` takes back: status, labels, edition, position and who decided.
    The editors' text (an edit or a used proposal, made before or after the decision) is kept:
    undoing an accept must not throw away a summary an editor wrote."""
    values = {k: v for k, v in state.items() if k not in EDITABLE_FIELDS.values()}
    if values.get("decided_at"):
        values["decided_at"] = datetime.fromisoformat(values["decided_at"])
    return values


def _check_action(action: str) -> Action:
    if not is_action(action):
        raise DecisionError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    return action


def _check_labels(
    sector: str | None, category: str | None
) -> tuple[Sector | None, Category | None]:
    if sector is not None and not is_sector(sector):
        raise DecisionError(f"unknown sector {sector!r}; use one of {', '.join(SECTORS)}")
    if category is not None and not is_category(category):
        raise DecisionError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    return sector, category


def _check_edits(edits: Mapping[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in (edits or {}).items():
        if key not in EDITABLE_FIELDS:
            raise DecisionError(f"cannot edit {key!r}; editable: {', '.join(EDITABLE_FIELDS)}")
        if key == "key_findings":
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise DecisionError("key_findings must be a list of strings")
            value = [str(v).strip() for v in value if str(v).strip()]
        elif value is not None:
            value = str(value).strip() or None
        values[EDITABLE_FIELDS[key]] = value
    return values


def decide(
    engine: Engine,
    item_id: int,
    action: str,
    actor: Actor,
    *,
    sector: str | None = None,
    category: str | None = None,
    edits: Mapping[str, Any] | None = None,
    edition: str | None = None,
    position: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    tz: str = "Europe/London",
) -> DecisionOutcome:
    """Apply one editor action to one item and record it, atomically. What the front ends pass
    (an editor's choice, as text) is checked here: an unknown action, sector or category is a
    DecisionError naming the ones there are."""
    checked = _check_action(action)
    labels = _check_labels(sector, category)
    edit_values = _check_edits(edits)
    now = now or datetime.now(UTC)
    try:
        with engine.begin() as conn:
            if idempotency_key is not None:
                seen = _by_key(conn, idempotency_key)
                if seen is not None:
                    return seen
            return _apply(
                conn,
                item_id,
                checked,
                actor,
                *labels,
                edit_values,
                edition,
                position,
                idempotency_key,
                now,
                tz,
            )
    except IntegrityError:
        # Two deliveries of the same request raced past the check: the other one won.
        if idempotency_key is None:
            raise
        with engine.connect() as conn:
            seen = _by_key(conn, idempotency_key)
        if seen is None:
            raise
        return seen


def _by_key(conn: Connection, key: str) -> DecisionOutcome | None:
    row = conn.execute(
        select(decisions.c.id, decisions.c.item_id, decisions.c.action).where(
            decisions.c.idempotency_key == key
        )
    ).first()
    if row is None:
        return None
    item = conn.execute(select(items).where(items.c.id == row.item_id)).mappings().one()
    return DecisionOutcome(
        "duplicate",
        row.item_id,
        row.action,
        item["status"],
        item["sector"],
        item["category"],
        item["edition"],
        item["decided_by"],
        row.id,
    )


def _apply(
    conn: Connection,
    item_id: int,
    action: Action,
    actor: Actor,
    sector: Sector | None,
    category: Category | None,
    edit_values: dict[str, Any],
    edition: str | None,
    position: int | None,
    idempotency_key: str | None,
    now: datetime,
    tz: str,
) -> DecisionOutcome:
    item = conn.execute(select(items).where(items.c.id == item_id)).mappings().first()
    if item is None:
        raise DecisionError(f"no item with id {item_id}")
    previous = _state(item)
    who = actor.user_name or actor.user_id
    values: dict[str, Any] = {}

    if action in ("accept", "reject", "hold"):
        if item["status"] not in UNDECIDED:
            return _conflict(item, action)
        values.update(edit_values, decided_by=who, decided_at=now)
        if action == "reject":
            values.update(status="rejected", edition=None)
        else:
            if edition is not None:
                chosen = edition
            elif action == "hold":
                chosen = next_edition(target_edition(conn, now, tz))
            else:
                chosen = target_edition(conn, now, tz)
            if ensure_edition(conn, chosen, now) != "open":
                raise DecisionError(f"edition {chosen} is closed; reopen it or pick another")
            values.update(
                status="accepted",
                edition=chosen,
                sector=sector or item["sector"],
                category=category or item["category"],
            )
            if position is not None:
                values["position"] = position
    elif action == "relabel":
        if sector is None and category is None:
            raise DecisionError("relabel needs a sector or a category")
        values.update({k: v for k, v in (("sector", sector), ("category", category)) if v})
    elif action == "edit":
        if not edit_values and position is None:
            raise DecisionError(
                "edit needs at least one of title, publisher, summary, key_findings, lead_in, "
                "position"
            )
        values.update(edit_values)
        if position is not None:
            values["position"] = position
    elif action == "use_proposal":
        # The proposal becomes the item's own text, as if an editor had typed it: the draft
        # prints it unmarked from now on.
        edit_values = _proposal_edits(conn, item_id, item["status"])
        values.update(edit_values)
    elif action == "move":
        if item["status"] != "accepted":
            raise DecisionError(
                f"item {item_id} is {item['status']}, not accepted: nothing to move"
            )
        if edition is None:
            raise DecisionError("move needs an edition, e.g. --to 2024-08")
        if ensure_edition(conn, edition, now) != "open":
            raise DecisionError(f"edition {edition} is closed; open it first")
        values.update(edition=edition)
    elif action == "undo":
        last = conn.execute(
            select(decisions.c.previous_state, decisions.c.action)
            .where(decisions.c.item_id == item_id)
            .where(decisions.c.action.in_(DECIDING))
            .order_by(decisions.c.id.desc())
            .limit(1)
        ).first()
        if last is None or item["status"] in UNDECIDED:
            raise DecisionError(f"item {item_id} has no decision to undo")
        values.update(_restore(last.previous_state))

    result = conn.execute(
        update(items)
        .where(items.c.id == item_id, items.c.version == item["version"])
        .values(**values, version=item["version"] + 1)
    )
    if result.rowcount != 1:
        # Someone changed the item between our read and write: their decision stands.
        fresh = conn.execute(select(items).where(items.c.id == item_id)).mappings().one()
        return _conflict(fresh, action)
    if action == "use_proposal":
        mark_used(conn, item_id, who, now)
    decision_id = conn.execute(
        insert(decisions)
        .values(
            item_id=item_id,
            action=action,
            sector=values.get("sector", item["sector"]),
            category=values.get("category", item["category"]),
            edition=values.get("edition", item["edition"]),
            edits=edits_for_audit(edit_values, position) or None,
            user_id=actor.user_id,
            user_name=actor.user_name,
            via=actor.via,
            previous_state=previous,
            created_at=now,
            idempotency_key=idempotency_key,
        )
        .returning(decisions.c.id)
    ).scalar_one()
    write_records(conn, [decision_id])  # its line in the audit export, once and for all
    after = {**item, **values}
    return DecisionOutcome(
        "recorded",
        item_id,
        action,
        after["status"],
        after["sector"],
        after["category"],
        after["edition"],
        after["decided_by"],
        decision_id,
    )


def _proposal_edits(conn: Connection, item_id: int, status: str) -> dict[str, Any]:
    if status == "rejected":
        raise DecisionError(f"item {item_id} was rejected; Undo first to use its proposal")
    proposal = get_proposal(conn, item_id)
    if proposal is None or not proposal.has_text:
        raise DecisionError(f"item {item_id} has no proposed summary or key findings to use")
    if proposal.used_at is not None:
        # Used once is the editors' text: a second Use this (a double-click, a stale message)
        # would record it again and write over what they have edited since.
        raise DecisionError(
            f"item {item_id}'s proposal was already used by {proposal.used_by or 'an editor'}"
        )
    saved = text_saved_since(conn, item_id, proposal.created_at)
    if saved is not None:  # an Edit saved since (a stale message's Use this, a script)
        raise ProposalSuperseded(item_id, saved)
    edits: dict[str, Any] = {}
    if proposal.summary:
        edits["summary"] = proposal.summary
    if proposal.key_findings:
        edits["key_findings"] = list(proposal.key_findings)
        edits["lead_in"] = proposal.lead_in
    return _check_edits(edits)


def edits_for_audit(edit_values: Mapping[str, Any], position: int | None) -> dict[str, Any]:
    reverse = {v: k for k, v in EDITABLE_FIELDS.items()}
    out = {reverse[k]: v for k, v in edit_values.items()}
    if position is not None:
        out["position"] = position
    return out


def _conflict(item: Mapping[Any, Any], action: Action) -> DecisionOutcome:
    return DecisionOutcome(
        "conflict",
        item["id"],
        action,
        item["status"],
        item["sector"],
        item["category"],
        item["edition"],
        item["decided_by"],
        None,
    )


@dataclass(frozen=True)
class Decider:
    """Who made an item's standing decision, as the audit trail recorded it."""

    user_id: str
    user_name: str | None
    via: str


def last_deciders(conn: Connection, item_ids: Iterable[int]) -> dict[int, Decider]:
    """Who made the newest deciding action (accept, reject, hold) of each of ``item_ids``."""
    ids = sorted(set(item_ids))
    out: dict[int, Decider] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(_LAST_DECIDERS, {"ids": ids[start : start + _CHUNK]}):
            out[int(row.item_id)] = Decider(row.user_id, row.user_name, row.via)
    return out


def last_undoer(conn: Connection, item_id: int) -> Decider | None:
    """Who made the newest ``undo`` of ``item_id``; None when it was never undone."""
    row = conn.execute(
        select(decisions.c.user_id, decisions.c.user_name, decisions.c.via)
        .where(decisions.c.item_id == item_id, decisions.c.action == "undo")
        .order_by(decisions.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Decider(row.user_id, row.user_name, row.via)


#: Ids per statement, well under SQLite's limit on bound parameters.
_CHUNK = 500

# The newest deciding decision of each item asked for, on the (item_id) index.
_LAST_DECIDERS = select(
    decisions.c.item_id, decisions.c.user_id, decisions.c.user_name, decisions.c.via
).where(
    decisions.c.id.in_(
        select(func.max(decisions.c.id))
        .where(decisions.c.item_id.in_(bindparam("ids", expanding=True)))
        .where(decisions.c.action.in_(DECIDING))
        .group_by(decisions.c.item_id)
    )
)
