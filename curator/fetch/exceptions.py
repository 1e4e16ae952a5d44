"""What the layers below the fetcher raise, and what each becomes, in one table.

Three layers raise: httpcore (the connection pools of ``curator.fetch.transport``), httpx (what
the client sees), and the project's :class:`~curator.errors.FetchError` subclasses (what callers
see, with a message naming the source and URL). One row of :data:`RULES` says, for one kind of
trouble, the httpx class the client catches, the error it raises instead with its message, and
the httpcore class the transport turns into that httpx class::

    httpcore.ReadTimeout ──transport──▶ httpx.ReadTimeout ──client──▶ FetchTimeout("dhsc: …")

Rows are tried in order, most specific first (``httpx.ConnectTimeout`` before
``httpx.TimeoutException``); an exception no row names is not ours to translate and goes up as
it is. This is httpx's own ``map_httpcore_exceptions`` idea, taken one layer further.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpcore
import httpx

from curator.errors import (
    BadResponse,
    BlockedAddress,
    BodyTooLarge,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    HostUnresolved,
)
from curator.fetch import decode


class GuardRefused(httpx.TransportError):
    """The connect-time guard refused every address of a host (message says why)."""


def failure(kind: type[FetchError], source_id: str, url: object, message: str) -> FetchError:
    """A ``kind`` error naming ``source_id`` and ``url``; its message is ``message`` after the
    source id (every fetch error's message starts with the id of the source it was fetching)."""
    return kind(f"{source_id}: {message}", source_id=source_id, url=str(url))


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of trouble: the client catches ``caught`` and raises ``raised`` with
    ``message`` (after the source id: a :meth:`str.format` template over the fields of
    :func:`fetch_error`); the transport turns httpcore's ``core``, when there is one, into
    ``caught``."""

    caught: type[Exception]
    raised: type[FetchError]
    message: str
    core: type[Exception] | None = None


_TIMEOUT = "timed out fetching {url} ({kind})"
_BROKEN = "connection to {url} failed: {exc}"
_BAD = "bad response from {url}: {exc}"

RULES: tuple[Rule, ...] = (
    # Raised by the guard inside the pool: an httpx.TransportError, so it comes first.
    Rule(
        GuardRefused,
        BlockedAddress,
        "refused to connect to {url}: {exc} "
        "(set CURATOR_ALLOW_PRIVATE_NETWORKS=true only for tests)",
    ),
    Rule(
        decode.TooLarge,
        BodyTooLarge,
        "the body from {url} is larger than {max_bytes} bytes "
        "(counted after decompression); not reading more",
    ),
    Rule(decode.Unsupported, BadResponse, "refused the body from {url}: {exc}"),
    Rule(decode.Undecodable, BadResponse, "the body from {url} cannot be decoded: {exc}"),
    Rule(
        httpx.ConnectTimeout,
        FetchTimeout,
        "could not connect to {url} within {connect_timeout:g} s",
        httpcore.ConnectTimeout,
    ),
    Rule(
        httpx.ReadTimeout,
        FetchTimeout,
        "{url} sent nothing for {read_timeout:g} s (read timeout)",
        httpcore.ReadTimeout,
    ),
    Rule(httpx.WriteTimeout, FetchTimeout, _TIMEOUT, httpcore.WriteTimeout),
    Rule(httpx.PoolTimeout, FetchTimeout, _TIMEOUT, httpcore.PoolTimeout),
    Rule(httpx.TimeoutException, FetchTimeout, _TIMEOUT, httpcore.TimeoutException),
    Rule(httpx.ConnectError, ConnectFailed, _BROKEN, httpcore.ConnectError),
    Rule(httpx.ReadError, ConnectFailed, _BROKEN, httpcore.ReadError),
    Rule(httpx.WriteError, ConnectFailed, _BROKEN, httpcore.WriteError),
    Rule(httpx.NetworkError, BadResponse, _BAD, httpcore.NetworkError),
    Rule(httpx.UnsupportedProtocol, BadResponse, _BAD, httpcore.UnsupportedProtocol),
    Rule(httpx.RemoteProtocolError, BadResponse, _BAD, httpcore.RemoteProtocolError),
    Rule(httpx.LocalProtocolError, BadResponse, _BAD, httpcore.LocalProtocolError),
    Rule(httpx.ProtocolError, BadResponse, _BAD, httpcore.ProtocolError),
    Rule(OSError, ConnectFailed, _BROKEN),
    Rule(httpx.HTTPError, BadResponse, _BAD),
)

#: The rows the transport applies: httpcore's class → httpx's.
_CORE: tuple[tuple[type[Exception], type[Exception]], ...] = tuple(
    (rule.core, rule.caught) for rule in RULES if rule.core is not None
)


def _caused_by(exc: BaseException, kind: type[BaseException], depth: int = 8) -> bool:
    """Whether ``exc`` or one of the exceptions it was raised from (or while handling) is a
    ``kind``: httpx's ConnectError wraps httpcore's, which wraps the socket's error."""
    seen: BaseException | None = exc
    for _ in range(depth):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def httpcore_mapped() -> Iterator[None]:
    """Raise httpx's exception for httpcore's, as ``httpx.AsyncHTTPTransport`` does."""
    try:
        yield
    except GuardRefused:
        raise
    except Exception as exc:
        for core, caught in _CORE:
            if isinstance(exc, core):
                raise caught(str(exc)) from exc
        raise


def fetch_error(
    exc: Exception,
    *,
    source_id: str,
    url: httpx.URL,
    connect_timeout: float,
    read_timeout: float,
    max_bytes: int,
) -> FetchError | None:
    """Our error for ``exc`` raised while fetching ``url``, or None when no row names it. A
    connection that failed because the host name did not resolve at connect time (the address
    guard, which resolves first, is off, or the name stopped resolving in between) is a
    :class:`HostUnresolved`, as the guard's own failure to resolve is."""
    if isinstance(exc, httpx.ConnectError) and _caused_by(exc, socket.gaierror):
        host = url.host or str(url)
        return failure(
            HostUnresolved,
            source_id,
            url,
            f"could not fetch {url}: cannot resolve host {host!r}: {exc}",
        )
    for rule in RULES:
        if isinstance(exc, rule.caught):
            message = rule.message.format(
                url=url,
                exc=exc,
                kind=type(exc).__name__,
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                max_bytes=max_bytes,
            )
            return failure(rule.raised, source_id, url, message)
    return None
