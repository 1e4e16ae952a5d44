"""From what a parser read (``RawEntry``) to a normalised :class:`curator.records.Entry`.

Shared by the feed and page parsers so both follow the same rules (README, "What a source's
entries become").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from curator.normalise import (
    canonical_url,
    clean_text,
    document_type_label,
    drop_feed_footer,
    govuk_path,
    is_http_url,
    is_plain_url,
    split_document_type,
    xml_safe,
)
from curator.records import SUMMARY_MAX_CHARS, Entry, ParsedFeed, SourceConfig

TITLE_MAX_CHARS = 1000
#: A date further ahead of "now" than this is a publisher's mistake (or a misread epoch), not
#: an embargo: it is dropped and the pipeline uses first-seen instead.
FUTURE_DATE_TOLERANCE = timedelta(days=2)


@dataclass(frozen=True)
class RawEntry:
    """One item as a parser read it, before normalising. Text fields may hold HTML."""

    position: int  # 1-based, for warnings
    link: str | None
    title: str | None
    summary: str | None = None
    published_at: datetime | None = None
    guid: str | None = None
    categories: tuple[str, ...] = ()


def join_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base``, or ``None`` when either is not a URL at all
    (``urljoin`` raises ValueError for "http://[::1" and other broken hosts)."""
    try:
        return urljoin(base, link)
    except ValueError:
        return None


class SkippedEntry(Exception):
    """Raised by :func:`build_entry` with the warning that explains the skip."""


def _describe(raw: RawEntry, title: str) -> str:
    if title:
        return f"entry {raw.position} ({title[:80]!r})"
    if raw.guid:
        return f"entry {raw.position} (id {raw.guid[:80]!r})"
    return f"entry {raw.position}"


def _categories(values: Iterable[str]) -> tuple[str, ...]:
    kept: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = clean_text(value, max_chars=200)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append(text)
    return tuple(kept)


def build_entry(
    raw: RawEntry, *, source: SourceConfig, base_url: str, now: datetime
) -> tuple[Entry, list[str]]:
    """The normalised entry and any warnings about it; :class:`SkippedEntry` when it cannot be
    an entry (no title, or no http(s) link)."""
    cleaned = title = clean_text(raw.title or "", max_chars=TITLE_MAX_CHARS)
    link = xml_safe(raw.link or "").strip()
    if is_plain_url(link):
        # most links: absolute and plain, which urljoin would give back as they are
        original, http = link, True
    else:
        joined = join_url(base_url, link) if link else ""
        if joined is None:
            raise SkippedEntry(
                f"{source.id}: {_describe(raw, title)} has a link that is not a valid URL "
                f"({link[:80]!r}); skipped"
            )
        original, http = joined, is_http_url(joined)
    if not title or not http:
        what = _describe(raw, title)
        if not title and not http:
            raise SkippedEntry(f"{source.id}: {what} has no title and no link; skipped")
        if not title:
            raise SkippedEntry(f"{source.id}: {what} has no title; skipped (link {original})")
        raise SkippedEntry(f"{source.id}: {what} has no http(s) link; skipped")

    warnings: list[str] = []
    url = canonical_url(original)
    path = govuk_path(url, canonical=True)
    categories = _categories(raw.categories)
    document_type: str | None = None
    if path is not None:
        # GOV.UK puts the display type in the title prefix and in <category>
        # (docs/sources-catalogue.md, "Exact shape of the GOV.UK Atom documents").
        document_type, title = split_document_type(title)
        if document_type is None:
            document_type = next(
                (label for c in categories if (label := document_type_label(c))), None
            )

    published = raw.published_at
    if published is not None and published > now + FUTURE_DATE_TOLERANCE:
        warnings.append(
            f"{source.id}: {_describe(raw, cleaned)} is dated {published.isoformat()}, "
            "in the future; the date was ignored"
        )
        published = None

    entry = Entry(
        source_id=source.id,
        publisher=source.publisher,
        url=url,
        original_url=original,
        title=title,
        # the footer dropped before the cut, which would leave half of it
        summary=clean_text(
            drop_feed_footer(clean_text(raw.summary or ""), cleaned), max_chars=SUMMARY_MAX_CHARS
        ),
        document_type=document_type,
        published_at=published,
        govuk_path=path,
        guid=xml_safe(raw.guid or "").strip() or None,
        categories=categories,
    )
    return entry, warnings


def build_feed(
    raws: Iterable[RawEntry],
    *,
    source: SourceConfig,
    base_url: str,
    now: datetime,
    title: str | None,
    warnings: Iterable[str] = (),
    skipped: Iterable[str] = (),
) -> ParsedFeed:
    """Normalise every raw entry; skips and within-document duplicates become warnings.
    ``skipped`` are the warnings of the entries the parser skipped before they became raw
    entries: they count among the document's skipped entries."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    notes = list(warnings)
    skips = list(skipped)
    notes += skips
    unusable = len(skips)
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in raws:
        try:
            entry, entry_notes = build_entry(raw, source=source, base_url=base_url, now=now)
        except SkippedEntry as skip:
            notes.append(str(skip))
            unusable += 1
            continue
        notes.extend(entry_notes)
        if entry.url in seen:
            notes.append(
                f"{source.id}: entry {raw.position} ({entry.title[:80]!r}) repeats the link "
                f"{entry.url}; kept the first"
            )
            continue
        seen.add(entry.url)
        entries.append(entry)
    feed_title = clean_text(title or "", max_chars=TITLE_MAX_CHARS) or None
    return ParsedFeed(entries=entries, title=feed_title, warnings=tuple(notes), skipped=unusable)
