"""The records a poll hands from stage to stage, and the report of a pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curator.errors import CuratorError
from curator.pipeline.decide import Situation
from curator.records import Entry, FetchResult, Lane, ParsedFeed, SourceConfig

if TYPE_CHECKING:
    from curator.fetch import FetchRequest


@dataclass(frozen=True, slots=True)
class Arrival:
    """One fetched source on its way to the store: the request, what the fetch returned, and
    the parse of its document when it was handed to the parser processes on arrival."""

    request: FetchRequest
    result: FetchResult | CuratorError
    parsing: Future[ParsedFeed] | None = None

    @property
    def source(self) -> SourceConfig:
        return self.request.source


@dataclass(frozen=True, slots=True)
class Fetched:
    """A source whose fetch succeeded, when its document needs no parsing (a 304, or the
    document already stored)."""

    source: SourceConfig
    result: FetchResult


@dataclass(frozen=True, slots=True)
class Parsed:
    """A source whose document was fetched and parsed, ready to store."""

    source: SourceConfig
    result: FetchResult
    feed: ParsedFeed


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item stored just now, with where it stands (its source, the time, what its document
    brought as a whole)."""

    situation: Situation
    item_id: int
    entry: Entry

    @property
    def source(self) -> SourceConfig:
        return self.situation.source


@dataclass(frozen=True, slots=True)
class Outcome:
    """A source once recorded, and its line in a progress bar (``3 new``, ``failed``)."""

    source: SourceConfig
    text: str


@dataclass
class PollReport:
    sources: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0
    duplicates: int = 0
    #: Items queued for the editors (``cards`` + ``digest``).
    candidates: int = 0
    #: This pass's new items by lane.
    cards: int = 0
    digest: int = 0
    quiet: int = 0
    #: New items that came without a summary and were given their own page's description.
    described: int = 0
    #: New items their source's skip/keep rules kept quiet (counted in ``quiet`` too).
    ruled_quiet: int = 0
    #: Items stored before, kept quiet by another source's rules, that a source whose rules let
    #: them through listed this pass and that were queued for the editors (not counted in
    #: ``new_items``, ``candidates`` or the lanes: ``curator.pipeline.relisted``).
    reopened: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    #: Failed sources whose host name did not resolve (counted in ``failed`` too).
    unresolved: int = 0
    #: The ids of the items queued for the editors, cards first within each batch.
    candidate_ids: list[int] = field(default_factory=list)
    #: Sources claimed but left unfetched because ``curator run`` was told to stop (their
    #: claims released: the next pass, of any worker, polls them; not counted in ``sources``).
    abandoned: list[str] = field(default_factory=list)
    #: Sources taken over from a worker of this host that no longer runs (killed mid-poll):
    #: ``{source_id: that worker}``; polled in this pass.
    recovered: dict[str, str] = field(default_factory=dict)

    def count(self, lanes: Mapping[Lane, Sequence[int]]) -> None:
        """Count one batch's new items by lane."""
        cards, digest = lanes.get("card", ()), lanes.get("digest", ())
        self.cards += len(cards)
        self.digest += len(digest)
        self.quiet += len(lanes.get("quiet", ()))
        self.candidates += len(cards) + len(digest)
        self.candidate_ids.extend([*cards, *digest])

    def count_reopened(self, lanes: Mapping[Lane, Sequence[int]]) -> None:
        """Count the items another source's listing queued for the editors."""
        queued = [*lanes.get("card", ()), *lanes.get("digest", ())]
        self.reopened += len(queued)
        self.candidate_ids.extend(queued)

    def offline(self) -> str | None:
        """What to check when no source's host resolved (two or more, every one polled): one
        line for the whole pass, where each source's own error names only its host."""
        if self.sources < 2 or not self.unresolved == self.failed == self.sources:
            return None
        return (
            f"no source's host name resolved ({self.sources} of {self.sources}): is this machine "
            "offline, or its DNS down? Each source is tried again on its own backoff."
        )

    def warning_lines(self) -> list[str]:
        """Each warning as a line that names its source once: a parse warning starts with the
        source's id already, a flood's does not, and the model's (id ``-``) is nobody's."""
        lines = []
        for w in self.warnings:
            source_id, text = w["id"], w["warning"]
            named = source_id == "-" or text.startswith(f"{source_id}: ")
            lines.append(text if named else f"{source_id}: {text}")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_items": self.new_items,
            "duplicates": self.duplicates,
            "candidates": self.candidates,
            "cards": self.cards,
            "digest": self.digest,
            "quiet": self.quiet,
            "described": self.described,
            "kept_quiet_by_rules": self.ruled_quiet,
            "reopened": self.reopened,
            "unresolved": self.unresolved,
            "errors": self.errors,
            "warnings": self.warnings,
        }
