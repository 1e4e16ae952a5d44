"""Pollers for loopback poll tests: a fake model with lane points, and a maker that gives each
poller the test's database, clock and fast fetch settings and closes it after the test."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from curator.classify import ClassifyInput
from curator.classify.lanes import LaneThresholds
from curator.config import Settings
from curator.fetch import FetchSettings
from curator.pipeline import Poller
from curator.records import Prediction

NOW = datetime(2024, 6, 12, 8, tzinfo=UTC)
FAST = FetchSettings(
    connect_timeout=2, read_timeout=2, total_timeout=3, allow_private_networks=True
)


class KeywordClassifier:
    """A hand-written fake: 'report' in the title means relevant (0.9), anything else not (0.1).
    It has no operating points, so the decider's own rule chooses the lanes (relevant or
    uncertain is carded)."""

    version = "fake-1"
    lane_thresholds: LaneThresholds | None = None

    def predict(self, inputs: Sequence[ClassifyInput]) -> list[Prediction]:
        return [
            Prediction(
                relevant="report" in i.title.lower(),
                relevance=0.9 if "report" in i.title.lower() else 0.1,
                sector="adult_social_care_health",
                sector_confidence=0.8,
                category="reports",
                category_confidence=0.7,
                uncertain=False,
                model_version=self.version,
            )
            for i in inputs
        ]


class Points(KeywordClassifier):
    """The same fake with operating points, and lower ones for an item without a summary: with
    a summary 0.1 is below the digest point (quiet); without one it is above the card point for
    such items (carded)."""

    lane_thresholds = LaneThresholds(
        card=0.5, digest=0.2, without_summary=LaneThresholds(card=0.05, digest=0.01)
    )


class Pollers:
    """Makes pollers on ``engine`` with the :class:`Points` model and :data:`FAST` fetching;
    :meth:`close` stops their parser processes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.made: list[Poller] = []

    def __call__(
        self, *, at: datetime = NOW, kind: type[Poller] = Poller, **settings: object
    ) -> Poller:
        poller = kind(
            self.engine,
            Settings(**settings),  # type: ignore[arg-type]
            classifier=Points(),
            clock=lambda: at,
            fetch_settings=FAST,
        )
        self.made.append(poller)
        return poller

    def close(self) -> None:
        while self.made:
            self.made.pop().close()
