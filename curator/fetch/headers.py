"""Pure parsing of the response headers the scheduler honours: Retry-After and Cache-Control."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.I)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds (``120``) or an HTTP date
    (``Wed, 21 Oct 2026 07:28:00 GMT``, counted from ``now``). ``None`` when absent or unreadable;
    a date in the past gives ``0.0``."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
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
    return float(int(match.group(1))) if match else None
