"""The automatic listing reader on every listing fixture: at least 90 % of the expected
publications found, at most 10 % of the links it returns not publications (fixtures and how
they were made: tests/fixtures/pages/listings/PROVENANCE.md; figures: benchmarks/listing.py)."""

from __future__ import annotations

import pytest

from curator.parse.listing import read_listing
from tests.support.listings import Fixture, fixtures, score

CASES = fixtures()


def test_there_are_enough_layouts() -> None:
    assert len([f for f in CASES if not f.held_out]) >= 8
    assert len([f for f in CASES if f.held_out]) >= 2


@pytest.mark.parametrize("fixture", CASES, ids=[f.name for f in CASES])
def test_reader_finds_the_publications_and_little_else(fixture: Fixture) -> None:
    listing = read_listing(fixture.html.read_bytes(), fixture.url)
    got = score(fixture, listing.items)
    assert got.recall >= 0.9, f"found {got.found} of {got.expected} publications"
    assert got.precision >= 0.9, f"{got.returned - got.found} of {got.returned} not publications"
    assert got.dates_right >= 0.9 * got.found, f"{got.dates_right} of {got.found} dates right"
