"""Dates written in the text of a listing page ("14 May 2024", "14/05/2024", "May 2024").

Pure: no I/O. Used by :mod:`curator.parse.listing`, which reads pages without selectors and so
finds dates in whatever text sits near a link. UK publishers write numeric dates day first, and
many listings give only a month ("Report · June 2024"): such a date is the first of that month,
with ``month_only`` set so a caller can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bs4 import Tag

from curator.normalise import parse_date

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"((?:19|20)\d\d)"
_ORDINAL = r"(?:st|nd|rd|th)?"
#: One alternation, so the earliest date in the text wins whatever its format. Named groups say
#: which format matched.
_DATE = re.compile(
    rf"\b(?:(?P<iso>{_YEAR}-(\d\d)-(\d\d))(?![\d-])"  # may run on into a time: 2024-06-28T09:00
    rf"|(?P<dmy>(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR})\b"
    rf"|(?P<mdy>{_MONTH}\s+(\d{{1,2}}){_ORDINAL},?\s+{_YEAR})\b"
    rf"|(?P<num>(\d{{1,2}})[/.](\d{{1,2}})[/.]{_YEAR})\b"
    rf"|(?P<my>{_MONTH}\s+{_YEAR})\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    """A date found in text: when (UTC midnight, or the first of the month), and where."""

    when: datetime
    month_only: bool
    start: int
    end: int


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _make(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> tuple[datetime | None, bool]:
    g = m.groups()
    if m.group("iso"):
        return _make(int(g[1]), int(g[2]), int(g[3])), False
    if m.group("dmy"):
        return _make(int(g[7]), _month(g[6]), int(g[5])), False
    if m.group("mdy"):
        return _make(int(g[11]), _month(g[9]), int(g[10])), False
    if m.group("num"):
        first, second, year = int(g[13]), int(g[14]), int(g[15])
        if second > 12 >= first:  # 05/14/2024 can only be month first
            first, second = second, first
        return _make(year, second, first), False
    return _make(int(g[18]), _month(g[17]), 1), True


def find_date(text: str) -> FoundDate | None:
    """The first date written in ``text``, or ``None``."""
    for m in _DATE.finditer(text):
        when, month_only = _from_match(m)
        if when is not None:
            return FoundDate(when, month_only, m.start(), m.end())
    return None


def machine_date(element: Tag) -> datetime | None:
    """The date an element states for machines: ``<time datetime>``, or the ``content`` of a
    ``datePublished`` / ``dateCreated`` microdata property."""
    value = element.get("datetime")
    if value is None and str(element.get("itemprop", "")) in ("datePublished", "dateCreated"):
        value = element.get("content")
    if not value:
        return None
    return parse_date(str(value))
