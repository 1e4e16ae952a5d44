"""Pure parsing of the response headers the scheduler honours: Retry-After and Cache-Control."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([0-9]+)\"?\s*(?:,|$)", re.I)
#: Seconds beyond this (about 31 years) are read as this: the scheduler caps what it honours far
#: lower, and a longer number of digits would overflow a float or pass int()'s digit limit.
_MAX_SECONDS = 10**9


def _seconds(digits: str) -> float:
    """ASCII digits as seconds, clamped to ``_MAX_SECONDS``."""
    digits = digits.lstrip("0") or "0"
    return float(_MAX_SECONDS if len(digits) > 9 else min(int(digits), _MAX_SECONDS))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds (``120``) or an HTTP date
    (``Wed, 21 Oct 2026 07:28:00 GMT``, counted from ``now``). ``None`` when absent or unreadable;
    a date in the past gives ``0.0``."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return _seconds(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def parse_max_age(value: str | None) -> float | None:
    """Seconds from ``Cache-Control: max-age=N``; ``None`` when absent or unreadable."""
    if not value:
        return None
    match = _MAX_AGE.search(value)
    return _seconds(match.group(1)) if match else None
