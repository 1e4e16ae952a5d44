"""What became of the candidates the editors decided lately, by how each reached them: the live
check of the lanes (``curator.classify.lanes``) on the real web.

The model card states the card lane's false-positive rate on held-out publishers; in production
the editors' decisions say how it is doing. Of the model's own cards, the share rejected is the
channel's dud rate; an item accepted though the model did not card it (an editor made it a card
from the day's roll-up or a search, added it by its link, or accepted it from the digest in
``curator review``) is one the card lane missed. Pure logic: the counts come from
``curator.store.outcomes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: How a decided item reached the editors: ``card``, the model's card; ``editor``, made a card
#: by an editor ("Make a card", or added by its link); ``digest`` and ``quiet``, decided from
#: those lanes without a card (``curator review``).
Origin = Literal["card", "editor", "digest", "quiet"]
ORIGINS: tuple[Origin, ...] = ("card", "editor", "digest", "quiet")
#: The decisions counted, as item statuses.
DECISIONS = ("accepted", "rejected")
#: The window of the weekly report and of the ``curator_decided_last_week`` gauge.
WINDOW_DAYS = 7


def origin_of(lane: str | None, made_a_card: bool) -> Origin:
    """An item's origin from its lane and whether an editor made it a card (``carded_at``); an
    item stored with no lane was a card (as the lanes migration reads it)."""
    if made_a_card:
        return "editor"
    if lane == "digest":
        return "digest"
    if lane == "quiet":
        return "quiet"
    return "card"


@dataclass(frozen=True)
class Outcomes:
    """Items decided in a window, by origin and final status (``accepted`` / ``rejected``)."""

    counts: Mapping[tuple[Origin, str], int]
    #: of the model's cards, those of items that came without a summary (laned at the lower
    #: points of such items, ``curator.classify.lanes``), by final status
    cards_without_summary: Mapping[str, int] = field(default_factory=dict)

    def count(self, origin: Origin, status: str) -> int:
        return int(self.counts.get((origin, status), 0))

    @property
    def decided(self) -> int:
        return sum(self.counts.values())

    def dud_rate(self) -> float | None:
        """The share of the model's decided cards that the editors rejected (None: none)."""
        accepted, rejected = self.count("card", "accepted"), self.count("card", "rejected")
        return None if accepted + rejected == 0 else rejected / (accepted + rejected)

    def missed(self) -> int:
        """Items accepted that the model had not carded."""
        return sum(self.count(o, "accepted") for o in ORIGINS if o != "card")


def outcome_lines(outcomes: Outcomes, days: int = WINDOW_DAYS) -> list[str]:
    """The report's section (Slack mrkdwn), heading first."""
    heading = f"*What the editors decided* (last {days} days)"
    if outcomes.decided == 0:
        return [f"{heading}: nothing yet."]
    lines = [f"{heading}:"]
    accepted, rejected = outcomes.count("card", "accepted"), outcomes.count("card", "rejected")
    rate = outcomes.dud_rate()
    if rate is None:
        lines.append("• The model's cards: none decided.")
    else:
        lines.append(
            f"• The model's cards: {accepted + rejected} decided, {accepted} accepted, "
            f"{rejected} rejected ({rate:.0%} were not for the digest)."
        )
    bare = outcomes.cards_without_summary
    if bare_decided := sum(bare.values()):
        lines.append(
            f"• Of those, {bare_decided} came without a summary (carded at the lower points of "
            f"such items): {bare.get('rejected', 0)} rejected."
        )
    others: dict[Origin, str] = {
        "editor": "made a card by an editor (Make a card, or added by its link)",
        "digest": "from the digest lane, without a card",
        "quiet": "from the quiet lane, without a card",
    }
    missed = [
        f"{n} {what}"
        for origin, what in others.items()
        if (n := outcomes.count(origin, "accepted"))
    ]
    if missed:
        lines.append(f"• Accepted though the model did not card them: {'; '.join(missed)}.")
    if outcomes.missed() == 0 and rate is not None:
        lines.append("• Every item accepted came from the model's cards.")
    return lines


def outcome_summary(outcomes: Outcomes, days: int = WINDOW_DAYS) -> str:
    """One line for ``/pulse status``."""
    rate = outcomes.dud_rate()
    cards = outcomes.count("card", "accepted") + outcomes.count("card", "rejected")
    head = f"*Decided in the last {days} days*: "
    if outcomes.decided == 0:
        return head + "nothing yet"
    text = f"{cards} of the model's cards"
    if rate is not None:
        text += f", {rate:.0%} rejected"
    return head + f"{text} · {outcomes.missed()} accepted that the model had not carded"
