"""Propose a publication's summary and key findings by quoting it, never by writing. Pure.

- **Key findings**: the points under the first "Key findings" (or "Main findings", "Summary of
  findings", "Key messages"…) section, else under "Recommendations", else "Conclusions": its list
  items in document order (its paragraphs when it has no list), at most eight, each cut at a
  sentence boundary. The report a landing page links is read before the landing page.
- **Summary**: the publication's own description, then the first sentences of its executive
  summary (or summary, or opening paragraphs), 40 to 150 words.

Every sentence is cut out of the document's text whole, so each can be found in the source.
When nothing fits, the proposal says why in ``missing`` and the caller keeps the feed summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from curator.enrich.records import Document, Proposal
from curator.enrich.sections import Section, SectionKind, find_sections
from curator.enrich.text import complete, cut, sentences, words

MAX_FINDINGS = 8
MAX_POINT_WORDS = 70
MIN_SUMMARY_WORDS = 40
MAX_SUMMARY_WORDS = 150
FINDINGS_LEAD_IN = "Key findings include:"
# In the order they are looked for: findings first, recommendations when there are none.
_POINT_KINDS: tuple[SectionKind, ...] = ("findings", "recommendations", "conclusions")
_SUMMARY_KINDS: tuple[SectionKind, ...] = ("executive_summary", "summary")


def propose(documents: Sequence[Document], *, publisher: str | None) -> Proposal:
    """``documents``: the report first (when one was read), then the page that links it."""
    provenance: dict[str, str] = {}
    missing: dict[str, str] = {}
    findings, lead_in = _findings(documents, publisher, provenance)
    if not findings:
        where = ", ".join(d.url for d in documents)
        missing["key_findings"] = (
            "no Key findings, Recommendations or Conclusions section with points in " + where
        )
    summary = _summary(documents, provenance, missing)
    return Proposal(summary, tuple(findings), lead_in, provenance, missing)


def points(section: Section) -> list[str]:
    """A section's points: its top-level list items, else its paragraphs; each cut at a
    sentence boundary, the too-short dropped ("See annex A")."""
    raw = section.items or section.paragraphs
    out = []
    for text in raw:
        point = cut(text, MAX_POINT_WORDS)
        if words(point) >= 4 and point not in out and not furniture(point):
            out.append(point)
    return out[:MAX_FINDINGS]


def lead_in_for(kind: SectionKind, publisher: str | None) -> str:
    if kind == "recommendations":
        return f"{publisher} recommend:" if publisher else "Recommendations include:"
    return FINDINGS_LEAD_IN


def _findings(
    documents: Sequence[Document], publisher: str | None, provenance: dict[str, str]
) -> tuple[list[str], str | None]:
    # list items anywhere beat paragraphs: a findings list in the report, then recommendations,
    # then the same as paragraphs (GOV.UK often writes findings as paragraphs)
    for need_items in (True, False):
        for document in documents:
            sections = find_sections(document.blocks)
            for kind in _POINT_KINDS:
                for section in sections:
                    if section.kind != kind or (need_items and not section.items):
                        continue
                    found = points(section)
                    if len(found) >= 2 or (found and section.items):
                        provenance["key_findings"] = f"{document.url} § {section.heading}"
                        return found, lead_in_for(kind, publisher)
    return [], None


class _Summary:
    """Sentences gathered in order until there are enough words (at a sentence's end)."""

    def __init__(self) -> None:
        self.chosen: list[str] = []
        self.sources: list[str] = []
        self.total = 0

    @property
    def done(self) -> bool:
        return self.total >= MIN_SUMMARY_WORDS

    def take(self, text: str, where: str) -> None:
        used = False
        for sentence in sentences(text):
            n = words(sentence)
            if self.done or self.total + n > MAX_SUMMARY_WORDS:
                break
            if n < 3 or not complete(sentence):
                continue  # a fragment: a heading run on, a sentence cut at a page's end
            same = [i for i, c in enumerate(self.chosen) if _opening(c) == _opening(sentence)]
            if same:
                # a description often repeats the report's first sentence, cut shorter: keep
                # the fuller one, once
                old = self.chosen[same[0]]
                if n > words(old) and self.total - words(old) + n <= MAX_SUMMARY_WORDS:
                    self.chosen[same[0]] = sentence
                    self.total += n - words(old)
                    used = True
                continue
            self.chosen.append(sentence)
            self.total += n
            used = True
        if used and where not in self.sources:
            self.sources.append(where)


def _opening(sentence: str) -> str:
    return " ".join(sentence.lower().split()[:8])


def _prose(paragraphs: Sequence[str]) -> list[str]:
    """Paragraphs that read as prose: not a by-line or caption, not the "…were to:" that
    introduces a list (the list itself is not in the summary), not the page's furniture."""
    return [
        p for p in paragraphs if words(p) >= 8 and not p.rstrip().endswith(":") and not furniture(p)
    ]


# "Figure 2: …", "Table 1.", "Source: …": a caption, a table's rows after it, or its source
_CAPTION = re.compile(
    r"^(?:(?:figure|fig\.|table|chart|graph|box|exhibit|map|infographic)\s+\d+[a-z]?\b"
    r"|(?:source|sources|base|notes?|photo|image|credit)\s*:)",
    re.IGNORECASE,
)
# a contents page's dot leaders; a cookie banner ("We use some essential cookies to make this
# website work", "Accept all cookies", "cookie settings") or an "enable JavaScript" notice. Not
# any sentence with the word: a report's finding about biscuits or apps' tracking cookies is
# what it says.
_NEAR = r"[^.!?]{0,80}"  # within one sentence, a few words apart
_FURNITURE = re.compile(
    r"\.{4,}|…{2,}|(?:\. ){4,}"
    rf"|\bcookies?\b{_NEAR}\b(?:this|our|the) (?:web)?site\b"
    rf"|\b(?:this|our) (?:web)?site\b{_NEAR}\bcookies?\b"
    r"|\b(?:accept|reject|allow|essential|necessary|additional|analytics) (?:all )?cookies\b"
    r"|\bcookies? (?:settings|policy|preferences|notice|banner)\b"
    rf"|\b(?:enable|turn on|switch on)\b{_NEAR}\bjavascript\b"
    rf"|\bjavascript\b{_NEAR}\b(?:disabled|switched off|turned off|required)\b",
    re.IGNORECASE,
)


def furniture(text: str) -> bool:
    """Is ``text`` a page's furniture rather than what the publication says: a figure or
    table caption (and the table rows a PDF runs on after it), a source line, a contents
    page's entries, a cookie banner, a notice that the page needs JavaScript?"""
    return bool(_CAPTION.match(text) or _FURNITURE.search(text))


def _summary(
    documents: Sequence[Document], provenance: dict[str, str], missing: dict[str, str]
) -> str | None:
    summary = _Summary()
    pages = list(reversed(documents))  # the landing page's description comes first
    for document in pages:
        if document.description:
            summary.take(document.description, f"{document.url} § description")
    for document in documents:
        for section in find_sections(document.blocks):
            if section.kind in _SUMMARY_KINDS:
                for paragraph in _prose(section.paragraphs):
                    summary.take(paragraph, f"{document.url} § {section.heading}")
    for document in pages:  # no summary section: the opening paragraphs (a standfirst)
        opening = [b.text for b in document.blocks[:12] if b.kind == "paragraph"]
        for paragraph in _prose(opening):
            summary.take(paragraph, f"{document.url} § opening")
    if not summary.done:
        scripted = next((d.url for d in documents if d.scripted), None)
        missing["summary"] = (
            f"{scripted} has almost no text without JavaScript (it is built in the browser, "
            "and the bot runs no scripts): read it in a browser and write the summary by hand"
            if scripted
            else f"found {summary.total} words of description and summary, "
            f"fewer than the {MIN_SUMMARY_WORDS} a summary needs"
        )
        return None
    provenance["summary"] = "; ".join(summary.sources)
    return " ".join(summary.chosen)
