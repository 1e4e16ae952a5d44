"""next_check_at: the pure scheduling arithmetic."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from curator.schedule import (
    BLOCKED_AFTER,
    BLOCKED_EVERY,
    MAX_AGE_CAP,
    MIN_DELAY,
    RETRY_AFTER_CAP,
    base_delay,
    is_blocked,
    next_check_at,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

everies = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=14))
failures = st.integers(min_value=0, max_value=200)
retry_afters = st.none() | st.floats(min_value=0, max_value=RETRY_AFTER_CAP.total_seconds())
max_ages = st.none() | st.floats(min_value=0, max_value=10**8)
jitters = st.floats(min_value=0, max_value=0.5)
backoffs = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=7))


def test_success_waits_the_interval() -> None:
    assert next_check_at(NOW, every=HOUR, jitter=0) == NOW + HOUR


def test_max_age_stretches_but_never_shortens_and_is_capped() -> None:
    assert next_check_at(NOW, every=HOUR, max_age=7200, jitter=0) == NOW + 2 * HOUR
    assert next_check_at(NOW, every=HOUR, max_age=60, jitter=0) == NOW + HOUR
    assert next_check_at(NOW, every=HOUR, max_age=10**7, jitter=0) == NOW + MAX_AGE_CAP


def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    delays = [
        next_check_at(NOW, every=HOUR, consecutive_failures=n, jitter=0) - NOW for n in range(8)
    ]
    hours = [d / HOUR for d in delays]
    assert hours == [1, 1, 2, 4, 8, 16, 24, 24]


def test_backoff_never_checks_a_slow_source_more_often_than_usual() -> None:
    week = timedelta(days=7)
    assert next_check_at(NOW, every=week, consecutive_failures=3, jitter=0) == NOW + week


def test_retry_after_is_a_floor() -> None:
    assert next_check_at(NOW, every=HOUR, retry_after=3 * 3600, jitter=0) == NOW + 3 * HOUR
    later = next_check_at(NOW, every=HOUR, consecutive_failures=1, retry_after=60, jitter=0)
    assert later == NOW + HOUR
    capped = next_check_at(NOW, every=HOUR, retry_after=10**9, jitter=0)
    assert capped == NOW + RETRY_AFTER_CAP


def test_jitter_spreads_within_the_fraction() -> None:
    rng = random.Random(7)
    times = {next_check_at(NOW, every=HOUR, jitter=0.1, rng=rng) for _ in range(200)}
    assert len(times) > 100
    assert all(NOW + 0.9 * HOUR <= t <= NOW + 1.1 * HOUR for t in times)


def test_zero_interval_still_in_the_future() -> None:
    assert next_check_at(NOW, every=timedelta(0), jitter=0) == NOW + MIN_DELAY


def test_huge_failure_count_does_not_overflow() -> None:
    when = next_check_at(NOW, every=HOUR, consecutive_failures=10**6, jitter=0)
    assert when == NOW + timedelta(hours=24)


@given(everies, failures, retry_afters, max_ages, jitters, backoffs, st.integers())
def test_always_future_never_before_retry_after_and_capped(
    every: timedelta,
    n: int,
    retry_after: float | None,
    max_age: float | None,
    jitter: float,
    max_backoff: timedelta,
    seed: int,
) -> None:
    when = next_check_at(
        NOW,
        every=every,
        consecutive_failures=n,
        retry_after=retry_after,
        max_age=max_age,
        jitter=jitter,
        rng=random.Random(seed),
        max_backoff=max_backoff,
    )
    assert when > NOW
    if retry_after is not None:
        assert when >= NOW + timedelta(seconds=retry_after)
    ceiling = max(every, max_backoff, MAX_AGE_CAP, MIN_DELAY) * (1 + jitter)
    assert when - NOW <= max(ceiling, timedelta(seconds=retry_after or 0)) + timedelta(
        microseconds=1
    )


@given(everies, st.integers(min_value=1, max_value=100), backoffs)
def test_backoff_is_monotone_in_failures(every: timedelta, n: int, max_backoff: timedelta) -> None:
    def delay(k: int) -> timedelta:
        return (
            next_check_at(
                NOW, every=every, consecutive_failures=k, jitter=0, max_backoff=max_backoff
            )
            - NOW
        )

    assert delay(0) <= delay(n) <= delay(n + 1)
    assert delay(n + 1) <= max(every, max_backoff, MIN_DELAY)


@given(everies, failures, max_ages, backoffs)
def test_base_delay_matches_jitter_free_schedule(
    every: timedelta, n: int, max_age: float | None, max_backoff: timedelta
) -> None:
    base = base_delay(every, consecutive_failures=n, max_age=max_age, max_backoff=max_backoff)
    when = next_check_at(
        NOW, every=every, consecutive_failures=n, max_age=max_age, jitter=0, max_backoff=max_backoff
    )
    assert when == NOW + max(base, MIN_DELAY)


# --- blocked: a site refusing automated clients is checked once a day -------------------------


def test_blocked_after_three_refusals_in_a_row() -> None:
    assert BLOCKED_AFTER == 3
    assert [is_blocked(n) for n in range(5)] == [False, False, False, True, True]


def test_refusals_before_the_third_back_off_as_usual() -> None:
    for n in (1, 2):
        assert next_check_at(
            NOW, every=HOUR, consecutive_failures=n, consecutive_blocks=n, jitter=0
        ) == NOW + HOUR * 2 ** (n - 1)


def test_a_blocked_source_waits_a_day_or_its_own_longer_interval() -> None:
    assert timedelta(days=1) == BLOCKED_EVERY
    for every, wait in ((HOUR, BLOCKED_EVERY), (timedelta(weeks=1), timedelta(weeks=1))):
        when = next_check_at(
            NOW, every=every, consecutive_failures=3, consecutive_blocks=3, jitter=0
        )
        assert when == NOW + wait
    # a longer Retry-After is honoured; a shorter one, or a max-age, never speeds it up
    assert next_check_at(
        NOW, every=HOUR, consecutive_blocks=4, retry_after=3 * 86400, jitter=0
    ) == NOW + timedelta(days=3)
    assert (
        next_check_at(NOW, every=HOUR, consecutive_blocks=4, retry_after=60, max_age=60, jitter=0)
        == NOW + BLOCKED_EVERY
    )


@given(
    everies,
    st.integers(min_value=BLOCKED_AFTER, max_value=500),
    failures,
    retry_afters,
    jitters,
    st.integers(),
)
def test_a_blocked_source_is_never_checked_sooner_than_a_day(
    every: timedelta,
    blocks: int,
    fails: int,
    retry_after: float | None,
    jitter: float,
    seed: int,
) -> None:
    when = next_check_at(
        NOW,
        every=every,
        consecutive_failures=fails,
        consecutive_blocks=blocks,
        retry_after=retry_after,
        jitter=jitter,
        rng=random.Random(seed),
    )
    base = max(BLOCKED_EVERY, every)
    assert NOW + base <= when <= NOW + max(base * 1.5, timedelta(seconds=retry_after or 0))
