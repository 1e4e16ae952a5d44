"""When to check a source next (pure: no I/O, no clock; the caller passes ``now``).

Honour ``Retry-After`` and ``Cache-Control: max-age``; capped exponential backoff with jitter on
consecutive failures, reset on success; never a silent stop (there is always a next check, and the
runner alerts on long failure streaks instead of giving up).

A site that refuses automated clients (401/403 or a bot-challenge page) :data:`BLOCKED_AFTER`
polls in a row is *blocked*: asking again sooner will not change its mind and only adds to the
load its protection is fending off, so it is checked once a day (:data:`BLOCKED_EVERY`) until it
answers, and an admin checks it by hand meanwhile.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

#: ``Cache-Control: max-age`` may stretch the interval up to this much, no further.
MAX_AGE_CAP = timedelta(hours=24)
#: The answers that ask a client to come back later (too many requests, unavailable): a source
#: whose last answer was one is left to its schedule by ``curator poll --all``.
WAIT_STATUSES: tuple[int, ...] = (429, 503)
#: ``Retry-After`` is honoured up to this far ahead (a server asking for a year is not obeyed).
RETRY_AFTER_CAP = timedelta(days=7)
#: The next check is always at least this far in the future.
MIN_DELAY = timedelta(seconds=1)
#: Refusals (401/403 or a bot challenge) in a row after which a source counts as blocked.
BLOCKED_AFTER = 3
#: How often a blocked source is checked: never sooner (jitter only ever adds to it).
BLOCKED_EVERY = timedelta(days=1)


def is_blocked(consecutive_blocks: int) -> bool:
    """Whether a source refused us often enough in a row to count as blocked."""
    return consecutive_blocks >= BLOCKED_AFTER


def base_delay(
    every: timedelta,
    *,
    consecutive_failures: int = 0,
    max_age: float | None = None,
    max_backoff: timedelta = timedelta(hours=24),
) -> timedelta:
    """The delay before jitter and server hints.

    Success (0 failures): ``max(every, max_age)``, max_age capped at :data:`MAX_AGE_CAP`.
    Failure n ≥ 1: ``every * 2**(n-1)`` capped at ``max(max_backoff, every)`` — backoff never
    checks a failing source more often than a healthy one.
    """
    every = max(every, MIN_DELAY)
    if consecutive_failures <= 0:
        if max_age is not None and max_age > 0:
            stretched = min(timedelta(seconds=max_age), MAX_AGE_CAP)
            return max(every, stretched)
        return every
    cap = max(max_backoff, every)
    exponent = min(consecutive_failures - 1, 62)  # 2**62 * 1 s already exceeds any cap
    seconds = min(every.total_seconds() * 2.0**exponent, cap.total_seconds())
    return timedelta(seconds=seconds)


def next_check_at(
    now: datetime,
    *,
    every: timedelta,
    consecutive_failures: int = 0,
    retry_after: float | None = None,
    max_age: float | None = None,
    jitter: float = 0.1,
    rng: random.Random | None = None,
    max_backoff: timedelta = timedelta(hours=24),
    consecutive_blocks: int = 0,
) -> datetime:
    """The next time to check a source: :func:`base_delay` spread by ±``jitter`` (a fraction,
    clamped to [0, 0.5]), never before ``retry_after`` seconds (capped at
    :data:`RETRY_AFTER_CAP`), always at least :data:`MIN_DELAY` after ``now``.

    A blocked source (:func:`is_blocked` of ``consecutive_blocks``, the refusals in a row
    including this one) waits :data:`BLOCKED_EVERY`, or its own ``every`` if that is longer, and
    its jitter only ever lengthens the wait: it is never checked more than once a day."""
    spread = min(max(jitter, 0.0), 0.5)
    if is_blocked(consecutive_blocks):
        base = max(BLOCKED_EVERY, every)
        factor = 1.0 + ((rng or random).uniform(0.0, spread) if spread else 0.0)
        delay = timedelta(seconds=base.total_seconds() * factor)
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(timedelta(seconds=retry_after), RETRY_AFTER_CAP))
        return now + delay
    base = base_delay(
        every, consecutive_failures=consecutive_failures, max_age=max_age, max_backoff=max_backoff
    )
    if spread:
        factor = 1.0 + (rng or random).uniform(-spread, spread)
        delay = timedelta(seconds=base.total_seconds() * factor)
    else:
        delay = base
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), RETRY_AFTER_CAP))
    return now + max(delay, MIN_DELAY)
