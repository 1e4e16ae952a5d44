"""The edition calendar: pure month arithmetic for editions, in the editors' time zone
(Europe/London by default). Top-level, apart from ``curator/edition/``, because the store (which
edition a decision falls in) and the edition package (assembly) both read it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

EDITION_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_edition(edition_id: str) -> tuple[int, int]:
    """``"2024-07"`` -> ``(2024, 7)``; a clear ValueError for anything else."""
    m = EDITION_RE.match(edition_id)
    if not m:
        raise ValueError(f"edition {edition_id!r} is not a month like 2024-07")
    return int(m.group(1)), int(m.group(2))


def edition_for_time(when: datetime, tz: str = "Europe/London") -> str:
    """The edition (month) that ``when`` falls in, in the editors' local time.

    23:30 UTC on 31 March 2024 is 00:30 BST on 1 April, so it belongs to ``2024-04``.
    """
    if when.tzinfo is None:
        raise ValueError("edition_for_time needs an aware datetime")
    local = when.astimezone(ZoneInfo(tz))
    return f"{local.year:04d}-{local.month:02d}"


def next_edition(edition_id: str) -> str:
    year, month = parse_edition(edition_id)
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year:04d}-{month:02d}"


def previous_edition(edition_id: str) -> str:
    year, month = parse_edition(edition_id)
    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def current_edition(tz: str = "Europe/London") -> str:
    return edition_for_time(datetime.now(UTC), tz)
