"""An item's lane (card | digest | quiet): how it reaches the editors, stored with the item.

The choice itself is made elsewhere (a pure rule over the prediction and the source's state);
this module only records and reads it. ``NULL`` means no lane was chosen: a row stored by code
that does not choose one. Rows stored before lanes existed were given theirs by the migration that
added the column (queued or decided → ``card``, never queued → ``quiet``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import cast, get_args

from sqlalchemy import Connection, bindparam, func, literal, select, update

from curator.errors import CuratorError
from curator.records import Lane
from curator.store.schema import items

LANES: tuple[Lane, ...] = get_args(Lane)


class LaneError(CuratorError):
    """A lane that is not one of card, digest, quiet."""


def check_lane(value: str) -> Lane:
    """``value`` as a Lane, or a LaneError naming the lanes there are."""
    if value not in LANES:
        raise LaneError(f"unknown lane {value!r}; use one of {', '.join(LANES)}")
    return value


def set_lane(conn: Connection, item_ids: Iterable[int], lane: Lane) -> int:
    """Put the items in ``lane``; returns how many rows were found and set."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return 0
    check_lane(lane)
    result = conn.execute(_SET_LANE, {"ids": ids, "lane": lane})
    return int(result.rowcount)


def set_quiet_rules(conn: Connection, rules: Mapping[int, str]) -> None:
    """Record, for each item id, the source's rule that kept it quiet (its lane is set apart)."""
    if rules:
        conn.execute(_SET_QUIET_RULE, [{"item_id": i, "rule": r} for i, r in rules.items()])


def ruled_quiet(conn: Connection, item_ids: Iterable[int]) -> set[int]:
    """The items among ``item_ids`` their source's rules kept quiet when they were stored and
    that nobody has acted on since (still ``new``, at their first version). Their rows are
    locked till the caller's transaction ends (PostgreSQL; SQLite's writer lock does it): the
    caller queues them, and an editor's decision made in between would be overwritten."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return set()
    return {int(i) for i in conn.execute(_RULED_QUIET, {"ids": ids}).scalars()}


def clear_quiet_rules(conn: Connection, item_ids: Iterable[int]) -> None:
    """Forget which rule kept these items quiet (another source let them through)."""
    ids = list(item_ids)
    if ids:
        conn.execute(_CLEAR_QUIET_RULES, {"ids": ids})


def lanes_of(conn: Connection, item_ids: Iterable[int]) -> dict[int, Lane | None]:
    """Each known item's lane (None: no lane chosen); unknown ids are left out."""
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        return {}
    rows = conn.execute(_LANES_OF, {"ids": ids})
    return {int(r.id): cast("Lane | None", r.lane) for r in rows}


def lane_of(conn: Connection, item_id: int) -> Lane | None:
    """The item's lane; None when it has none or there is no such item."""
    return lanes_of(conn, [item_id]).get(item_id)


# Built once with expanding parameters, like the other store queries run per poll.
_SET_LANE = (
    update(items)
    .where(items.c.id.in_(bindparam("ids", expanding=True)))
    .values(lane=bindparam("lane"))
)
_SET_QUIET_RULE = (
    update(items).where(items.c.id == bindparam("item_id")).values(quiet_rule=bindparam("rule"))
)
_CLEAR_QUIET_RULES = (
    update(items).where(items.c.id.in_(bindparam("ids", expanding=True))).values(quiet_rule=None)
)
_RULED_QUIET = (
    select(items.c.id)
    .where(
        items.c.id.in_(bindparam("ids", expanding=True)),
        items.c.lane == literal("quiet", literal_execute=True),
        items.c.quiet_rule.is_not(None),
        items.c.status == literal("new", literal_execute=True),
        items.c.version == 1,
    )
    .with_for_update()
)
_LANES_OF = select(items.c.id, items.c.lane).where(items.c.id.in_(bindparam("ids", expanding=True)))


#: The lanes counted, with ``None`` for items stored without one.
COUNTED: tuple[Lane | None, ...] = (*LANES, None)


def new_by_lane(conn: Connection, since: datetime) -> dict[Lane | None, int]:
    """Items first seen at or after ``since``, by lane (None: no lane chosen): one range of the
    (lane, first_seen_at) index per lane, so the cost follows the window, not the history."""
    out: dict[Lane | None, int] = {}
    for lane in COUNTED:
        which = items.c.lane.is_(None) if lane is None else items.c.lane == lane
        stmt = select(func.count()).select_from(items).where(which, items.c.first_seen_at >= since)
        out[lane] = int(conn.execute(stmt).scalar_one())
    return out


def queued_by_lane(conn: Connection) -> dict[Lane | None, int]:
    """Candidates waiting for an editor, by lane (the queue only: read by its status index)."""
    stmt = (
        select(items.c.lane, func.count())
        .where(items.c.status == literal("queued", literal_execute=True))
        .group_by(items.c.lane)
    )
    out: dict[Lane | None, int] = dict.fromkeys(COUNTED, 0)
    for lane, count in conn.execute(stmt):
        out[cast("Lane | None", lane)] = int(count)
    return out
