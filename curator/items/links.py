"""From a link an editor gave and the publication read from it to an entry the store keeps
(pure: no I/O). The same normalising as polled entries: canonical URL, GOV.UK path, clean text,
dates in UTC and none far in the future.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from curator.enrich.records import Publication
from curator.errors import CuratorError
from curator.normalise import (
    GOVUK_DOCUMENT_TYPE_LABELS,
    canonical_url,
    clean_text,
    govuk_path,
    is_http_url,
    xml_safe,
)
from curator.parse.entries import FUTURE_DATE_TOLERANCE, TITLE_MAX_CHARS
from curator.records import (
    ADDED_BY_LINK,
    CATEGORIES,
    SECTORS,
    SUMMARY_MAX_CHARS,
    Entry,
    SourceConfig,
)


class LinkUsageError(CuratorError):
    """What the editor typed cannot be added: not a web link, or an unknown sector or
    category (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Link:
    url: str  # as given (Slack's <url|text> unwrapped)
    canonical: str
    govuk_path: str | None


def check_link(raw: str) -> Link:
    """The link an editor gave, unwrapped from Slack's ``<url|text>`` and checked."""
    url = xml_safe(raw.strip().strip("<>").split("|", 1)[0].strip())
    if not is_http_url(url):
        raise LinkUsageError(
            f"{raw.strip()[:200]!r} is not a web link; give the publication's http(s) URL, "
            "e.g. https://www.gov.uk/government/publications/…"
        )
    canonical = canonical_url(url)
    return Link(url, canonical, govuk_path(canonical, canonical=True))


def check_labels(sector: str | None, category: str | None) -> None:
    if sector is not None and sector not in SECTORS:
        raise LinkUsageError(f"unknown sector {sector!r}; use one of {', '.join(SECTORS)}")
    if category is not None and category not in CATEGORIES:
        raise LinkUsageError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")


def document_type_label(value: str | None) -> str | None:
    """How the card and the draft name a document type: GOV.UK's own label for its types
    (``independent_report`` → "Independent report"), else the type in words."""
    if not value:
        return None
    if value in GOVUK_DOCUMENT_TYPE_LABELS:
        return GOVUK_DOCUMENT_TYPE_LABELS[value]
    words = clean_text(value.replace("_", " "), max_chars=100)
    return words[:1].upper() + words[1:] if words else None


@dataclass(frozen=True)
class LinkEntry:
    entry: Entry
    warnings: tuple[str, ...] = field(default_factory=tuple)


def entry_for(
    link: Link, publication: Publication, source: SourceConfig | None, now: datetime
) -> LinkEntry:
    """The entry to store for a publication read from ``link``."""
    warnings: list[str] = []
    title = clean_text(publication.title or "", max_chars=TITLE_MAX_CHARS)
    if not title:
        title = link.url
        warnings.append(f"{link.url}: no title found on the page; the link stands in for it")
    publisher = clean_text(publication.publisher or "", max_chars=300) or (
        source.publisher if source is not None else ""
    )
    if not publisher:
        publisher = (urlsplit(link.canonical).hostname or link.canonical).removeprefix("www.")
        warnings.append(f"{link.url}: the page does not name its publisher; shown as {publisher}")
    published = publication.published_at
    if published is not None:
        published = published.astimezone(UTC)
        if published > now + FUTURE_DATE_TOLERANCE:
            warnings.append(f"{link.url}: dated {published.isoformat()}, in the future; ignored")
            published = None
    entry = Entry(
        source_id=ADDED_BY_LINK,
        publisher=publisher,
        url=link.canonical,
        original_url=link.url,
        title=title,
        summary=clean_text(publication.description or "", max_chars=SUMMARY_MAX_CHARS),
        document_type=document_type_label(publication.document_type),
        published_at=published,
        govuk_path=link.govuk_path,
    )
    return LinkEntry(entry, tuple(warnings))


@dataclass(frozen=True)
class Added:
    """An item added by its link (or found already there), as ``--json`` prints it."""

    item_id: int
    existing: bool
    url: str
    title: str
    publisher: str
    published_at: datetime | None
    document_type: str | None
    summary: str | None
    key_findings: tuple[str, ...]
    provenance: dict[str, str]
    sector: str | None
    category: str | None
    relevance: float | None
    lane: str
    status: str
    edition: str | None
    queued: bool  # its card waits in the outbox for Slack
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Exactly the keys ``curator item add --json`` promises, in their order."""
        return {
            "item_id": self.item_id,
            "existing": self.existing,
            "url": self.url,
            "title": self.title,
            "publisher": self.publisher,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "document_type": self.document_type,
            "summary": self.summary,
            "key_findings": list(self.key_findings),
            "provenance": dict(self.provenance),
            "sector": self.sector,
            "category": self.category,
            "relevance": self.relevance,
            "lane": self.lane,
        }
