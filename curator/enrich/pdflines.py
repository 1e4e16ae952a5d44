"""A report PDF's text lines → headings, paragraphs and list items. Pure.

PDF text has no structure, only lines with a font and a position, so the structure is guessed:

- a **heading** is a short line in a larger font than the body text, or in bold, or a short
  line in title case or numbered ("2. Key findings", "Executive summary") standing alone;
- a **list item** starts with a bullet glyph (•, ●, ▪, –, -) or a number ("1.", "(a)"); the lines
  after it belong to it until a gap, a heading or the next item;
- everything else joins into **paragraphs**, split where the gap between lines is larger than
  the line spacing.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from curator.enrich.records import Block
from curator.enrich.sections import heading_kind
from curator.enrich.text import clean


@dataclass(frozen=True)
class Line:
    """One line of a page: its text, and the font size, weight and baseline (points from the
    bottom of the page: PDF space grows upwards) of its first letter."""

    text: str
    page: int
    size: float = 0.0
    bold: bool = False
    baseline: float = 0.0


_BULLET = re.compile(r"^([•●▪■◦‣∙·\-–—*➢►✓])\s+")
_NUMBERED = re.compile(r"^(\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])\s+")
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.)\s+[A-Z]")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s+of\s+\d{1,4})?$", re.IGNORECASE)
_END = re.compile(r"[.!?:;,]$")
_SUB_BULLETS = frozenset("◦▪‣∙·–-")
MAX_HEADING_WORDS = 14
#: Points between two baselines still taken for one line.
_SAME_BASELINE = 0.5


def blocks_from_lines(lines: Sequence[Line]) -> list[Block]:
    """Group ``lines`` (in reading order, all pages) into blocks."""
    lines = _drop_furniture(lines)
    if not lines:
        return []
    body = _body_size(lines)
    step = _line_step(lines)
    spelled = _spellings(lines)
    heading_sizes = sorted(
        {round(ln.size, 1) for ln in lines if ln.size >= body * 1.15}, reverse=True
    )
    out: list[Block] = []
    current: list[str] = []  # lines of the open paragraph or item
    kind: str | None = None
    level = 0
    prev: Line | None = None

    def close() -> None:
        nonlocal current, kind
        if current and kind is not None:
            text = _join(current, spelled)
            if text:
                out.append(Block("item" if kind == "item" else "paragraph", text, level))
        current, kind = [], None

    for line in lines:
        text = line.text
        gap = _gap(prev, line, step)
        heading_level = _heading_level(line, body, heading_sizes, gap, prev)
        bullet = _BULLET.match(text)
        number = _NUMBERED.match(text)
        if heading_level:
            close()
            last = out[-1] if out else None
            wrapped = (
                prev is not None
                and prev.page == line.page
                and 0 < prev.baseline - line.baseline <= line.size * 1.6
            )
            if last and last.kind == "heading" and last.level == heading_level and wrapped:
                out[-1] = Block("heading", f"{last.text} {text}", heading_level)  # wrapped
            else:
                out.append(Block("heading", text, heading_level))
        elif marker := bullet or number:
            close()
            glyph = marker.group(1)
            kind, level = "item", 1 if glyph in _SUB_BULLETS and glyph not in "-–" else 0
            current = [text[marker.end() :]]
        elif kind is not None and not gap:
            current.append(text)
        else:
            close()
            kind, level, current = "paragraph", 0, [text]
        prev = line
    close()
    return out


def _drop_furniture(lines: Sequence[Line]) -> list[Line]:
    """Without page numbers and the running headers and footers repeated on most pages."""
    pages = len({ln.page for ln in lines}) or 1
    seen_on: dict[str, set[int]] = {}
    for ln in lines:
        seen_on.setdefault(_furniture_key(ln.text), set()).add(ln.page)
    kept = []
    for ln in lines:
        text = clean(ln.text.replace("\x02", "-"))
        if not text or _PAGE_NUMBER.match(text):
            continue
        if pages >= 4 and len(seen_on[_furniture_key(ln.text)]) >= max(3, pages // 2):
            continue
        kept.append(Line(text, ln.page, ln.size, ln.bold, ln.baseline))
    return kept


def _furniture_key(text: str) -> str:
    """A line as it repeats from page to page: a running footer "Local Government Association
    7" is the same line on every page but for its page number."""
    return _END_NUMBER.sub("#", clean(text))


#: A page number at either end of a line ("Local Government Association 7", "7 | Report").
_END_NUMBER = re.compile(r"^\d{1,4}\b|\b\d{1,4}$")


def _body_size(lines: Sequence[Line]) -> float:
    """The font size most of the text is set in."""
    weight: Counter[float] = Counter()
    for ln in lines:
        weight[round(ln.size, 1)] += len(ln.text)
    return weight.most_common(1)[0][0] if weight else 0.0


def _line_step(lines: Sequence[Line]) -> float:
    """The usual distance between the baselines of two lines of one paragraph: the most common
    step down the page between consecutive lines."""
    steps: Counter[float] = Counter()
    for prev, line in itertools.pairwise(lines):
        down = prev.baseline - line.baseline
        # a line placed at 1e36 points makes PDFium say inf, and inf - inf has no step at all
        if prev.page == line.page and math.isfinite(down) and round(down) > 0:
            steps[round(down)] += 1
    return float(steps.most_common(1)[0][0]) if steps else 0.0


def _gap(prev: Line | None, line: Line, step: float) -> bool:
    """Is there more space than a line's between ``line`` and the one before?"""
    if prev is None:
        return True
    if prev.page != line.page:
        return bool(_END.search(prev.text))  # a paragraph may run on over a page break
    down = prev.baseline - line.baseline
    if abs(down) < _SAME_BASELINE:
        return False  # the rest of the same line, after a footnote mark or a change of font
    return down < 0 or down > step * 1.3 + 1  # up the page: a new column


def _heading_level(
    line: Line, body: float, sizes: Sequence[float], gap: bool, prev: Line | None
) -> int:
    text = line.text
    words = len(text.split())
    if words > MAX_HEADING_WORDS or _BULLET.match(text) or re.search(r"[.,;]$", text):
        return 0
    if line.size >= body * 1.15:
        size = round(line.size, 1)
        return min(sizes.index(size) + 1 if size in sizes else 2, 6)
    if not gap:
        return 0
    if line.bold and line.size >= body * 0.95:
        return len(sizes) + 1
    # no font hint: a short numbered or title-case line standing alone, or a section name
    if words <= 8 and (_NUMBERED_HEADING.match(text) or heading_kind(text) is not None):
        return len(sizes) + 1
    return 0


def _join(lines: Sequence[str], spelled: frozenset[str] = frozenset()) -> str:
    """Join wrapped lines. A word broken at a line end after a hyphen is joined back: without
    the hyphen when it was only the line's ("coun-" "cils": the document spells "councils"
    elsewhere), with it when it is the word's ("single-" "tier", "well-" "being", "Covid-" "19");
    ``spelled`` holds the words of the whole document, as written on its lines."""
    text = ""
    for part in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalnum() and part[:1].isalnum():
            head = text[:-1].rsplit(" ", 1)[-1]
            text = text[:-1] if _line_hyphen(head, part, spelled) else text
            text += part
        else:
            text = f"{text} {part}" if text else part
    return clean(text)


#: Prefixes that keep their hyphen ("co-production", "non-residential", "self-harm").
_HYPHEN_PREFIXES = frozenset({"anti", "co", "cross", "ex", "full", "high", "long", "low",
                              "multi", "non", "part", "post", "pre", "self", "semi", "short",
                              "well"})  # fmt: skip
_WORD_EDGE = ".,;:!?()[]{}\"'“”‘’"


def _line_hyphen(head: str, part: str, spelled: frozenset[str]) -> bool:
    """Is the hyphen between ``head-`` and ``part`` only the line end's (hyphenation)? The
    document's own spelling decides; without one, a hyphen after a prefix or between two
    words it uses on their own is kept, and any other is taken for hyphenation."""
    tail = part.split(" ", 1)[0].rstrip(_WORD_EDGE).lower()
    head = head.lstrip(_WORD_EDGE).lower()
    if not (head.isalpha() and tail[:1].isalpha() and tail[:1].islower() == part[:1].islower()):
        return False  # "Covid-19", "non-English", "2025-" "26": a hyphen of the word
    if not part[:1].islower():
        return False
    if f"{head}-{tail}" in spelled:
        return False
    if f"{head}{tail}" in spelled:
        return True
    if head in _HYPHEN_PREFIXES:
        return False
    # two words the document uses on their own ("single-" "tier"), not the pieces of one
    # ("imple-" "ment")
    return not (min(len(head), len(tail)) >= 3 and head in spelled and tail in spelled)


def _spellings(lines: Sequence[Line]) -> frozenset[str]:
    """Every word of the lines as written (lower case), a word broken at a line end aside."""
    out = set()
    for line in lines:
        for word in line.text.split():
            word = word.strip(_WORD_EDGE).lower()
            if word and not word.endswith("-"):
                out.add(word)
    return frozenset(out)
