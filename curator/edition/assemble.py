"""Assemble an edition from accepted items, in the reference edition's order (pure: no I/O).

The one model every renderer (Markdown, HTML, DOCX) draws from, so the three formats can never
disagree about what is in the edition or in which order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from curator.calendar import parse_edition, previous_edition
from curator.edition.cutoff import cut_by_the_bot, cut_note, cut_off_reason
from curator.edition.typography import house_apostrophes
from curator.normalise.text import trim
from curator.records import CATEGORIES, CATEGORY_IDS, SECTORS, Category, is_category

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Shown instead of a summary the editors still have to write; the item is never dropped.
SUMMARY_TO_WRITE = "[Summary to write]"
KEY_FINDINGS_LEAD = "Key findings include:"
#: Section for accepted items whose sector is missing or unknown (they are never dropped).
UNSORTED_SECTOR = "unsorted"
UNSORTED_HEADING = "Sector to choose"

_BULLET = re.compile(r"^\s*[-*•–]\s+")  # "- ", "* ", "• ", "– " start a bullet
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0]+")
#: Separators a heading part may be left ending with (a colon, a comma, a dash...).
_TRAILING_SEPARATOR = re.compile(r"(?:\s*[:;,|/\-\u2010-\u2015])+$")


@dataclass(frozen=True)
class DraftItem:
    """One accepted item as it goes into the draft (editors' edits already applied)."""

    item_id: int | None
    publisher: str
    title: str
    url: str
    summary: str
    key_findings: tuple[str, ...]
    # As text, not Sector and Category: an item read from a file may name an unknown one, and
    # assemble() files it apart with a warning instead of dropping it.
    sector: str
    category: str | None
    position: int | None
    accepted_at: datetime | None
    #: The line before the key findings; None: "Key findings include:".
    lead_in: str | None = None
    #: The parts that are a proposal no editor has used yet ("summary", "key_findings"), and
    #: the note that says so and where they were quoted from (:mod:`curator.edition.proposed`).
    proposed: tuple[str, ...] = ()
    proposed_note: str | None = None
    #: The summary is the feed's as it came (not the editors', not a proposal): checked for a
    #: feed's cut (:mod:`curator.edition.cutoff`). The editors' text is never flagged.
    summary_from_feed: bool = False
    #: When the publication came out ("10 Jun 2024") and the month that is, in the editors'
    #: time zone ("2024-06"); None: undated. An item published neither in the edition's month
    #: nor in the month before is listed for the editors to check.
    published_on: str | None = None
    published_in: str | None = None
    #: Why the publication could not be read (a dead link, a scanned PDF), when the editors
    #: have not written the summary themselves: the draft prints the feed's, unchecked.
    unread: str | None = None
    #: Accepted without its publication being read at all (no proposal, not even a failed one).
    never_read: bool = False


@dataclass(frozen=True)
class Block:
    """A piece of an item's body: a paragraph, a bulleted list, or a note for the editors
    (highlighted like "[Summary to write]"). ``proposed``: quoted from the publication and not
    yet checked by an editor (the renderers mark it)."""

    kind: Literal["paragraph", "bullets", "note"]
    lines: tuple[str, ...]
    proposed: bool = False


@dataclass(frozen=True)
class EntryView:
    """An item ready to print: its heading ("Publisher. Title.") and its body blocks."""

    item: DraftItem
    heading: str
    link: str | None  # None when the URL is not absolute http(s): printed unlinked
    body: tuple[Block, ...]
    summary_missing: bool
    proposed_note: str | None = None  # printed with the item while a part is proposed
    #: Why the feed's summary looks cut off (None: it does not); a note follows the summary.
    summary_cut: str | None = None


@dataclass(frozen=True)
class CategoryBlock:
    category_id: Category | None  # None: items printed directly under the sector heading
    heading: str | None
    items: list[DraftItem]
    entries: list[EntryView]  # the same items, ready to print


@dataclass(frozen=True)
class Section:
    sector_id: str
    heading: str
    categories: list[CategoryBlock]


@dataclass(frozen=True)
class Edition:
    id: str
    title: str  # "June 2024"
    sections: list[Section]
    publication: str = "CordisPulse"
    firm_name: str = "Cordis Bright"
    letter_placeholder: str = ""
    news_heading: str = ""
    news_placeholder: str = ""
    summaries_to_write: int = 0
    item_count: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)
    #: The items whose summary the feed cut off, in the edition's order (for the editors'
    #: list of what to check).
    summaries_cut: tuple[EntryView, ...] = ()
    #: The items published neither in the edition's month nor in the month before (an old
    #: report added by its link, a feed's wrong date, an item moved to a later edition).
    published_elsewhen: tuple[EntryView, ...] = ()
    #: The items whose publication could not be read (:attr:`DraftItem.unread`).
    unreadable: tuple[EntryView, ...] = ()
    #: How many items were accepted without their publication being read at all.
    never_read: int = 0

    def to_finish(self) -> list[str]:
        """What is marked in the draft for the editors to finish before publishing, counted
        (``curator draft`` and ``/pulse draft`` say it alike)."""
        out = []
        if self.summaries_to_write:
            out.append(f"{self.summaries_to_write} with a summary to write")
        ours = sum(1 for v in self.summaries_cut if cut_by_the_bot(v.summary_cut))
        if len(self.summaries_cut) > ours:
            out.append(f"{len(self.summaries_cut) - ours} with a summary cut off by the feed")
        if ours:
            out.append(f"{ours} with a summary shortened when stored")
        return out

    def out_of_month(self) -> list[str]:
        """The items published neither in the edition's month nor the month before, each as
        "'<heading>': published 4 Jun 2022, not in July 2024 or the month before", for
        ``/pulse draft``'s "To check" (``curator draft`` prints a line of its own for each).
        Nothing marks them in the draft itself, so they are not among :meth:`to_finish`."""
        return [
            f"{trim(v.heading, 80)!r}: {self.when_elsewhere(v)}" for v in self.published_elsewhen
        ]

    def when_elsewhere(self, view: EntryView) -> str:
        """ "published 4 Jun 2022, not in July 2024 or the month before": why an item of
        :attr:`published_elsewhen` is listed to check, as ``/pulse draft`` and ``curator
        draft`` both say it."""
        return f"published {view.item.published_on}, not in {self.title} or the month before"

    def not_read(self) -> list[str]:
        """The items whose publication could not be read, each as "'<heading>': its
        publication could not be read (<why>)", for ``/pulse draft``'s "To check"."""
        return [
            f"{trim(v.heading, 80)!r}: its publication could not be read ({v.item.unread})"
            for v in self.unreadable
        ]


def edition_title(edition_id: str) -> str:
    """``"2024-06"`` -> ``"June 2024"``."""
    year, month = parse_edition(edition_id)
    return f"{MONTHS[month - 1]} {year}"


def clean_text(text: str) -> str:
    """Drop control characters (they break DOCX/XML) and normalise line ends and spaces."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()


def prose(text: str) -> str:
    """:func:`clean_text` with the house's apostrophes: what the draft prints of a heading, a
    summary or a finding (not of a link)."""
    return house_apostrophes(clean_text(text))


def _sentence(text: str) -> str:
    """End ``text`` with a full stop unless it already ends a sentence (no "..").

    A separator left at the end (a title cut after "Report:", "Care Act 2014 –", "Reports,")
    goes first: "Report:." or "Care Act 2014 –." is never printed."""
    text = _TRAILING_SEPARATOR.sub("", text.strip())
    if not text:
        return text
    if text[-1] in ".?!…":
        return text
    if text[-1] in "\"'”’)" and len(text) > 1 and text[-2] in ".?!":
        return text
    return text + "."


def item_heading(publisher: str, title: str) -> str:
    """``"Publisher. Title."``, without doubling a full stop either of them already has."""
    publisher, title = prose(publisher), prose(title)
    parts = [_sentence(p) for p in (publisher, title) if p]
    return " ".join(p for p in parts if p) or "[Title to write]"  # "–" alone leaves nothing


def safe_link(url: str) -> str | None:
    """The URL if it is an absolute http(s) link, else None (javascript:, data:, relative...)."""
    url = clean_text(url)
    if re.match(r"^https?://[^\s/?#]+", url, re.I) and not re.search(r"[\s<>\"']", url):
        return url
    return None


def body_blocks(summary: str) -> tuple[Block, ...]:
    """Split a summary into paragraphs (blank lines) and bullet lists (lines starting "- ")."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", prose(summary)):
        para: list[str] = []
        bullets: list[str] = []
        for line in chunk.split("\n"):
            if not line:
                continue
            if _BULLET.match(line):
                if para:
                    blocks.append(Block("paragraph", (" ".join(para),)))
                    para = []
                bullets.append(_BULLET.sub("", line, count=1))
            else:
                if bullets:
                    blocks.append(Block("bullets", tuple(bullets)))
                    bullets = []
                para.append(line)
        if para:
            blocks.append(Block("paragraph", (" ".join(para),)))
        if bullets:
            blocks.append(Block("bullets", tuple(bullets)))
    return tuple(blocks)


def entry_view(item: DraftItem) -> EntryView:
    summary_proposed = "summary" in item.proposed
    body = [Block(b.kind, b.lines, proposed=summary_proposed) for b in body_blocks(item.summary)]
    missing = not body
    if missing:
        body.append(Block("paragraph", (SUMMARY_TO_WRITE,)))
    cut = cut_off_reason(item.summary) if item.summary_from_feed and not missing else None
    if cut:
        body.append(Block("note", (cut_note(cut),)))
    findings = tuple(f for f in (prose(k) for k in item.key_findings) if f)
    if findings:
        proposed = "key_findings" in item.proposed
        lead_in = prose(item.lead_in or "") or KEY_FINDINGS_LEAD
        body.append(Block("paragraph", (lead_in,), proposed=proposed))
        body.append(Block("bullets", findings, proposed=proposed))
    marked = any(b.proposed for b in body)
    return EntryView(
        item=item,
        heading=item_heading(item.publisher, item.title),
        link=safe_link(item.url),
        body=tuple(body),
        summary_missing=missing,
        proposed_note=(clean_text(item.proposed_note or "") or None) if marked else None,
        summary_cut=cut,
    )


def _order_key(item: DraftItem) -> tuple[bool, int, bool, float, int]:
    # Editor-set position first, then acceptance time, then id: a stable, explainable order.
    return (
        item.position is None,
        item.position or 0,
        item.accepted_at is None,
        item.accepted_at.timestamp() if item.accepted_at else 0.0,
        item.item_id or 0,
    )


def assemble(
    edition_id: str,
    items: Sequence[DraftItem],
    *,
    publication: str = "CordisPulse",
    firm_name: str = "Cordis Bright",
) -> Edition:
    """Group ``items`` into sectors and categories in the reference edition's order.

    Items without a category print directly under their sector heading, before any category
    heading (the reference edition's Criminal Justice section has no sub-headings). Items with
    no known sector go to a last "Sector to choose" section rather than being dropped.
    """
    title = edition_title(edition_id)
    warnings: list[str] = []
    buckets: dict[str, dict[Category | None, list[DraftItem]]] = {}
    for item in items:
        sector = item.sector if item.sector in SECTORS else UNSORTED_SECTOR
        if sector == UNSORTED_SECTOR:
            warnings.append(f"item {item.item_id} has no known sector ({item.sector!r})")
        category = item.category if is_category(item.category) else None
        if item.category and category is None:
            warnings.append(f"item {item.item_id} has unknown category {item.category!r}")
        buckets.setdefault(sector, {}).setdefault(category, []).append(item)

    sections: list[Section] = []
    headings = {**SECTORS, UNSORTED_SECTOR: UNSORTED_HEADING}
    for sector_id, heading in headings.items():
        by_category = buckets.get(sector_id)
        if not by_category:
            continue
        blocks: list[CategoryBlock] = []
        for category_id in (None, *CATEGORY_IDS):
            group = by_category.get(category_id)
            if not group:
                continue
            ordered = sorted(group, key=_order_key)
            cat_heading = CATEGORIES[category_id] if category_id else None
            blocks.append(
                CategoryBlock(category_id, cat_heading, ordered, [entry_view(i) for i in ordered])
            )
        sections.append(Section(sector_id, heading, blocks))

    all_views = [v for s in sections for b in s.categories for v in b.entries]
    earliest = previous_edition(edition_id)  # published last month: expected, not flagged
    return Edition(
        id=edition_id,
        title=title,
        sections=sections,
        publication=publication,
        firm_name=firm_name,
        letter_placeholder=(
            f"[EDITORS TO WRITE: the editor's letter for {title} — welcome, this month's "
            "highlights, contact details and sign-off.]"
        ),
        news_heading=f"{firm_name} News",
        news_placeholder=f"[EDITORS TO WRITE: {firm_name}'s own news for {title}.]",
        summaries_to_write=sum(v.summary_missing for v in all_views),
        item_count=len(all_views),
        warnings=tuple(warnings),
        summaries_cut=tuple(v for v in all_views if v.summary_cut),
        published_elsewhen=tuple(
            v
            for v in all_views
            if v.item.published_in and not earliest <= v.item.published_in <= edition_id
        ),
        unreadable=tuple(v for v in all_views if v.item.unread),
        never_read=sum(v.item.never_read for v in all_views),
    )
