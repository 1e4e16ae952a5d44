from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.calendar import edition_for_time, next_edition, parse_edition


def test_late_march_utc_is_april_in_bst() -> None:
    assert edition_for_time(datetime(2024, 3, 31, 23, 30, tzinfo=UTC)) == "2024-04"


def test_late_december_utc_is_still_december_in_gmt() -> None:
    assert edition_for_time(datetime(2024, 12, 31, 23, 30, tzinfo=UTC)) == "2024-12"


def test_next_edition_rolls_the_year() -> None:
    assert next_edition("2024-12") == "2025-01"
    assert next_edition("2024-07") == "2024-08"


@pytest.mark.parametrize("bad", ["2024-13", "2024-7", "July", ""])
def test_bad_edition_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a month"):
        parse_edition(bad)
