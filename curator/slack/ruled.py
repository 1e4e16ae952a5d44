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
from pathlib import Path

from slack_sdk import WebClient

from curator.records import Rule, SourceConfig
from curator.rules import kept_quiet_by, stored_entry
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
    entry = stored_entry(item.source_id, item.title, item.url, item.summary, item.document_type)
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


@dataclass(frozen=True)
class SkipAdded:
    """What adding one skip rule to a source did (``curator sources skip``, ``/pulse sources
    skip``)."""

    source_id: str
    rule: Rule
    #: False when the source had the rule already (nothing was written)
    added: bool
    #: the waiting candidates its rules then caught (empty when not applied)
    report: RulesReport

    def as_json(self) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "rule": f"skip rule {self.rule}",
            "added": self.added,
            "moved": self.report.moved,
            "redrawn": self.report.redrawn,
            "failed": self.report.failed,
        }

    def text(self, path: Path) -> str:
        said = f"`skip rule {self.rule}`"
        head = (
            f"Added {said} to `{self.source_id}` in {path}: new items it matches are kept quiet "
            "from the next poll."
            if self.added
            else f"`{self.source_id}` has {said} already in {path}; nothing was written."
        )
        moved = self.report.moved
        tail = f" Moved {moved} waiting candidate{'s' if moved != 1 else ''} to the quiet lane"
        if self.report.redrawn or self.report.failed:
            tail += f"; redrew {self.report.redrawn} cards in Slack"
        if self.report.failed:
            tail += f", {self.report.failed} could not be redrawn (they keep their buttons)"
        return head + (tail + "." if moved else "")


def add_skip_rule(
    engine: Engine | None,
    path: Path,
    source_id: str,
    field: str,
    pattern: str,
    client: WebClient | None = None,
    *,
    apply: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> SkipAdded:
    """Add ``field: pattern`` to the ``skip:`` rules of ``source_id`` in ``path`` (validated and
    saved as every edit of the file is, :mod:`curator.sources.edit`), then, unless ``apply`` is
    False, apply the source's rules to its candidates already waiting, as ``apply-rules`` does
    (``engine`` is only read then). Raises SourcesError (an unknown field or source, a bad
    pattern, a skip list shared with other sources) with the file unchanged."""
    from curator.rules import RULE_FIELDS, pattern_problem
    from curator.sources import load_sources
    from curator.sources.edit import add_skip_rule as add_to_file
    from curator.sources.model import Problem, SourcesError

    # Checked before the file is edited: found by the validation of the edited text, the
    # problem would carry the line the rule would have had in a file that was never written.
    problem = (
        f"'{field}' is not a field rules can match; use one of " + ", ".join(RULE_FIELDS)
        if field not in RULE_FIELDS
        else pattern_problem(pattern)
    )
    if problem is not None:
        raise SourcesError(
            [Problem(str(path), None, source_id, "skip", f"{problem}; nothing was written")]
        )
    added = add_to_file(path, source_id, field, pattern)
    report = RulesReport()
    if apply:
        if engine is None:
            raise ValueError("applying the rules needs the database")
        source = next(s for s in load_sources(path) if s.id == source_id)
        report = apply_rules(engine, [source], client, sleep=sleep)
    return SkipAdded(source_id, Rule(field, pattern), added, report)
