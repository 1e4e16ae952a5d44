""" "Is this the same publication?": title keys, near-duplicates, dedupe keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator.dedupe import NEAR_DUPLICATE_WINDOW, dedupe_keys, is_near_duplicate, title_key
from curator.records import Entry


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Children’s Social Care: 2024–25", "children s social care 2024 25"),
        ("  Café  Society -- Report ", "cafe society report"),
        ("Health & Care Bill", "health and care bill"),
        ("ÉTUDE", "etude"),
        ("В Бузулуке", "в бузулуке"),
        ("!!!", ""),
    ],
)
def test_title_key(title: str, key: str) -> None:
    assert title_key(title) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("State of Care 2025/26", "State of care 2025-26"),
        ("Health & care workforce report", "Health and Care Workforce Report"),
        (
            "Children looked after in England including adoptions: year ending 31 March 2026",
            "Children looked after in England, including adoptions - year ending 31 March 2026",
        ),
        (
            "Independent review of children's social care: final report",
            "Independent review of childrens social care: final report",
        ),
    ],
)
def test_near_duplicates(a: str, b: str) -> None:
    assert is_near_duplicate(a, b)
    assert is_near_duplicate(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # same statistic, another year: two publications, not one spelt twice
        (
            "Children looked after in England including adoptions: year ending 31 March 2025",
            "Children looked after in England including adoptions: year ending 31 March 2026",
        ),
        ("Annual report 2025", "Annual report 2026"),
        ("Prisons at capacity", "Probation at capacity"),
        ("Working together to safeguard children", "Keeping children safe in education"),
        ("", ""),
        ("!!!", "???"),
    ],
)
def test_not_near_duplicates(a: str, b: str) -> None:
    assert not is_near_duplicate(a, b)


def test_threshold_is_adjustable() -> None:
    a, b = "Adult social care workforce survey", "Adult social care workforce surveys"
    assert is_near_duplicate(a, b)
    assert not is_near_duplicate(a, b, threshold=99.5)


def test_window_is_two_weeks() -> None:
    assert timedelta(days=14) == NEAR_DUPLICATE_WINDOW


titles = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)


@given(titles, titles)
def test_near_duplicate_is_symmetric(a: str, b: str) -> None:
    assert is_near_duplicate(a, b) == is_near_duplicate(b, a)


@given(titles)
def test_near_duplicate_is_reflexive_for_informative_titles(a: str) -> None:
    assert is_near_duplicate(a, a) == bool(title_key(a))


@given(titles)
def test_title_key_is_idempotent_and_folds_case(a: str) -> None:
    key = title_key(a)
    assert title_key(key) == key
    assert title_key(a.upper()) == title_key(a.lower()) or not a.isascii()
    assert "  " not in key and key == key.strip()


def _entry(url: str) -> Entry:
    return Entry(source_id="s", publisher="P", url=url, original_url=url, title="T")


def test_dedupe_keys() -> None:
    assert dedupe_keys(_entry("https://www.gov.uk/government/publications/x?utm_source=a")) == (
        "https://gov.uk/government/publications/x",
        "/government/publications/x",
    )
    assert dedupe_keys(_entry("https://kingsfund.example/insight/x/")) == (
        "https://kingsfund.example/insight/x",
        None,
    )


@given(
    st.sampled_from(["http://", "https://", "https://www.", "HTTP://WWW."]),
    st.sampled_from(["", "/", "#x", "?utm_medium=rss"]),
)
def test_dedupe_keys_equal_across_url_variants(prefix: str, suffix: str) -> None:
    base = dedupe_keys(_entry("https://www.gov.uk/government/publications/report"))
    assert dedupe_keys(_entry(f"{prefix}gov.uk/government/publications/report{suffix}")) == base
