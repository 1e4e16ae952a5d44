"""A publication one source's rules kept quiet, listed again by a source whose rules let it
through, gets the lane it would have had had that source listed it first.

Sources overlap (a department's feed and a GOV.UK finder, two departments' feeds of a joint
publication), and an item is stored once, under the source that listed it first. Without this,
a ``skip`` rule written for one source would silence what another lists, and which one won
would depend on the order of the polls. Only items kept quiet by a rule when they were stored,
and left alone since, are moved (a candidate ``apply-rules`` took back, or one an editor acted
on, stays where it is); the model's stored prediction is read again at this source's situation,
so a flood, a source's archive and the backfill window keep them quiet as they would keep a new
item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from curator.pipeline.classify import Classify
from curator.pipeline.records import NewItem
from curator.records import Lane
from curator.store.handles import Connection
from curator.store.lanes import clear_quiet_rules, ruled_quiet
from curator.store.predictions import latest_predictions


def reopen(
    conn: Connection, classify: Classify, relisted: Sequence[NewItem], now: datetime
) -> dict[Lane, list[int]]:
    """Put in their lanes the ``relisted`` items (stored items another source's rules may have
    kept quiet, as this source lists them) that this source's rules let through and that are
    quiet by a rule once the batch's new items have their lanes, their lanes chosen and stored
    by :class:`Classify`'s own deciders and store; their rule is cleared, so they are weighed
    once. Returns their ids by lane."""
    lanes: dict[Lane, list[int]] = {"card": [], "digest": [], "quiet": []}
    through = {
        n.item_id: n for n in relisted if classify.decider.ruled_out(n.entry, n.situation) is None
    }
    if through:  # as they stand now that this batch's new items have their lanes
        still = ruled_quiet(conn, through)
        through = {i: n for i, n in through.items() if i in still}
    if not through:
        return lanes
    classifier = classify.model()
    deciders = [classify.decider] * len(through)
    if classifier is not None:
        from curator.classify import ClassifyInput

        inputs = [ClassifyInput.of_entry(n.entry, n.source.sector_hint) for n in through.values()]
        deciders = classify.deciders(classifier, inputs)
    stored = latest_predictions(conn, through)
    for (item_id, n), decider in zip(through.items(), deciders, strict=True):
        found = stored.get(item_id)
        prediction = found.prediction() if found is not None else None
        lanes[decider.lane(n.entry, prediction, n.situation)].append(item_id)
    clear_quiet_rules(conn, through)
    classify.store_lanes(conn, lanes, now)
    return lanes
