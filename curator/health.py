"""Source health (pure): is a source fine, failing, blocked, degraded, quiet, ended, or never
polled?

Policy sites go silent after a redesign rather than erroring, so "quiet" — nothing new for longer
than the source's expected cadence (``quiet_after``) — matters as much as "failing". A GOV.UK feed
whose title says "This feed has ended" is an alarm of its own. A site that refuses automated
clients (401/403 or a bot challenge, several polls in a row) is "blocked": not broken, nothing to
fix in sources.yaml, but an admin has to look at it by hand, so it is listed with its URL. A page
source whose selectors no longer match is read without them and keeps working, "degraded", until an
admin fixes the selectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from curator.outcomes import Outcomes, outcome_lines
from curator.records import Listing, SourceConfig
from curator.rules_suggest import DAYS as SUGGEST_DAYS
from curator.rules_suggest import Suggestion
from curator.schedule import BLOCKED_EVERY, is_blocked
from curator.sources.model import without_id
from curator.unstored import unstored_detail

Status = Literal[
    "ok", "failing", "blocked", "degraded", "quiet", "ended", "never polled", "disabled"
]
#: Failures in a row before a source counts as failing in reports (one blip is not news).
FAILING_AFTER = 2
ENDED_MARKERS = ("this feed has ended", "feed has ended")
#: How long a flood of new items stored quiet at once (a redesign or a re-listing) is reported
#: against its source: the weekly report's week.
FLOOD_REPORTED = timedelta(days=7)


@dataclass(frozen=True)
class SourceFacts:
    """What the database knows about one source."""

    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    consecutive_failures: int = 0
    last_error: str | None = None
    feed_title: str | None = None
    newest_item_at: datetime | None = None
    items_last_30_days: int = 0
    #: of those, the items that came without a summary, or with one that only repeats the title
    items_without_summary_30_days: int = 0
    #: of ``items_last_30_days``, the items the source's skip/keep rules kept quiet
    items_kept_quiet_by_rules_30_days: int = 0
    #: of those, the ones an editor made a card of or accepted all the same
    ruled_items_wanted_30_days: int = 0
    accepted: int = 0
    rejected: int = 0
    consecutive_blocks: int = 0
    next_check_at: datetime | None = None
    #: What the last parse said about the document as a whole (a page selector that matched
    #: nothing), and whether it was read without the source's broken selectors.
    parse_warning: str | None = None
    degraded: bool = False
    #: The last flood of new items stored quiet at once: how many, and when (None: none).
    flood_items: int | None = None
    flood_at: datetime | None = None
    #: Where the source's URL redirected for good at its last successful check (None: nowhere).
    moved_to: str | None = None
    #: What its last parsed document listed (None: none parsed since that was recorded).
    listing: Listing | None = None


@dataclass(frozen=True)
class SourceHealth:
    source_id: str
    publisher: str
    status: Status
    detail: str
    last_ok_at: datetime | None
    consecutive_failures: int
    last_error: str | None
    newest_item_at: datetime | None
    items_last_30_days: int
    acceptance_rate: float | None
    url: str = ""
    consecutive_blocks: int = 0
    next_check_at: datetime | None = None
    #: A flood of new items stored quiet at once in the last week (:data:`FLOOD_REPORTED`).
    flood_items: int | None = None
    flood_at: datetime | None = None
    #: of ``items_last_30_days``, the items that came without a summary
    items_without_summary_30_days: int = 0
    #: of ``items_last_30_days``, the items the source's skip/keep rules kept quiet
    items_kept_quiet_by_rules_30_days: int = 0
    #: of those, the ones an editor made a card of or accepted all the same
    ruled_items_wanted_30_days: int = 0
    #: the items the editors accepted or rejected, all told (``acceptance_rate`` is of these)
    items_decided: int = 0
    #: where its URL redirects for good (None: it does not, or the source is disabled)
    moved_to: str | None = None
    #: the status's own part of ``detail``, without the notes after it (``/pulse status``'s)
    reason: str = ""

    def as_json(self) -> dict[str, object]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.source_id,
            "publisher": self.publisher,
            "url": self.url,
            "status": self.status,
            "detail": self.detail,
            "last_ok_at": iso(self.last_ok_at),
            "consecutive_failures": self.consecutive_failures,
            "consecutive_blocks": self.consecutive_blocks,
            "next_check_at": iso(self.next_check_at),
            "last_error": self.last_error,
            "newest_item_at": iso(self.newest_item_at),
            "items_last_30_days": self.items_last_30_days,
            "items_without_summary_30_days": self.items_without_summary_30_days,
            "items_kept_quiet_by_rules_30_days": self.items_kept_quiet_by_rules_30_days,
            "ruled_items_wanted_30_days": self.ruled_items_wanted_30_days,
            "acceptance_rate": self.acceptance_rate,
            "items_decided": self.items_decided,
            "flood_items": self.flood_items,
            "flood_at": iso(self.flood_at),
            "moved_to": self.moved_to,
        }


def assess(source: SourceConfig, facts: SourceFacts, now: datetime) -> SourceHealth:
    decided = facts.accepted + facts.rejected
    rate = facts.accepted / decided if decided else None
    # The error names its source for the logs; the detail is said of that source already.
    error = without_id(facts.last_error, source.id) if facts.last_error else "unknown error"
    status: Status
    if not source.enabled:
        status, detail = "disabled", "disabled in sources.yaml"
    elif facts.feed_title and any(m in facts.feed_title.lower() for m in ENDED_MARKERS):
        status, detail = "ended", f"the feed says {facts.feed_title!r}: find its replacement"
    elif (
        facts.consecutive_failures
        and facts.last_error
        and any(m in facts.last_error.lower() for m in ENDED_MARKERS)
    ):
        status, detail = "ended", error
    elif is_blocked(facts.consecutive_blocks):
        status = "blocked"
        reason = facts.last_error or "refused"
        prefix = f"{source.id}: "
        reason = reason[len(prefix) :] if reason.startswith(prefix) else reason
        # The fetcher's own advice ("; the site refuses ... (check it by hand)") is said below.
        reason = reason.split("; the site refuses automated clients", 1)[0]
        detail = (
            f"refused automated clients {facts.consecutive_blocks} polls in a row ({reason}); "
            f"checked once every {_days(max(BLOCKED_EVERY, source.every))} until it answers: "
            "check it by hand"
        )
    elif facts.consecutive_failures and facts.last_ok_at is None and not facts.consecutive_blocks:
        # It has never worked: nothing suggests the next attempt will, so say so at once (a
        # refusal is left to the count that makes a source "blocked").
        status = "failing"
        detail = (
            f"never fetched successfully ({facts.consecutive_failures} "
            f"attempt{'s' if facts.consecutive_failures != 1 else ''}): {error}"
        )
    elif facts.consecutive_failures >= FAILING_AFTER:
        status = "failing"
        detail = f"{facts.consecutive_failures} failures in a row: {error}"
    elif facts.last_checked_at is None:
        status, detail = "never polled", "not polled yet"
    elif facts.degraded:
        status = "degraded"
        detail = facts.parse_warning or "read without its selectors, which no longer match"
    elif facts.newest_item_at is None and facts.last_ok_at is not None:
        status, detail = "quiet", unstored_detail(facts.listing)
    elif facts.newest_item_at is not None and now - facts.newest_item_at > source.quiet_after:
        days = (now - facts.newest_item_at).days
        status = "quiet"
        detail = (
            f"nothing new for {days} days (expected within {source.quiet_after.days} days): "
            "check the site has not moved"
        )
    else:
        status, detail = "ok", facts.parse_warning or ""
    if facts.consecutive_failures and status in ("ok", "degraded", "quiet"):
        # One failure is not "failing" yet, but whatever the status says, the admin sees it.
        failed = f"last attempt failed: {error}"
        detail = f"{detail}; {failed}" if detail else failed
    flooded = (
        facts.flood_items is not None
        and facts.flood_at is not None
        and now - facts.flood_at <= FLOOD_REPORTED
    )
    # What else an admin should know, said after the status's own detail.
    reason, notes = detail, [detail] if detail else []
    moved = facts.moved_to if facts.moved_to != source.url and status != "disabled" else None
    if moved:
        notes.append(moved_detail(moved))
    if flooded and facts.flood_items is not None and facts.flood_at is not None:
        notes.append(flood_detail(facts.flood_items, facts.flood_at))
    if without_summaries(facts.items_without_summary_30_days, facts.items_last_30_days):
        notes.append(
            no_summary_detail(facts.items_without_summary_30_days, facts.items_last_30_days)
        )
    if facts.ruled_items_wanted_30_days:
        notes.append(
            ruled_wanted_detail(
                facts.ruled_items_wanted_30_days, facts.items_kept_quiet_by_rules_30_days
            )
        )
    if mostly_rejected(decided, rate):
        notes.append(rejected_detail(facts.rejected, decided))
    detail = "; ".join(notes)
    return SourceHealth(
        source_id=source.id,
        publisher=source.publisher,
        status=status,
        detail=detail,
        last_ok_at=facts.last_ok_at,
        consecutive_failures=facts.consecutive_failures,
        last_error=facts.last_error,
        newest_item_at=facts.newest_item_at,
        items_last_30_days=facts.items_last_30_days,
        acceptance_rate=rate,
        url=source.url,
        consecutive_blocks=facts.consecutive_blocks,
        next_check_at=facts.next_check_at,
        flood_items=facts.flood_items if flooded else None,
        flood_at=facts.flood_at if flooded else None,
        items_without_summary_30_days=facts.items_without_summary_30_days,
        items_kept_quiet_by_rules_30_days=facts.items_kept_quiet_by_rules_30_days,
        ruled_items_wanted_30_days=facts.ruled_items_wanted_30_days,
        items_decided=decided,
        moved_to=moved,
        reason=reason,
    )


def moved_detail(moved_to: str) -> str:
    """The note of a source whose URL redirects for good: every check pays the redirect, and an
    old address stops redirecting one day (often in the redesign that moved it)."""
    return f"moved permanently to {moved_to}: set its url to that"


def flood_detail(items: int, when: datetime) -> str:
    """What a source's flood of new items (stored quiet at once) is called in reports."""
    return (
        f"{items} new items at once on {when:%Y-%m-%d} (a redesign or a re-listing?): stored "
        "quiet, not shown to the editors; `curator find` finds them"
    )


#: A source is said to come without summaries when at least this many of its items of the last
#: 30 days, and at least half of them, had none.
NO_SUMMARY_MIN_ITEMS = 5


def without_summaries(bare: int, items: int) -> bool:
    """Pure: whether a source's items of the last 30 days mostly came without a summary."""
    return bare >= NO_SUMMARY_MIN_ITEMS and 2 * bare >= items


def no_summary_detail(bare: int, items: int) -> str:
    """What a source whose items come without summaries is told (README, "Lanes")."""
    return (
        f"{bare} of its {items} items in 30 days came without a summary (from the source or "
        "their own pages): the model reads a title and a link only and cards such items at "
        "lower points, so more of them are duds; "
        "give the source a summary (a `summary` selector, or a feed that has one)"
    )


def ruled_wanted_detail(wanted: int, ruled: int) -> str:
    """What a source whose rules kept quiet items the editors wanted all the same is told."""
    return (
        f"the editors made a card of or accepted {wanted} of the {ruled} items its rules kept "
        "quiet in 30 days: check its skip/keep rules"
    )


#: A source is said to be mostly rejected when the editors have decided at least this many of
#: its items and accepted at most :data:`MOSTLY_REJECTED_RATE` of them.
MOSTLY_REJECTED_MIN_ITEMS = 10
MOSTLY_REJECTED_RATE = 0.2


def mostly_rejected(decided: int, rate: float | None) -> bool:
    """Whether the editors reject nearly everything of a source's they decide: a sign that
    ``skip``/``keep`` rules (:mod:`curator.rules`) would spare them its cards."""
    enough = decided >= MOSTLY_REJECTED_MIN_ITEMS
    return enough and rate is not None and rate <= MOSTLY_REJECTED_RATE


def rejected_detail(rejected: int, decided: int) -> str:
    """What a mostly rejected source is told (README, "Skip and keep rules")."""
    return (
        f"the editors rejected {rejected} of its {decided} items they decided: `skip`/`keep` "
        "rules in sources.yaml can keep what they never take quiet "
        "(`curator sources suggest-rules` proposes some from their decisions)"
    )


#: The weekly report lists at most this many rules to consider (the message stays readable).
MAX_SUGGESTION_LINES = 15


def suggestion_lines(suggestions: Sequence[Suggestion], publishers: Mapping[str, str]) -> list[str]:
    """The weekly report's "Rules to consider" (:mod:`curator.rules_suggest`); none without
    suggestions."""
    if not suggestions:
        return []
    lines = [
        f"*Rules to consider* (the editors rejected every item each matches of those first "
        f"seen in {SUGGEST_DAYS} days and took none; `curator sources suggest-rules` prints "
        "them for sources.yaml, with examples):"
    ]
    for s in suggestions[:MAX_SUGGESTION_LINES]:
        waiting = f", {s.waiting} waiting" if s.waiting else ""
        lines.append(
            f"• `{s.source_id}` ({publishers.get(s.source_id, s.source_id)}): skip "
            f"`{s.rule}`: {s.rejected} rejected{waiting}; an admin adds it with "
            f"`/pulse sources skip {s.source_id} {s.rule.field} {s.rule.pattern}`"
        )
    more = len(suggestions) - MAX_SUGGESTION_LINES
    if more > 0:
        lines.append(f"• … and {more} more: `curator sources suggest-rules` lists them all")
    return lines


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return "day" if days == 1 else f"{days:g} days"


#: Statuses the weekly report and `curator sources status --problems` show.
PROBLEMS: tuple[Status, ...] = ("failing", "blocked", "degraded", "quiet", "ended")

#: Why the blocked sources are listed to check by hand (the weekly report and
#: `curator sources status` say it the same way).
CHECK_BY_HAND_WHY = (
    "these sites refuse automated clients; each is checked once a day "
    "and comes back by itself when it answers"
)


def report_text(
    healths: Sequence[SourceHealth],
    outcomes: Outcomes | None = None,
    suggestions: Sequence[Suggestion] = (),
) -> str:
    """The weekly Slack report: the sources that need an admin's attention, the blocked ones
    to check by hand with their URLs, the skip rules the editors' decisions suggest, a summary
    of every status, then (given ``outcomes``) what the editors decided that week, by how each
    item reached them."""
    counts = Counter(h.status for h in healths)
    lines = ["*Weekly source health*"]
    attention = [h for h in healths if h.status in PROBLEMS and h.status != "blocked"]
    for h in attention:
        lines.append(f"• `{h.source_id}` ({h.publisher}): *{h.status}*: {h.detail}")
    blocked = [h for h in healths if h.status == "blocked"]
    if blocked:
        lines.append(f"*Check by hand* ({CHECK_BY_HAND_WHY}):")
        for h in blocked:
            lines.append(f"• `{h.source_id}` ({h.publisher}): {h.url}")
    flooded = [h for h in healths if h.flood_items is not None and h.flood_at is not None]
    if flooded:
        lines.append(
            "*Stored quiet at once* (more than half of a source's entries new in one poll: a "
            "redesign or a re-listing, not news; `curator find` finds them):"
        )
        for h in flooded:
            lines.append(
                f"• `{h.source_id}` ({h.publisher}): {h.flood_items} new items on "
                f"{h.flood_at:%Y-%m-%d}"
            )
    bare = [
        h
        for h in healths
        if h.status != "disabled"
        and without_summaries(h.items_without_summary_30_days, h.items_last_30_days)
    ]
    if bare:
        lines.append(
            "*Without summaries* (the model reads a title and a link only and cards such items at "
            "lower points, so more are duds; a `summary` selector or a feed with summaries helps):"
        )
        for h in bare:
            lines.append(
                f"• `{h.source_id}` ({h.publisher}): {h.items_without_summary_30_days} of "
                f"{h.items_last_30_days} items in 30 days"
            )
    ruled = [h for h in healths if h.items_kept_quiet_by_rules_30_days]
    if ruled:
        lines.append(
            "*Kept quiet by rules* (last 30 days; `curator find` finds them, and says which "
            "rule): check a rule does not catch what the editors want:"
        )
        for h in ruled:
            wanted = h.ruled_items_wanted_30_days
            lines.append(
                f"• `{h.source_id}` ({h.publisher}): {h.items_kept_quiet_by_rules_30_days} of "
                f"{h.items_last_30_days} items"
                + (
                    f"; the editors made a card of or accepted {wanted} of them all the same: "
                    "check the source's rules"
                    if wanted
                    else ""
                )
            )
    rejected = [h for h in healths if mostly_rejected(h.items_decided, h.acceptance_rate)]
    if rejected:
        lines.append(
            "*Mostly rejected* (the editors took one in five or fewer of these sources' items; "
            "`skip`/`keep` rules in sources.yaml can keep quiet what they never take):"
        )
        for h in rejected:
            accepted = round((h.acceptance_rate or 0.0) * h.items_decided)
            lines.append(
                f"• `{h.source_id}` ({h.publisher}): {accepted} of {h.items_decided} accepted"
            )
    moved = [h for h in healths if h.moved_to]
    if moved:
        lines.append(
            "*Moved* (their address redirects for good; set `url:` in sources.yaml to the new one "
            "before the old one stops redirecting):"
        )
        for h in moved:
            lines.append(f"• `{h.source_id}` ({h.publisher}): {h.url} → {h.moved_to}")
    lines.extend(suggestion_lines(suggestions, {h.source_id: h.publisher for h in healths}))
    if healths and not any((attention, blocked, flooded, bare, rejected, moved)):
        lines.append("All sources are polling fine and publishing.")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    lines.append(f"{len(healths)} sources: {summary}." if healths else "No sources are watched.")
    if outcomes is not None:
        lines.extend(outcome_lines(outcomes))
    return "\n".join(lines)
