"""Plain-text helpers for quoting a document: whitespace, sentences, words. Pure.

Sentences are always cut out of the text they come from, never rewritten, so every sentence a
proposal holds can be found again in the source (after :func:`clean` on both).
"""

from __future__ import annotations

import re

from curator.normalise import xml_safe

_SPACE = re.compile(r"\s+")
# A sentence ends at . ! ? (and any closing quote or bracket) before a space and a capital,
# digit, opening quote or bracket.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Words whose full stop does not end a sentence ("Dr Smith", "e.g. Ofsted", "No. 10").
_ABBREVIATED = (
    "dr mr mrs ms prof st no nos vs etc approx incl cf fig figs vol pp para paras e.g i.e eg ie "
    "al sec ch rev gen col govt dept jan feb mar apr jun jul aug sep sept oct nov dec"
)
_ABBREVIATIONS = frozenset(_ABBREVIATED.split())
_LIST_TAIL = re.compile(r"(?:[;,]\s*(?:and|or)?|\s+(?:and|or))\s*$")


def clean(text: str) -> str:
    """Collapse every run of whitespace (line breaks, non-breaking spaces) to one space, without
    soft hyphens and the characters XML 1.0 forbids (a lone surrogate from a JSON escape, a
    U+FFFF or a control character in a PDF's text): text read here is stored, and written into
    the DOCX edition."""
    return _SPACE.sub(" ", xml_safe(text).replace("\u00ad", "")).strip()


def words(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[str]:
    """Split cleaned ``text`` into sentences; each one is a substring of it."""
    text = clean(text)
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()].strip()
        last = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"'”’)]")
        if last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper()):
            continue  # "Dr. Smith", "J. Smith": not the end of a sentence
        quote_end = match.start() + len(match.group(0).rstrip())
        piece = text[start:quote_end].strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def cut(text: str, max_words: int) -> str:
    """``text`` cut at a sentence boundary: its leading sentences up to ``max_words`` words (at
    least the first sentence, however long), without the "; and" a list item may end with."""
    parts = sentences(text)
    if not parts:
        return ""
    kept = [parts[0]]
    total = words(parts[0])
    for sentence in parts[1:]:
        total += words(sentence)
        if total > max_words:
            break
        kept.append(sentence)
    return _LIST_TAIL.sub("", " ".join(kept)).strip()


_OPENS = re.compile(r"^[\"'“‘(\[]?[A-Z0-9£$€]")
_ENDS = re.compile(r"[.!?][\"'”’)\]]*$")


def complete(sentence: str) -> bool:
    """Does ``sentence`` read as a whole sentence: a capital (or a figure) first, a full stop,
    question or exclamation mark last? Not the rest of one cut at a page's end ("and to provide
    …"), nor one cut off ("…after receiving royal assent,"), nor a line introducing a list."""
    return bool(_OPENS.match(sentence) and _ENDS.search(sentence))
