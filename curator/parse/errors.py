"""The parse package's errors. Every message starts with the source id, so an alert or a log line
says which source is broken without a traceback."""

from __future__ import annotations

from collections.abc import Sequence

from curator.errors import ParseError


class EmptyDocument(ParseError):
    """The server answered with an empty (or whitespace-only) body."""

    def __init__(self, source_id: str) -> None:
        super().__init__(f"{source_id}: the server sent an empty body")
        self.source_id = source_id


class NotAFeed(ParseError):
    """A ``kind: feed`` source answered with an HTML page. ``found`` lists the feeds the page
    advertises (``<link rel="alternate">``), so the admin can point the source at one."""

    def __init__(self, source_id: str, found: Sequence[str]) -> None:
        self.source_id = source_id
        self.found: list[str] = list(found)
        if self.found:
            detail = f"found {', '.join(self.found)} on the page"
        else:
            detail = "no feed link on the page"
        super().__init__(f"{source_id}: not a feed; {detail}")


class UnparseableFeed(ParseError):
    """Nothing at all could be recovered from the document."""

    def __init__(self, source_id: str, reason: str) -> None:
        super().__init__(f"{source_id}: {reason}")
        self.source_id = source_id


class FeedEnded(ParseError):
    """GOV.UK retired the feed: it now serves one entry titled "This feed has ended" (alphagov/
    finder-frontend ``show_redirect.atom.builder``). The source needs a new URL; ``successor`` is
    the page GOV.UK points to, when it gives one."""

    def __init__(self, source_id: str, successor: str | None) -> None:
        self.source_id = source_id
        self.successor = successor
        where = f"; GOV.UK points to {successor}" if successor else ""
        super().__init__(
            f"{source_id}: GOV.UK says this feed has ended{where}; "
            "point the source at a current feed"
        )
