"""Parsing of Retry-After and Cache-Control (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator.fetch.headers import parse_max_age, parse_retry_after

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 26 Nov 2026 12:05:00 GMT", 300.0),
        ("Thu, 26 Nov 2026 11:00:00 GMT", 0.0),  # in the past: retry now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_retry_after_seconds_round_trip(seconds: int) -> None:
    assert parse_retry_after(str(seconds), NOW) == float(seconds)


@given(st.integers(min_value=1, max_value=10**7))
def test_retry_after_date_round_trip(seconds: int) -> None:
    when = NOW + timedelta(seconds=seconds)
    assert parse_retry_after(format_datetime(when, usegmt=True), NOW) == float(seconds)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=600", 600.0),
        ("public, max-age=3600, must-revalidate", 3600.0),
        ('max-age="60"', 60.0),
        ("MAX-AGE=5", 5.0),
        ("s-maxage=100", None),
        ("no-cache", None),
        ("max-age=abc", None),
        (None, None),
    ],
)
def test_max_age(value: str | None, expected: float | None) -> None:
    assert parse_max_age(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9" * 400, 1e9),  # float(int(...)) overflowed: found by tests/test_fuzz_parsers.py
        ("9" * 5000, 1e9),  # past Python's 4300-digit int() limit
        ("²", None),  # str.isdigit() is true for superscripts, which int() refuses
        ("0" * 20 + "120", 120.0),
    ],
)
def test_absurd_retry_after_values_are_clamped_or_unreadable(
    value: str, expected: float | None
) -> None:
    assert parse_retry_after(value) == expected


def test_absurd_max_age_values_are_clamped() -> None:
    assert parse_max_age("max-age=" + "9" * 400) == 1e9
    assert parse_max_age("max-age=" + "9" * 5000) == 1e9
