"""The records of reading one publication (reader style: role-named, immutable, pure data).

A reader turns a page, a GOV.UK Content API item or a report PDF into a :class:`Document`
(metadata and the text as a flat run of :class:`Block`\\ s); :mod:`curator.enrich.propose` turns
documents into a :class:`Proposal`; :mod:`curator.enrich.service` returns a :class:`Publication`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "item"]


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or list item of a document, in reading order. ``level`` is the
    heading level (1-6) of a heading and the nesting depth (0 = top) of a list item."""

    kind: BlockKind
    text: str
    level: int = 0


@dataclass(frozen=True)
class ReportLink:
    """A link on a landing page that may lead to the publication's main report."""

    url: str
    text: str
    is_pdf: bool


@dataclass(frozen=True)
class Document:
    """What one reader made of one document: its metadata (``None`` when the document does not
    say) and its text. ``source_text`` is every piece of text a proposal may quote (the body and
    the description), so that quotes can be checked against it."""

    url: str
    blocks: tuple[Block, ...] = ()
    title: str | None = None
    publisher: str | None = None  # stated by the publisher itself (GOV.UK organisations)
    site_name: str | None = None  # the site's own name for itself (og:site_name, JSON-LD)
    published_at: datetime | None = None
    document_type: str | None = None
    description: str | None = None
    report_links: tuple[ReportLink, ...] = ()
    warnings: tuple[str, ...] = ()
    #: the page has (almost) no text without running its scripts: it is built in the browser
    scripted: bool = False

    @property
    def source_text(self) -> str:
        parts = [self.description or "", *(b.text for b in self.blocks)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Proposal:
    """A proposed summary and key findings, quoted from the publication, never written.

    ``lead_in`` introduces the findings as the edition does ("Key findings include:",
    "<Publisher> recommend:"). ``provenance`` says where each part came from
    (``"<url> § <heading>"``); ``missing`` says, for each part not proposed, why."""

    summary: str | None = None
    key_findings: tuple[str, ...] = ()
    lead_in: str | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Publication:
    """One publication read from its link: metadata, the proposal, and what went wrong on the
    way without stopping it (``warnings``: a report that could not be read, pages not read).

    ``url`` is the link as given; ``report_url`` the report the findings came from, if any."""

    url: str
    title: str | None
    publisher: str | None
    published_at: datetime | None
    document_type: str | None
    description: str | None
    summary: str | None
    key_findings: tuple[str, ...]
    lead_in: str | None
    provenance: dict[str, str]
    missing: dict[str, str]
    report_url: str | None = None
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates in ISO 8601), for ``--json`` output and Slack."""
        return {
            "url": self.url,
            "title": self.title,
            "publisher": self.publisher,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "document_type": self.document_type,
            "description": self.description,
            "summary": self.summary,
            "key_findings": list(self.key_findings),
            "lead_in": self.lead_in,
            "provenance": dict(self.provenance),
            "missing": dict(self.missing),
            "report_url": self.report_url,
            "warnings": list(self.warnings),
        }
