"""What a fetched source with no item of its own is told (curator/unstored.py), through
``assess`` as `curator sources status` and the weekly report say it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from curator.health import SourceFacts, assess, report_text
from curator.records import ADDED_BY_LINK, Listing, SourceConfig

NOW = datetime(2024, 6, 30, tzinfo=UTC)
SRC = SourceConfig(id="mirror", publisher="DHSC", kind="feed", url="https://example.org/m.atom")
FETCHED = SourceFacts(last_checked_at=NOW, last_ok_at=NOW)


def detail(listing: Listing | None) -> str:
    health = assess(SRC, replace(FETCHED, listing=listing), NOW)
    assert health.status == "quiet"
    return health.detail


@pytest.mark.parametrize(
    ("listing", "said"),
    [
        # before 0018, or not parsed since: nothing known beyond the old words
        (None, "fetched, but no publication found in it yet"),
        (Listing(0), "fetched, but no publication found in it yet"),
        (
            Listing(12, 12, ("dhsc-news",)),
            "its 12 publications were all stored first by 'dhsc-news': it may duplicate that "
            "source",
        ),
        (
            Listing(1, 1, ("dhsc-news",)),
            "its one publication was stored first by 'dhsc-news': it may duplicate that source",
        ),
        (
            Listing(9, 9, ("a", "b", "c", "d", ADDED_BY_LINK)),
            "its 9 publications were all stored first by 'a', 'b', 'c', others and editors "
            "adding them by their link: it may duplicate those sources",
        ),
        # an editor added them by their link before the source listed them: nothing to fix
        (
            Listing(2, 2, (ADDED_BY_LINK,)),
            "its 2 publications were all stored first by editors adding them by their link",
        ),
        (
            Listing(3),
            "it listed 3 publications at its last check, but none of them is stored, under it "
            "or under another source",
        ),
        (
            Listing(5, 2, ("dhsc-news",)),
            "none of the 5 publications it listed at its last check is stored under it: 2 were "
            "stored first by 'dhsc-news', the other 3 not at all",
        ),
        (
            Listing(3, 1, ("dhsc-news",)),
            "none of the 3 publications it listed at its last check is stored under it: 1 was "
            "stored first by 'dhsc-news', the other 2 not at all",
        ),
    ],
)
def test_a_source_with_no_item_of_its_own_is_told_what_its_document_listed(
    listing: Listing | None, said: str
) -> None:
    assert detail(listing) == said


def test_a_source_with_items_of_its_own_says_nothing_of_its_listing() -> None:
    """Its items were its own once: its last document duplicating another's is no fault."""
    facts = replace(FETCHED, newest_item_at=NOW, listing=Listing(4, 4, ("dhsc-news",)))
    assert (assess(SRC, facts, NOW).status, assess(SRC, facts, NOW).detail) == ("ok", "")


def test_the_weekly_report_lists_a_redundant_source_with_why() -> None:
    health = assess(SRC, replace(FETCHED, listing=Listing(2, 2, ("dhsc-news",))), NOW)
    assert report_text([health]).splitlines()[1] == (
        "• `mirror` (DHSC): *quiet*: its 2 publications were all stored first by 'dhsc-news': "
        "it may duplicate that source"
    )
