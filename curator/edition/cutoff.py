"""Is this summary one the feed cut off? (pure: no I/O).

A feed's description is often a teaser: the publisher's feed, or its CMS, cuts the text and
says so ("…", "[…]", "Continue reading..."), or just stops at the size of a database field. An
editor who accepts an item the bot could not read gets that text as its summary, and a summary
that stops "…the role of the care transfer hub…" is only noticed on a careful read. The draft
marks it instead (:mod:`curator.edition.assemble`).

The rules, each seen in real feeds (``tests/test_edition_cutoff.py`` runs them over the real
documents under ``tests/fixtures`` and ``data/training`` and counts what they flag):

- **an ellipsis at the end**: "…", "...", "[…]", "[...]", "(…)" (FeedBurner and RSS 1.0 blogs
  end their excerpts with "...", search snippets with " ...", WordPress with "[&hellip;]");
- **a read-more link at the end**: a last "Continue reading...", "Read more", "Read more – NHS
  Digital (25/3/21)", "Read the full report" (The Guardian's feeds end every item with
  "Continue reading..."), capitalised as a link is, so "to read more about" in a sentence is not;
- **the last sentence unfinished**, with no final punctuation: it ends on a comma, semicolon,
  colon, dash or opening bracket; or on a word that cannot end an English sentence ("the",
  "and", "of"…); or it stops at exactly the size of a database field (PCMag cuts at 100
  characters, Giant Bomb at 255, mid-word: "the demoli"; the reference edition's file at 4000);
  or, in prose, it is the unpunctuated end of a long text written in sentences (200 characters
  or more, a full stop before it, six words or more in the unfinished sentence). A list item is
  not judged as prose: the editors' own reference edition ends lists without full stops.

A short summary without a full stop ("Guidance for local authorities on the Care Act") is not
flagged: many feeds write descriptions as headlines.
"""

from __future__ import annotations

import re

from curator.records import SUMMARY_MAX_CHARS

#: The note printed with a summary the feed cut off, in every format of the draft.
SUMMARY_CUT_NOTE = "[Summary cut off by the feed: complete it before publishing]"
#: Why, and the note printed, when the summary is one the bot itself shortened as it stored it
#: (longer than ``SUMMARY_MAX_CHARS``: a feed that sent a whole article): "cut off by the feed"
#: would send the editor to the wrong place.
STORED_CUT_REASON = f"the bot kept its first {SUMMARY_MAX_CHARS:,} characters"
SUMMARY_SHORTENED_NOTE = (
    f"[Summary shortened to {SUMMARY_MAX_CHARS:,} characters when stored: "
    "complete it before publishing]"
)
#: The shortest text the bot's own cut leaves: ``clean_text`` ends it on the last space in the
#: second half of the limit, and a long word across it (a link) moves the cut far back. A feed's
#: own teaser this long that ends with "…" is counted as the bot's cut too (rare; the editor is
#: told to complete it either way).
_STORED_CUT_MIN = SUMMARY_MAX_CHARS // 2 - 16

_ELLIPSIS = re.compile(r"(?:\.{3,}|…)[\"'”’»]*\s*$|[\[(]\s*(?:\.{3}|…)\s*[\])]\s*$")
_READ_MORE = re.compile(
    r"(?:^|[\s\[(|–—-])(?:Continue reading|CONTINUE READING|Keep reading|Read more|READ MORE"
    r"|Read the full (?:article|story|post|blog|report|piece|briefing))\b"
    r"[^.!?\n]{0,80}[.!?…»›→\])\s]*$"
)
#: How much of a summary's end the ellipsis is looked for in (it and its quotes fit easily).
_TAIL = 64
_FINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
# A list item starts a line ("- ", "• ", "2. "); in a list flattened into one line, it follows a
# space.
_LIST_ITEM = re.compile(r"(?:^|\s)(?:[-*•–]|\d{1,2}[.)])\s+\S")
# The end of a sentence: . ! ? before a space and a capital or digit; not "3. " numbering a list.
_SENTENCE_END = re.compile(r"(?<!\s\d)(?<!\s\d\d)[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Characters a finished text never ends on.
_DANGLING = ",;:–—-(/&+"
# Words that cannot end an English sentence: articles, conjunctions, possessives, and the
# prepositions that need an object ("the role of the", "evidence from").
_OPEN = "a an the and or nor but of their its our your whose than into from between including"
_OPEN_WORDS = frozenset(_OPEN.split())
# Sizes of fields that feeds were seen cutting their descriptions at (PCMag at 100 characters,
# Giant Bomb at 255, the VARCHAR(255) default; the reference edition's file at 4000, Oracle's
# VARCHAR2 limit). Only these: every size added flags one in a few hundred whole summaries
# that happen to be that long and end without a full stop (a list, a headline).
_FIELD_SIZES = frozenset({100, 255, 4000})
#: A text this long, written in sentences, whose last sentence (of six words or more) has no
#: final punctuation, was cut (a shorter one is a date or a label: "Publish date 1 February 2017").
LONG_TEXT = 200
_LAST_SENTENCE_WORDS = 6


def cut_off_reason(summary: str) -> str | None:
    """Why ``summary`` looks cut off by its feed ("ends with '…'"), or None when it does not."""
    text = summary.replace("\r\n", "\n").strip()
    if not text:
        return None
    if text.endswith("…") and _STORED_CUT_MIN <= len(text) <= SUMMARY_MAX_CHARS:
        return STORED_CUT_REASON
    if _READ_MORE.search(text):
        return "it ends with a read-more link"
    if _ELLIPSIS.search(text[-_TAIL:]):  # the tail only: a long run of dots stays linear
        return "it ends with an ellipsis"
    if _FINAL.search(text) or text[-1] in ")]":
        return None
    return _unfinished(text)


def is_cut_off(summary: str) -> bool:
    return cut_off_reason(summary) is not None


def cut_by_the_bot(reason: str | None) -> bool:
    """Whether :func:`cut_off_reason` said the bot, not the feed, shortened the summary."""
    return reason == STORED_CUT_REASON


def cut_note(reason: str) -> str:
    """The note printed after a summary cut off for ``reason``."""
    return SUMMARY_SHORTENED_NOTE if cut_by_the_bot(reason) else SUMMARY_CUT_NOTE


def _unfinished(text: str) -> str | None:
    """Why the last sentence of ``text`` (which has no final punctuation) is unfinished."""
    size = next((n for n in (len(text), len(text) + 1) if n in _FIELD_SIZES), None)
    if size is not None:  # + 1: the space after the last word, dropped when the text was cleaned
        return f"it stops without a full stop at {size} characters, a feed's field size"
    if text[-1] in _DANGLING:
        return f"it ends on {text[-1]!r}"
    word = re.sub(r"\W+$", "", text.rsplit(None, 1)[-1]).lower()
    if word in _OPEN_WORDS:
        return f"its last sentence stops at {word!r}"
    last_line = text.rsplit("\n", 1)[-1].strip()
    ends = list(_SENTENCE_END.finditer(text))
    tail = (text[ends[-1].end() :] if ends else text).lstrip(".… ")
    if _LIST_ITEM.match(last_line) or _LIST_ITEM.search(tail):
        return None  # a list item: lists end without a full stop (the editors' own do)
    if ends and len(text) >= LONG_TEXT and len(tail.split()) >= _LAST_SENTENCE_WORDS:
        return "its last sentence has no full stop"
    return None
