"""The records a poll hands from stage to stage, and the report of a pass."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curator.errors import CuratorError
from curator.records import Entry, FetchResult, ParsedFeed, SourceConfig

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
    """An item stored just now, with the source it came from."""

    source: SourceConfig
    item_id: int
    entry: Entry


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
    candidates: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    candidate_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_items": self.new_items,
            "duplicates": self.duplicates,
            "candidates": self.candidates,
            "errors": self.errors,
            "warnings": self.warnings,
        }
