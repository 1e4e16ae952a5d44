"""Typed records passed between the packages (reader style: role-named, immutable).

Pure data: no I/O here. Packages import these instead of passing dicts around.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeGuard, get_args

Sector = Literal["adult_social_care_health", "children_young_people", "criminal_justice"]
Category = Literal["reports", "briefings", "tools_guidance"]
SourceKind = Literal["feed", "page"]
#: How a stored item reaches the editors: posted as a card, listed in the day's roll-up, or
#: stored and searchable only.
Lane = Literal["card", "digest", "quiet"]

#: Sectors and categories in the reference edition's order, with the headings it prints.
#: The source id of every item an editor adds by its link (reserved: ``sources.yaml`` may not
#: use it). Not a watched source's id, even when the link is on a watched site: such an item
#: says nothing about whether the source's feed works, so it must not make a quiet or broken
#: source look alive, nor change its acceptance rate (``curator sources status``). The watched
#: source lends its publisher and sector hint.
ADDED_BY_LINK = "added-by-link"

SECTORS: dict[str, str] = {
    "adult_social_care_health": "Adult Social Care and Health",
    "children_young_people": "Children and Young People's Services",
    "criminal_justice": "Criminal Justice",
}
CATEGORIES: dict[str, str] = {
    "reports": "Reports",
    "briefings": "Briefings",
    "tools_guidance": "Tools and Guidance",
}

#: Where an item stands: ``new`` (stored, never shown to editors), ``queued`` (waiting for an
#: editor), ``accepted`` (in an edition; a held item is accepted into the next one), ``rejected``
#: (kept as a tombstone, so it never comes back as new).
ItemStatus = Literal["new", "queued", "accepted", "rejected"]
#: Below this sector confidence a relevant prediction is flagged uncertain ("Needs a look": the
#: model is unsure of the sector); a model's sidecar may set its own, and every one so far uses it.
MIN_SECTOR_CONFIDENCE = 0.5

#: The longest summary stored, in characters: a longer one (a feed that sends the whole article
#: as its description) is cut at a word boundary and ends with "…" (``clean_text``).
SUMMARY_MAX_CHARS = 5000

#: Each status as editors read it in search results (``new`` covers an item never put to the
#: editors and a candidate that expired: neither was decided).
STATUS_WORDS: dict[str, str] = {
    "new": "not decided",
    "queued": "waiting for an editor",
    "accepted": "accepted",
    "rejected": "rejected",
}
#: What an editor may do to an item (one ``decide`` for Slack, ``curator review`` and ``edition``).
Action = Literal["accept", "reject", "relabel", "edit", "undo", "hold", "move", "use_proposal"]
ACTIONS: tuple[Action, ...] = get_args(Action)
#: The keys of SECTORS and CATEGORIES, typed, in the same order (a test keeps them equal).
SECTOR_IDS: tuple[Sector, ...] = get_args(Sector)
CATEGORY_IDS: tuple[Category, ...] = get_args(Category)


def is_sector(value: object) -> TypeGuard[Sector]:
    """Whether ``value`` (an editor's choice, a row read back) is a sector id."""
    return isinstance(value, str) and value in SECTOR_IDS


def is_category(value: object) -> TypeGuard[Category]:
    """Whether ``value`` is a category id."""
    return isinstance(value, str) and value in CATEGORY_IDS


def is_action(value: object) -> TypeGuard[Action]:
    """Whether ``value`` is an editor's action."""
    return isinstance(value, str) and value in ACTIONS


@dataclass(frozen=True)
class PageSelectors:
    """CSS selectors for a ``kind: page`` source's listing."""

    item: str
    title: str
    link: str
    date: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class Rule:
    """One of a source's ``skip``/``keep`` rules (:mod:`curator.rules`): an RE2 pattern searched
    in one field of a new item (``title``, ``summary``, ``url`` or ``type``), case aside."""

    field: str
    pattern: str

    def __str__(self) -> str:
        return f"{self.field} ~ '{self.pattern}'"


@dataclass(frozen=True)
class SourceConfig:
    """One entry of ``sources.yaml`` after validation."""

    id: str
    publisher: str
    kind: SourceKind
    url: str
    every: timedelta = timedelta(hours=1)
    sector_hint: str | None = None
    enabled: bool = True
    verified: bool = False
    selectors: PageSelectors | None = None
    quiet_after: timedelta = timedelta(days=60)
    jitter: float = 0.1
    line: int | None = None  # where it stands in the file, for error messages
    notes: str | None = None  # free text for admins (sources.yaml `notes:`)
    #: New items these rules catch are stored quiet (``defaults:``'s rules first).
    skip: tuple[Rule, ...] = ()
    #: With any, a new item none of them matches is stored quiet.
    keep: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class FetchResult:
    """What one HTTP fetch of a source returned (body already size-capped and decompressed)."""

    source_id: str
    url: str  # final URL after redirects
    status: int
    headers: dict[str, str]
    content: bytes
    elapsed: float
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After
    max_age: float | None = None  # seconds, from Cache-Control: max-age
    # curator.parse.fingerprint of the body and of how its source parses it (set by the poller)
    body_hash: str | None = None
    #: Where the permanent redirects (301, 308) from the URL asked for led, if anywhere else.
    moved_to: str | None = None

    def moved_warning(self, asked: str) -> str | None:
        """What an admin should know when the URL ``asked`` (the source's) has moved for good:
        every fetch pays a redirect, and the move may be the first step of a redesign."""
        if self.moved_to is None:
            return None
        return (
            f"{asked} has moved permanently (HTTP 301/308) to {self.moved_to}; "
            "set the source's url to the new address"
        )


@dataclass(frozen=True)
class Entry:
    """One publication parsed from a feed or page and normalised."""

    source_id: str
    publisher: str
    url: str  # canonical URL (the dedupe key)
    original_url: str
    title: str
    summary: str = ""
    document_type: str | None = None  # e.g. "Research and analysis" from a GOV.UK title prefix
    published_at: datetime | None = None
    govuk_path: str | None = None
    guid: str | None = None
    categories: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed document: its entries plus what the parser noticed about it."""

    entries: list[Entry]
    title: str | None = None
    warnings: tuple[str, ...] = ()
    #: The warnings (also in ``warnings``) about how the document as a whole was read, not about
    #: one entry: a page selector that matched nothing. They stay in the source's health until
    #: a parse has none.
    source_warnings: tuple[str, ...] = ()
    #: The source's page selectors no longer match and its listing was read without them.
    degraded: bool = False
    #: How many of the document's entries were skipped as unusable (no title, no http(s) link,
    #: text that cannot be stored); each has its warning, saying why.
    skipped: int = 0


#: A listing records at most this many of the other sources that stored its publications first.
LISTING_SOURCES = 5


@dataclass(frozen=True)
class Listing:
    """What a source's last parsed document listed, as its check records it: ``entries``, of
    which ``elsewhere`` were publications already stored under another source (the same
    publication reached through two feeds or pages: the first stores it, the second none), and
    those sources, most such entries first (at most :data:`LISTING_SOURCES`)."""

    entries: int
    elsewhere: int = 0
    sources: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: int, elsewhere: Mapping[str, int]) -> Listing:
        """The listing of a document of ``entries`` entries, ``elsewhere`` of which the other
        sources (by id) had stored first."""
        ranked = sorted(elsewhere.items(), key=lambda kv: (-kv[1], kv[0]))
        return cls(
            entries,
            sum(elsewhere.values()),
            tuple(sid for sid, _ in ranked[:LISTING_SOURCES]),
        )


@dataclass(frozen=True)
class Prediction:
    """The classifier's three heads for one item."""

    relevant: bool
    relevance: float
    sector: str
    sector_confidence: float
    category: str
    category_confidence: float
    uncertain: bool
    model_version: str
