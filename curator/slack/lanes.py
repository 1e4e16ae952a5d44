"""The lanes in ``/pulse status``: what waits for an editor in each, and what arrived lately."""

from __future__ import annotations

from datetime import datetime, timedelta

from curator.normalise.text import counted
from curator.store.digest import backlog_count
from curator.store.handles import Engine
from curator.store.lanes import new_by_lane, queued_by_lane

#: The window of "new items per lane" (here and in /metrics).
RECENT = timedelta(hours=24)


def lanes_line(engine: Engine, now: datetime) -> str:
    with engine.connect() as conn:
        queued = queued_by_lane(conn)
        recent = new_by_lane(conn, now - RECENT)
        backlog = backlog_count(conn)
    cards = queued["card"] + queued[None]  # a candidate stored without a lane is a card
    arrived = " · ".join(f"{recent[lane]} {lane}" for lane in ("card", "digest", "quiet"))
    if recent[None]:
        arrived += f" · {recent[None]} with no lane"
    return (
        f"*Lanes*: waiting for an editor: {counted(cards, 'card')}, {queued['digest']} in the "
        f"digest ({backlog} for the next roll-up) · first seen in the last 24 hours: {arrived}"
    )
