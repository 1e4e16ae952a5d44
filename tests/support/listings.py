"""The listing fixtures (tests/fixtures/pages/listings) and how a reading of one is scored:
shared by tests/test_listing_fixtures.py and benchmarks/listing.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from curator.normalise import canonical_url, clean_text
from curator.parse.listing import ListedItem

LISTINGS = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "listings"
HELD_OUT = LISTINGS / "holdout"


@dataclass(frozen=True)
class Fixture:
    name: str
    html: Path
    url: str
    publications: tuple[dict[str, str], ...]
    held_out: bool


def fixtures() -> list[Fixture]:
    """Every listing fixture, the nine tuned on first, then the held-out ones."""
    found = []
    for folder in (LISTINGS, HELD_OUT):
        for expected in sorted(folder.glob("*.expected.json")):
            doc = json.loads(expected.read_text(encoding="utf-8"))
            html = expected.with_name(expected.name.replace(".expected.json", ".html"))
            found.append(
                Fixture(
                    expected.name.replace(".expected.json", ""),
                    html,
                    doc["url"],
                    tuple(doc["publications"]),
                    folder == HELD_OUT,
                )
            )
    return found


@dataclass(frozen=True)
class Score:
    expected: int
    returned: int
    found: int  # returned links that are expected publications
    dates_right: int  # of those, with the expected date (to the day, or the month given)
    titles_right: int

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """The share of returned links that are publications (1 - "links not publications")."""
        return self.found / self.returned if self.returned else 0.0


def score(fixture: Fixture, items: Iterable[ListedItem]) -> Score:
    want = {canonical_url(p["url"]): p for p in fixture.publications}
    got = {canonical_url(i.url): i for i in items}
    hits = [u for u in got if u in want]
    dates = 0
    for u in hits:
        when, expected = got[u].published_at, want[u]["date"]
        if when is not None and when.date().isoformat()[: len(expected)] == expected:
            dates += 1
    titles = sum(1 for u in hits if clean_text(got[u].title) == want[u]["title"])
    return Score(len(want), len(got), len(hits), dates, titles)
