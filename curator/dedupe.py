"""Pure "is this the same publication?" rules.

Two entries are the same publication when their canonical URLs match, or their GOV.UK paths
match (GOV.UK org-feed ids change on every update, so the id is never a key), or — within
``NEAR_DUPLICATE_WINDOW`` and for the same publisher, which the pipeline checks — their titles
are near-duplicates by :func:`is_near_duplicate`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from rapidfuzz import fuzz

from curator.normalise import canonical_url, govuk_path
from curator.records import Entry

#: How far apart two near-duplicate titles may be published and still count as one item.
NEAR_DUPLICATE_WINDOW: timedelta = timedelta(days=14)
#: rapidfuzz ``ratio`` (0–100) at or above which two title keys are near-duplicates.
NEAR_DUPLICATE_SCORE: float = 95.0

_NON_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")


def title_key(title: str) -> str:
    """A comparison key: accents folded, lower-cased, ``&`` read as "and", punctuation and runs of
    spaces folded to one space. ``"Children’s Social Care: 2024–25"`` → ``"children s social
    care 2024 25"``."""
    if title.isascii():
        # NFKD leaves ASCII as it is and ASCII has no combining marks: most titles skip both.
        ascii_ish = title
    else:
        decomposed = unicodedata.normalize("NFKD", title)
        ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = ascii_ish.casefold().replace("&", " and ")
    return _NON_WORD.sub(" ", folded).strip()


def is_near_duplicate(a: str, b: str, *, threshold: float = NEAR_DUPLICATE_SCORE) -> bool:
    """True when two titles are the same publication spelt slightly differently.

    rapidfuzz ``ratio`` on the :func:`title_key` of each, at least ``threshold`` (0–100).
    Symmetric. Titles with an empty key never match anything. Titles whose numbers differ are
    never near-duplicates: "… year ending 31 March 2023" and "… 2024" are two editions of a
    statistic, not one item spelt twice.
    """
    return keys_near_duplicate(title_key(a), title_key(b), threshold=threshold)


def numbers_of(key: str) -> tuple[str, ...]:
    """The numbers in a title key, in order: near-duplicates must agree on them exactly."""
    return tuple(_NUMBER.findall(key))


def keys_near_duplicate(key_a: str, key_b: str, *, threshold: float = NEAR_DUPLICATE_SCORE) -> bool:
    """:func:`is_near_duplicate` on keys already made by :func:`title_key` (the store keeps
    each item's key, so a poll need not rebuild thousands of them)."""
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    if numbers_of(key_a) != numbers_of(key_b):
        return False
    return fuzz.ratio(key_a, key_b) >= threshold


def dedupe_keys(entry: Entry) -> tuple[str, str | None]:
    """``(canonical_url, govuk_path)``: the exact keys an entry is stored and matched under."""
    return canonical_url(entry.url), govuk_path(entry.url)
