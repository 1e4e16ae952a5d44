"""What a poll's results mean, decided apart from doing it: pure, no I/O, no clock.

The stages of the poll (``curator.pipeline.stages``) hand typed records over and store what
comes back; every rule about *what* to record lives here:

- is a fetched document the one already stored? (:func:`unchanged`)
- a check that went well (a new document stored, a 304, the same document again): the source's
  new state and its next check (:meth:`Decider.checked`);
- a check that failed, or a site that refused us: the error to show, whether it counts as a
  refusal, and the next check, backing off (:meth:`Decider.failed`);
- a document's new items, all at once: is this the source's first document (its archive), or a
  flood of new items (a redesign, a re-listing)? (:meth:`Decider.situation`, :func:`flood`)
- a new item: is it kept quiet by its source's ``skip``/``keep`` rules
  (:meth:`Decider.ruled_out`, :mod:`curator.rules`)? its lane, ``card`` (posted to the
  editors), ``digest`` (listed in the day's roll-up) or ``quiet`` (stored and searchable only)
  (:meth:`Decider.lane`);
- a new item without a summary: is its own page worth reading for a description first
  (:meth:`Decider.wants_description`), and is the description found there the publication's
  own (:func:`usable_descriptions`)?

When to check next is ``curator.schedule``'s rule; a decider only gives it the facts.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from curator.errors import BlockedBySite, CuratorError, FetchError
from curator.normalise import says_more_than
from curator.records import (
    Entry,
    FetchResult,
    Lane,
    Listing,
    ParsedFeed,
    Prediction,
    SourceConfig,
)
from curator.rules import kept_quiet_by, reads_summary
from curator.schedule import next_check_at

#: How far back a publication may date and still be shown to editors (older ones are stored,
#: so they never come back as new, but not queued: a new source's archive is not news).
DEFAULT_BACKFILL = timedelta(days=45)
#: A later poll that brings more than this many new items at once, and more than half of the
#: document's entries, is a redesign or a re-listing, not a day's news: all stored quiet.
FLOOD_ITEMS = 20


class KnownState(Protocol):
    """What the decider reads of a source's stored state (``store.source_state.SourceState``)."""

    @property
    def body_hash(self) -> str | None: ...

    @property
    def consecutive_failures(self) -> int: ...

    @property
    def consecutive_blocks(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Checked:
    """A check that went well, as it is to be recorded: a 200 (``new_items`` stored from it) or
    a 304, or a 200 with the document already stored (``unchanged``)."""

    source_id: str
    now: datetime
    next_check_at: datetime
    status: int
    etag: str | None
    last_modified: str | None
    not_modified: bool
    #: The fingerprint of a document that was parsed and stored (kept with the state, so the
    #: next poll that gets the same document need not parse it); None for a 304.
    body_hash: str | None
    unchanged: bool = False
    new_items: int = 0
    feed_title: str | None = None
    #: How the document was read, ``(parse_warning, degraded)``; None (a 304, an unchanged
    #: document) keeps what the last parse said.
    read: tuple[str | None, bool] | None = None
    #: New items stored quiet at once as a flood (:func:`flood`); 0 when there was none.
    flood: int = 0
    #: Where the source's URL has moved for good (its permanent redirects led); None: it has not.
    moved_to: str | None = None
    #: What the document parsed and stored listed (None: a 304, an unchanged document, which
    #: keep what the last parse listed).
    listing: Listing | None = None

    @property
    def progress(self) -> str:
        """The source's line in a progress bar."""
        if self.not_modified:
            return "not modified"
        return "unchanged" if self.unchanged else f"{self.new_items} new"


@dataclass(frozen=True, slots=True)
class Failed:
    """A check that failed, as it is to be recorded."""

    source_id: str
    now: datetime
    next_check_at: datetime
    #: The message shown and stored; it always starts with the source id.
    error: str
    status: int | None
    #: The site refused us (401/403 or a bot challenge): one more refusal in a row.
    blocked: bool
    #: Not an error the project raises on purpose: worth logging with its traceback.
    unexpected: bool

    progress = "failed"


@dataclass(frozen=True, slots=True)
class Situation:
    """Where a new item stands when its lane is chosen: its source, the time of the poll, and
    what the document it came in brought as a whole (:meth:`Decider.situation`)."""

    source: SourceConfig
    now: datetime
    #: The source's first document stored since it was added, re-enabled or given a new URL:
    #: its undated entries are its archive, not news.
    first: bool = False
    #: The new items of a flood (:func:`flood`), all stored quiet; 0 when there was none.
    flood: int = 0


def flood(first: bool, entries: int, new: int, limit: int = FLOOD_ITEMS) -> int:
    """The number of new items when a document brought a flood of them, else 0: on a later poll
    (not ``first``), more than ``limit`` new items that are also more than half of the
    document's ``entries`` at once. A source's first document is its archive, decided by date
    instead (:meth:`Decider.lane`)."""
    if first or new <= limit or 2 * new <= entries:
        return 0
    return new


def flood_warning(count: int) -> str:
    """What a source's flood is called in the poll's warnings."""
    return (
        f"{count} new items at once, more than half of its entries (a redesign or a re-listing?): "
        "stored quiet, not shown to the editors; `curator find` finds them"
    )


#: The lane of a recent item, from its prediction.
PredictionLane = Callable[[Prediction], Lane]


def relevant_or_uncertain(prediction: Prediction) -> Lane:
    """A relevant prediction, or one the model is unsure of, is shown to the editors as a card;
    the rest is only stored. (A rule over the model's thresholds, such as
    ``curator.classify``'s ``lane_for``, plugs in here as :attr:`Decider.prediction_lane`.)"""
    return "card" if prediction.relevant or prediction.uncertain else "quiet"


def unchanged(result: FetchResult, state: KnownState | None) -> bool:
    """A 304, or a 200 with the very document last parsed and stored for the source."""
    if result.not_modified:
        return True
    return (
        result.body_hash is not None and state is not None and result.body_hash == state.body_hash
    )


@dataclass(frozen=True)
class Decider:
    """The rules of a poll, over typed records. Its one piece of state is ``rng``, the random
    source of the schedule's jitter, given by the caller (a seeded one makes every decision
    reproducible)."""

    rng: random.Random
    backfill: timedelta = DEFAULT_BACKFILL
    prediction_lane: PredictionLane = relevant_or_uncertain

    def checked(
        self,
        source: SourceConfig,
        result: FetchResult,
        now: datetime,
        *,
        feed: ParsedFeed | None = None,
        new_items: int = 0,
        flood: int = 0,
        listing: Listing | None = None,
    ) -> Checked:
        """What a check that went well records: the validators and status it brought, and the
        next check it earned (the source's interval, stretched by ``max-age``, never before
        ``Retry-After``). ``feed`` is the document parsed and stored from it, if any, and
        ``listing`` what storing it found (its entries already stored under other sources)."""
        read = None
        if feed is not None:
            read = ("; ".join(feed.source_warnings) or None, feed.degraded)
        return Checked(
            source_id=source.id,
            now=now,
            next_check_at=self._next_check(
                source, now, retry_after=result.retry_after, max_age=result.max_age
            ),
            status=result.status,
            etag=result.etag,
            last_modified=result.last_modified,
            not_modified=result.not_modified,
            body_hash=result.body_hash,
            unchanged=feed is None,
            new_items=new_items,
            feed_title=None if feed is None else feed.title,
            read=read,
            flood=flood,
            moved_to=result.moved_to,
            listing=listing if feed is not None else None,
        )

    def failed(
        self, source: SourceConfig, state: KnownState, exc: BaseException, now: datetime
    ) -> Failed:
        """What a failed check records: the error (named after the source), and when to try
        again, backing off with the failures in a row; once a day when the site has refused
        us often enough in a row (``curator.schedule``)."""
        retry_after = status = None
        if isinstance(exc, FetchError):
            retry_after, status = exc.retry_after, exc.status
        ours = isinstance(exc, CuratorError)
        text = str(exc) if ours else f"internal error: {exc!r}"
        blocked = isinstance(exc, BlockedBySite)
        return Failed(
            source_id=source.id,
            now=now,
            next_check_at=self._next_check(
                source,
                now,
                retry_after=retry_after,
                failures=state.consecutive_failures + 1,
                blocks=state.consecutive_blocks + 1 if blocked else 0,
            ),
            error=text if text.startswith(source.id) else f"{source.id}: {text}",
            status=status,
            blocked=blocked,
            unexpected=not ours,
        )

    def _next_check(
        self,
        source: SourceConfig,
        now: datetime,
        *,
        retry_after: float | None,
        max_age: float | None = None,
        failures: int = 0,
        blocks: int = 0,
    ) -> datetime:
        return next_check_at(
            now,
            every=source.every,
            consecutive_failures=failures,
            consecutive_blocks=blocks,
            retry_after=retry_after,
            max_age=max_age,
            jitter=source.jitter,
            rng=self.rng,
        )

    def recent(self, entry: Entry, now: datetime) -> bool:
        """Whether ``entry`` is recent enough to be news (undated entries are)."""
        return entry.published_at is None or entry.published_at >= now - self.backfill

    def situation(
        self,
        source: SourceConfig,
        state: KnownState | None,
        now: datetime,
        *,
        entries: int,
        new: int,
    ) -> Situation:
        """Where the ``new`` items stored from a document of ``entries`` entries stand. The first
        document is the one stored while the source has no document on record (``body_hash``:
        a new source, a changed URL or a re-enabled one start without one)."""
        first = state is None or state.body_hash is None
        return Situation(source, now, first=first, flood=flood(first, entries, new))

    def lane(self, entry: Entry, prediction: Prediction | None, situation: Situation) -> Lane:
        """Where a new item goes. Kept quiet by its source's rules, part of a flood, older than
        the backfill window, or undated in a source's first document (its archive): stored
        only. Without a model (``prediction`` None): every other item is shown. Otherwise the
        prediction decides (:attr:`prediction_lane`)."""
        if self.ruled_out(entry, situation) or self.kept_quiet(entry, situation):
            return "quiet"
        if prediction is None:
            return "card"
        return self.prediction_lane(prediction)

    def kept_quiet(self, entry: Entry, situation: Situation) -> bool:
        """Whether a new item is quiet whatever the model says: part of a flood, undated in a
        source's first document, or older than the backfill window."""
        return (
            situation.flood > 0
            or (situation.first and entry.published_at is None)
            or not self.recent(entry, situation.now)
        )

    @staticmethod
    def ruled_out(entry: Entry, situation: Situation) -> str | None:
        """Why the source's ``skip``/``keep`` rules keep a new item quiet, or None."""
        source = situation.source
        if not source.skip and not source.keep:
            return None
        return kept_quiet_by(entry, source.skip, source.keep)

    def wants_description(self, entry: Entry, situation: Situation) -> bool:
        """Whether a new item's own page is worth reading for its description before it is
        classified: it has no summary that says more than its title (so the model would read
        it at the lower points of such items), and its lane is the model's to choose (the
        source's rules let it through, unless a description could change their verdict)."""
        if says_more_than(entry.summary, entry.title) or self.kept_quiet(entry, situation):
            return False
        source = situation.source
        return not self.ruled_out(entry, situation) or reads_summary(source.skip, source.keep)


def usable_descriptions(
    found: Mapping[str, str | None], titles: Mapping[str, str], site: Iterable[str] = ()
) -> dict[str, str]:
    """The descriptions ``found`` on items' pages (by URL) that are the publication's own: not
    one that two or more of the pages read together share, nor one of the ``site``'s own
    (a listing page's description), since a site-wide description says nothing of the item;
    and one that says more than the item's title (``titles``, by URL)."""
    shared = Counter(d for d in found.values() if d)
    banned = {d.casefold() for d in site}
    return {
        url: text
        for url, text in found.items()
        if text
        and shared[text] == 1
        and text.casefold() not in banned
        and says_more_than(text, titles.get(url, ""))
    }
