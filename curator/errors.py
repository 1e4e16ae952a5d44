"""The one exception hierarchy of Pulse Curator: catch ``CuratorError`` for every error the
project raises on purpose, or one branch of the tree for one kind of trouble.

Every error of the project (classes defined elsewhere are marked with their module)::

    CuratorError
    ├── ConfigError                    settings, sources.yaml, files
    │   ├── SourcesError               curator.sources: sources.yaml refused (file, line, key)
    │   └── NotAdded                   curator.sources: `sources add` refused a URL
    ├── FetchError                     a source could not be fetched (source_id, url,
    │   │                              retry_after, status on every one)
    │   ├── HTTPStatusError            a status that is not 2xx or 304 (status is set)
    │   │   └── BlockedBySite          401/403 or a bot challenge: the site refuses bots
    │   ├── FetchTimeout               connect, read or total timeout
    │   ├── BodyTooLarge               the body is over the cap (after decompression)
    │   ├── TooManyRedirects           a redirect loop, or too long a chain
    │   ├── BlockedAddress             the SSRF guard refused the URL or the address
    │   ├── RobotsDisallowed           robots.txt forbids a `kind: page` URL
    │   ├── ConnectFailed              no connection, or it broke mid-response
    │   │   └── HostUnresolved         the host name does not resolve (or not in time)
    │   └── BadResponse                not HTTP, or a body that cannot be decoded
    ├── ParseError                     a document could not be read into entries
    │   └── EmptyDocument, NotAFeed,   curator.parse.errors
    │       UnparseableFeed, FeedEnded
    ├── StoreError                     the database refused or could not do something
    │   └── DatabaseGone               its SQLite file was deleted or replaced under the process
    ├── EditionError                   curator.store.editions
    ├── DecisionError                  curator.store.decisions: an editor's action refused
    │   └── ProposalSuperseded         Use this on a proposal older than an editor's own text
    ├── ModelError                     the classifier model is missing, corrupt, incompatible
    ├── SlackError                     Slack refused a call or is not configured
    └── EnrichError                    curator.enrich.errors: a publication could not be read
        ├── PageUnreadable
        └── ReportUnreadable           PdfTooLarge, PdfEncrypted, PdfNoText, PdfMalformed,
                                       ReportTimeout, ReaderCrashed

How ``httpx`` exceptions become :class:`FetchError` subclasses (one table, most specific first)
is ``curator.fetch.exceptions``. Every fetch error carries what the scheduler needs, so callers
read ``exc.retry_after`` and ``exc.status`` (``None`` when the server did not say) instead of
probing for them.
"""

from __future__ import annotations


class CuratorError(Exception):
    """Base class: every error the project raises on purpose."""


class ConfigError(CuratorError):
    """Bad configuration: ``sources.yaml``, environment variables, files."""


class FetchError(CuratorError):
    """A source could not be fetched. ``source_id`` and ``url`` name it when known;
    ``retry_after`` is how long the server asked us to wait (seconds) and ``status`` the HTTP
    status it answered with, each ``None`` when there is none."""

    def __init__(
        self,
        message: str,
        *,
        source_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.source_id = source_id
        self.url = url
        self.retry_after = retry_after
        self.status = status


class HTTPStatusError(FetchError):
    """The server answered with a status that is not 2xx or 304 (after following redirects)."""

    status: int

    def __init__(
        self,
        message: str,
        *,
        status: int,
        source_id: str | None = None,
        url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, source_id=source_id, url=url, retry_after=retry_after, status=status
        )


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


class HostUnresolved(ConnectFailed):
    """The URL's host name does not resolve, or resolving it took longer than the connect
    timeout: mistyped, a domain given up, or (when every source's fails at once) this machine
    is offline or its DNS is down."""


class BadResponse(FetchError):
    """The server sent something that is not valid HTTP, or a body that cannot be decoded."""


class ParseError(CuratorError):
    """A fetched document could not be turned into entries."""


class StoreError(CuratorError):
    """The database refused or could not do something."""


class DatabaseGone(StoreError):
    """The SQLite file this process opened was deleted or replaced under it (``how``): SQLite
    would go on writing to the file it holds open, and all of it would be lost when the process
    ends, so every transaction is refused (``curator.store.dbfile``). The message names the
    file and what to do; ``path`` and ``how`` say it for callers that word it for someone else
    (an editor in Slack)."""

    def __init__(self, message: str, *, path: str, how: str) -> None:
        super().__init__(message)
        self.path = path
        self.how = how


class ModelError(CuratorError):
    """The classifier model is missing, corrupt or incompatible."""


class SlackError(CuratorError):
    """Slack refused a call or is not configured."""
