"""What a reload of sources.yaml changed, in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from curator.records import SourceConfig
from curator.sources.changes import source_changes

DHSC = SourceConfig("dhsc", "DHSC", "feed", "https://www.gov.uk/dhsc.atom", line=3)
MOJ = SourceConfig("moj", "Ministry of Justice", "feed", "https://www.gov.uk/moj.atom", line=9)
NFER = SourceConfig("nfer", "NFER", "page", "https://www.nfer.ac.uk/publications/", line=15)


def test_nothing_changed_even_when_entries_moved_in_the_file() -> None:
    moved = [replace(MOJ, line=3), replace(DHSC, line=9)]
    assert source_changes([DHSC, MOJ], moved) == "no source changed"


def test_each_kind_of_change_is_named_by_id() -> None:
    new = [
        replace(DHSC, enabled=False),
        replace(MOJ, url="https://www.gov.uk/moj-new.atom", every=timedelta(hours=6)),
        NFER,
    ]
    assert source_changes([DHSC, MOJ, replace(NFER, id="old")], new) == (
        "added 'nfer'; removed 'old'; disabled 'dhsc'; changed 'moj' (url, every)"
    )
    assert source_changes(new, [DHSC, *new[1:]]) == "enabled 'dhsc'"
