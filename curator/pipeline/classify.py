"""The poll stage that classifies a batch's new items and puts each in its lane (card | digest |
quiet), in the batch's store transaction. The rules of the lane are
``curator.pipeline.decide``'s; this stage runs the model, stores what it said and what the rules
chose, and queues the candidates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Protocol

from curator.pipeline.decide import Decider
from curator.pipeline.records import NewItem
from curator.records import Lane, Prediction
from curator.store.handles import Connection
from curator.store.lanes import set_lane, set_quiet_rules
from curator.store.predictions import add_predictions
from curator.store.queue import queue_items

if TYPE_CHECKING:
    from curator.classify import ClassifyInput
    from curator.classify.lanes import LaneThresholds


class PollModel(Protocol):
    """What a poll uses of its classifier (``curator.classify.Classifier``, or a test's
    stand-in)."""

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]: ...

    @property
    def lane_thresholds(self) -> LaneThresholds | None:
        """The model's card and digest operating points; None for a stand-in that has none
        (the decider's own rule then chooses the lane)."""


@dataclass(frozen=True)
class Laned:
    """A batch's new items once classified: their ids by lane, and why their source's rules
    kept some of them quiet (item id → the rule)."""

    lanes: dict[Lane, list[int]]
    quiet_rules: dict[int, str]


@dataclass(frozen=True)
class Classify:
    """Classifies a batch's new items in one model call, stores the predictions, chooses each
    item's lane (:meth:`Decider.lane`, over the model's own operating points when it has them)
    and stores it: cards queued for the editors (and, with a Slack ``channel``, put in the
    outbox); digest items queued with no card (listed in the day's roll-up); quiet items left
    ``new``. Without a model, no prediction is stored."""

    model: Callable[[], PollModel | None]
    decider: Decider
    channel: str | None

    def __call__(self, conn: Connection, new: Sequence[NewItem], now: datetime) -> Laned:
        """The ids of the new items by lane, and the rules that kept some quiet."""
        lanes: dict[Lane, list[int]] = {"card": [], "digest": [], "quiet": []}
        if not new:
            return Laned(lanes, {})
        classifier = self.model()
        predictions: Sequence[Prediction | None]
        deciders: Sequence[Decider]
        if classifier is None:
            predictions = [None] * len(new)
            deciders = [self.decider] * len(new)
        else:
            from curator.classify import ClassifyInput

            inputs = [ClassifyInput.of_entry(n.entry, n.source.sector_hint) for n in new]
            predictions = classifier.predict(inputs)
            add_predictions(
                conn, [(n.item_id, p) for n, p in zip(new, predictions, strict=True)], now
            )
            deciders = self.deciders(classifier, inputs)
        for n, p, decider in zip(new, predictions, deciders, strict=True):
            lanes[decider.lane(n.entry, p, n.situation)].append(n.item_id)
        # why the source's rules kept an item quiet, kept with it (search results, source health)
        ruled = {n.item_id: r for n in new if (r := self.decider.ruled_out(n.entry, n.situation))}
        set_quiet_rules(conn, ruled)
        self.store_lanes(conn, lanes, now)
        return Laned(lanes, ruled)

    def deciders(self, classifier: PollModel, inputs: Sequence[ClassifyInput]) -> list[Decider]:
        """The decider of each item, at ``classifier``'s operating points for an item with a
        summary or for one without (which has points of its own)."""
        from curator.classify.features import has_summary

        with_summary = with_lanes_of(classifier, self.decider, has_summary=True)
        without = with_lanes_of(classifier, self.decider, has_summary=False)
        return [with_summary if has_summary(i) else without for i in inputs]

    def store_lanes(self, conn: Connection, lanes: dict[Lane, list[int]], now: datetime) -> None:
        """Store each item's lane and queue the candidates: cards for the editors (and, with a
        Slack ``channel``, in the outbox), digest items for the day's roll-up."""
        queue_items(conn, lanes["card"], channel=self.channel, now=now)
        queue_items(conn, lanes["digest"], channel=None, now=now)  # listed in the roll-up
        for lane, ids in lanes.items():
            set_lane(conn, ids, lane)


def with_lanes_of(classifier: PollModel, decider: Decider, *, has_summary: bool) -> Decider:
    """``decider`` choosing lanes at ``classifier``'s operating points (``model_lane``) for an item
    with a summary or without one (which has points of its own); as it is for a stand-in model
    that has none."""
    thresholds = classifier.lane_thresholds
    if thresholds is None:
        return decider
    from curator.classify.lanes import model_lane

    lane = partial(model_lane, thresholds=thresholds, has_summary=has_summary)
    return replace(decider, prediction_lane=lane)
