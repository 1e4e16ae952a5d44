"""Applying a source's rules to the candidates already waiting (``curator sources apply-rules``):
rules apply to new items as they are polled, so an admin who adds one after a week of duds
moves the waiting candidates it catches out of the queue here, as Miniflux's "re-apply rules"
does. The store is changed first, a page at a time, and Slack after each page: their cards
still in the outbox are not posted, and those already in the channel are redrawn without
buttons, saying which rule kept the item quiet (a card that cannot be redrawn keeps its
buttons; a click on it still finds the item, which is never lost: ``/pulse find``)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_sdk import WebClient

from curator.records import Entry, SourceConfig
from curator.rules import kept_quiet_by
from curator.slack.expiry import Redraws
from curator.store.expiry import posted_cards
from curator.store.handles import Engine
from curator.store.ruled import Waiting, keep_quiet, waiting


@dataclass(frozen=True)
class Caught:
    """A waiting candidate a rule catches."""

    item_id: int
    source_id: str
    title: str
    rule: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.item_id,
            "source_id": self.source_id,
            "title": self.title,
            "rule": self.rule,
        }


@dataclass
class RulesReport:
    #: the candidates the rules catch (moved out of the queue, unless a dry run)
    caught: list[Caught] = field(default_factory=list)
    moved: int = 0
    redrawn: int = 0  # their cards redrawn in Slack
    failed: int = 0  # cards that could not be redrawn

    def by_source(self) -> dict[str, int]:
        return dict(Counter(c.source_id for c in self.caught))


def catches(item: Waiting, source: SourceConfig) -> str | None:
    """Pure: the rule of ``source`` that keeps the waiting ``item`` quiet, or None."""
    entry = Entry(
        source_id=item.source_id,
        publisher=item.publisher,
        url=item.url,
        original_url=item.url,
        title=item.title,
        summary=item.summary,
        document_type=item.document_type,
    )
    return kept_quiet_by(entry, source.skip, source.keep)


def apply_rules(
    engine: Engine,
    sources: Sequence[SourceConfig],
    client: WebClient | None = None,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> RulesReport:
    """Apply the rules of ``sources`` to their waiting candidates (only list them with
    ``dry_run``); with ``client``, redraw the cards of those moved (one update a second)."""
    ruled = {s.id: s for s in sources if s.skip or s.keep}
    report = RulesReport()
    redraws = Redraws(engine, client, None, sleep) if client is not None else None
    after = 0
    while ruled:
        with engine.begin() as conn:
            page = waiting(conn, list(ruled), after_id=after)
            if not page:
                break
            after = page[-1].id
            found = {
                item.id: (item, rule)
                for item in page
                if (rule := catches(item, ruled[item.source_id])) is not None
            }
            moved = [] if dry_run else keep_quiet(conn, {i: r for i, (_, r) in found.items()})
            cards = posted_cards(conn, moved) if redraws is not None else []
        report.caught += [Caught(i, it.source_id, it.title, r) for i, (it, r) in found.items()]
        report.moved += len(moved)
        if redraws is not None:
            redraws(cards)
    if redraws is not None:
        report.redrawn, report.failed = redraws.redrawn, redraws.failed
    return report
