"""The typed vocabularies of records.py agree with the tables of labels the product prints."""

from __future__ import annotations

from curator.records import (
    ACTIONS,
    CATEGORIES,
    CATEGORY_IDS,
    SECTOR_IDS,
    SECTORS,
    is_action,
    is_category,
    is_sector,
)


def test_the_typed_ids_are_the_labelled_ones_in_the_same_order() -> None:
    assert tuple(SECTORS) == SECTOR_IDS
    assert tuple(CATEGORIES) == CATEGORY_IDS


def test_the_guards_accept_the_ids_and_nothing_else() -> None:
    assert all(is_sector(s) for s in SECTORS) and all(is_category(c) for c in CATEGORIES)
    assert all(is_action(a) for a in ACTIONS)
    for wrong in ("", "Criminal Justice", "reports ", None, ["reports"], 3):
        assert not is_sector(wrong) and not is_category(wrong) and not is_action(wrong)
    assert not is_sector("reports") and not is_category("criminal_justice")
