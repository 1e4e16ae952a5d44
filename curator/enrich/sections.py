"""Find the sections a policy report uses (Key findings, Recommendations, Executive summary…)
in a document's run of blocks. Pure.

A section is a heading and every block after it up to the next heading of the same or a higher
level, so points under sub-headings of "Key findings" belong to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from curator.enrich.records import Block
from curator.enrich.text import clean

SectionKind = Literal["findings", "recommendations", "conclusions", "executive_summary", "summary"]

# Checked in this order: "Summary of findings" is findings, "Conclusions and recommendations"
# recommendations, "Summary and conclusions" conclusions.
_KINDS: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    (
        "findings",
        re.compile(
            r"^(?:(?:key|main|principal|our|headline|summary of(?: the)?(?: key| main)?) )?"
            r"findings\b|^key (?:messages|points|facts|themes)\b|^what we found\b"
        ),
    ),
    ("recommendations", re.compile(r"\brecommendations?\b")),
    ("conclusions", re.compile(r"^(?:summary and |overall |key )?conclusions?\b")),
    ("executive_summary", re.compile(r"^executive summary\b")),
    ("summary", re.compile(r"^(?:summary|overview|at a glance|in brief)$")),
)
# "1.", "2.3", "Chapter 4:", "Section 2 -", "A." before the words of a heading.
_NUMBERING = re.compile(
    r"^(?:(?:chapter|section|part)\s+\w+\s*[:.\-–—]?\s*|\(?\d+(?:\.\d+)*\)?[.:)]?\s+|[a-z][.)]\s+)"
)


@dataclass(frozen=True)
class Section:
    heading: str
    level: int
    kind: SectionKind | None
    blocks: tuple[Block, ...]  # everything under the heading, sub-headings included

    @property
    def items(self) -> list[str]:
        """The section's top-level list items (nested items belong to their parent point)."""
        return [b.text for b in self.blocks if b.kind == "item" and b.level == 0]

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "paragraph"]


def heading_kind(heading: str) -> SectionKind | None:
    """Which report section a heading names, if any ("2. Key findings" → findings)."""
    text = clean(heading).lower().strip(" :.")
    text = _NUMBERING.sub("", text).strip()
    text = text.replace("’", "'")
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


def find_sections(blocks: Sequence[Block]) -> list[Section]:
    """Every heading of ``blocks`` as a :class:`Section`, in document order."""
    out: list[Section] = []
    for i, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        end = i + 1
        while end < len(blocks) and not (
            blocks[end].kind == "heading" and blocks[end].level <= block.level
        ):
            end += 1
        out.append(
            Section(block.text, block.level, heading_kind(block.text), tuple(blocks[i + 1 : end]))
        )
    return out
