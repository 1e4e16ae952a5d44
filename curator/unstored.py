"""What a source that was fetched but has no item of its own is told (pure): did its document
list nothing, or was every publication it listed stored first through another source?

Items are stored once (``curator.store.items``): the same publication reached through two feeds
or pages is stored by whichever source lists it first, and the other stores nothing. Such a
source works; it may only duplicate the other. Told apart from a document that lists nothing,
an admin neither mends a source that is not broken nor takes an empty one for a redundant one.
"""

from __future__ import annotations

from collections.abc import Sequence

from curator.normalise.text import counted
from curator.records import ADDED_BY_LINK, Listing

#: What a fetched source whose document listed nothing (or that has not been parsed since the
#: listing was recorded) is told.
NOTHING_LISTED = "fetched, but no publication found in it yet"
#: At most this many of the other sources are named; the rest are "others".
NAMED = 3


def unstored_detail(listing: Listing | None) -> str:
    """The detail of a fetched source with no item of its own, from what its last parsed
    document listed (``None``: not known, as before the listing was recorded)."""
    if listing is None or listing.entries <= 0:
        return NOTHING_LISTED
    listed = listing.entries
    elsewhere = min(listing.elsewhere, listed)
    if elsewhere == listed:
        its = (
            "its one publication was"
            if listed == 1
            else f"its {counted(listed, 'publication')} were all"
        )
        return f"{its} stored first by {stored_by(listing.sources)}{advice(listing.sources)}"
    if elsewhere == 0:
        return (
            f"it listed {counted(listed, 'publication')} at its last check, but none of them is "
            "stored, under it or under another source"
        )
    return (
        f"none of the {counted(listed, 'publication')} it listed at its last check is stored "
        f"under it: {elsewhere} {'was' if elsewhere == 1 else 'were'} stored first by "
        f"{stored_by(listing.sources)}, the other {listed - elsewhere} not at all"
    )


def stored_by(sources: Sequence[str]) -> str:
    """Who stored a source's publications first: the other sources by id (most first), and
    the editors when they added some by their link."""
    others = [s for s in sources if s != ADDED_BY_LINK]
    names = [f"'{s}'" for s in others[:NAMED]]
    if len(others) > NAMED:
        names.append("others")
    if ADDED_BY_LINK in sources:
        names.append("editors adding them by their link")
    if not names:
        return "other sources"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def advice(sources: Sequence[str]) -> str:
    """What a source whose publications were all stored first elsewhere may be: nothing is
    said of editors' links (a source listed after an editor added its publications is fine)."""
    others = [s for s in sources if s != ADDED_BY_LINK]
    if not others:
        return "" if sources else ": it may duplicate another source"
    return f": it may duplicate {'that source' if len(others) == 1 else 'those sources'}"
