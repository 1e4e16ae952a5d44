"""Errors of the fetch room: one class per way a fetch can fail, each naming the source and URL.

All subclass :class:`FetchError`, itself a :class:`curator.errors.FetchError`, so callers may catch
either. Every instance carries ``source_id``, ``url`` and ``retry_after`` (seconds, when the server
said how long to wait; ``None`` otherwise) for the scheduler.
"""

from __future__ import annotations

from curator import errors


class FetchError(errors.FetchError):
    """A source could not be fetched (base class of this room's errors)."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, source_id=source_id, url=url)
        self.retry_after = retry_after


class HTTPStatusError(FetchError):
    """The server answered with a status that is not 2xx or 304 (after following redirects)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        source_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, source_id=source_id, url=url, retry_after=retry_after)
        self.status = status


class BlockedBySite(HTTPStatusError):
    """The site refuses automated clients: a 401 or 403, or a bot-challenge page (whatever its
    status, 200 included). ``reason`` says which (``curator.fetch.challenge``). Pulse Curator
    does not try to get past it; the scheduler slows down and an admin checks the site by hand."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        reason: str,
        source_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status=status, source_id=source_id, url=url, retry_after=retry_after
        )
        self.reason = reason


class FetchTimeout(FetchError):
    """Connecting, reading, or the whole request took longer than allowed."""


class BodyTooLarge(FetchError):
    """The body (counted after decompression) was larger than the cap."""


class TooManyRedirects(FetchError):
    """More redirects than allowed (a redirect loop ends here too)."""


class BlockedAddress(FetchError):
    """The SSRF guard refused the URL: it resolves to a private, loopback, link-local, reserved,
    multicast or unspecified address, or uses a scheme other than http/https."""


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching this ``kind: page`` URL (or robots.txt was unreachable)."""


class ConnectFailed(FetchError):
    """The host could not be resolved or reached, or the connection broke mid-response."""


class BadResponse(FetchError):
    """The server sent something that is not valid HTTP, or a body that cannot be decoded."""


__all__ = [
    "BadResponse",
    "BlockedAddress",
    "BlockedBySite",
    "BodyTooLarge",
    "ConnectFailed",
    "FetchError",
    "FetchTimeout",
    "HTTPStatusError",
    "RobotsDisallowed",
    "TooManyRedirects",
]
