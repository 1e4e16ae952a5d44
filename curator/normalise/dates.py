"""Dates as publishers write them, read into aware UTC datetimes. Pure: no I/O."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from dateutil import parser as date_parser

#: Zone abbreviations seen in real feeds ("Tue, 01 Oct 2019 14:30:00 PST"); dateutil does not
#: know them and would warn (an error under this project's test settings).
_TZINFOS: dict[str, tzinfo] = {
    "UTC": UTC,
    "UT": UTC,
    "GMT": UTC,
    "Z": UTC,
    "BST": timezone(timedelta(hours=1)),
    "IST": timezone(timedelta(hours=1)),
    "CET": timezone(timedelta(hours=1)),
    "CEST": timezone(timedelta(hours=2)),
    "EST": timezone(timedelta(hours=-5)),
    "EDT": timezone(timedelta(hours=-4)),
    "CST": timezone(timedelta(hours=-6)),
    "CDT": timezone(timedelta(hours=-5)),
    "MST": timezone(timedelta(hours=-7)),
    "MDT": timezone(timedelta(hours=-6)),
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
}
_DIGITS = re.compile(r"^\d+$")


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a date as publishers write it, or ``None``.

    ISO 8601 first; then free text read day-first, as UK publishers write ``01/02/2024``
    (1 February). Naive times are taken as UTC. Bare numbers (Unix epochs in ``dc:date``) are
    not dates.
    """
    if value is None:
        return None
    text = " ".join(value.split())
    if not text or len(text) > 100:
        return None
    if _DIGITS.match(text) and len(text) != 8:
        return None
    try:
        return _aware_utc(date_parser.isoparse(text))
    except (ValueError, OverflowError):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = date_parser.parse(text, dayfirst=True, tzinfos=_TZINFOS)
        except (ValueError, OverflowError, TypeError, LookupError):
            return None
    try:
        return _aware_utc(parsed)
    except (ValueError, OverflowError):
        return None
