"""One table maps httpcore's exceptions to httpx's (the transport) and httpx's to ours (the
client): every row is consistent, and what a caller sees is a named FetchError."""

from __future__ import annotations

import socket

import httpcore
import httpx
import pytest

from curator.errors import BadResponse, ConnectFailed, FetchError, FetchTimeout, HostUnresolved
from curator.fetch import decode
from curator.fetch.exceptions import RULES, GuardRefused, fetch_error, httpcore_mapped

URL = httpx.URL("https://example.org/feed")

#: httpcore exceptions the transport never meets: no proxies are used, and a pool retries
#: ConnectionNotAvailable itself.
NOT_RAISED = {httpcore.ConnectionNotAvailable, httpcore.ProxyError}


def ours(exc: Exception) -> FetchError | None:
    return fetch_error(
        exc, source_id="dhsc", url=URL, connect_timeout=10, read_timeout=30.5, max_bytes=1024
    )


def core_exceptions() -> list[type[Exception]]:
    found = [getattr(httpcore, name) for name in httpcore.__all__]
    return [
        c for c in found if isinstance(c, type) and issubclass(c, Exception) and c not in NOT_RAISED
    ]


@pytest.mark.parametrize("core", core_exceptions(), ids=lambda c: c.__name__)
def test_every_httpcore_exception_reaches_the_caller_as_a_fetch_error(
    core: type[Exception],
) -> None:
    with pytest.raises(httpx.HTTPError) as raised, httpcore_mapped():
        raise core("boom")
    assert isinstance(raised.value.__cause__, core)
    assert isinstance(ours(raised.value), FetchError)


def test_each_httpcore_class_becomes_the_httpx_class_of_the_same_name() -> None:
    for rule in RULES:
        if rule.core is not None:
            assert rule.core.__name__ == rule.caught.__name__


def test_the_guard_refusal_is_not_rewritten_by_the_transport() -> None:
    with pytest.raises(GuardRefused), httpcore_mapped():
        raise GuardRefused("10.0.0.1 is a private address")


def test_messages_name_the_source_the_url_and_what_happened() -> None:
    assert str(ours(httpx.ConnectTimeout("x"))) == (
        "dhsc: could not connect to https://example.org/feed within 10 s"
    )
    assert str(ours(httpx.ReadTimeout("x"))) == (
        "dhsc: https://example.org/feed sent nothing for 30.5 s (read timeout)"
    )
    assert str(ours(httpx.PoolTimeout("x"))) == (
        "dhsc: timed out fetching https://example.org/feed (PoolTimeout)"
    )
    broken = ours(httpx.ReadError("reset by peer"))
    assert isinstance(broken, ConnectFailed)
    assert str(broken) == "dhsc: connection to https://example.org/feed failed: reset by peer"
    assert isinstance(ours(ConnectionResetError("reset")), ConnectFailed)
    bad = ours(httpx.RemoteProtocolError("illegal header"))
    assert isinstance(bad, BadResponse) and str(bad).endswith(
        "bad response from " + str(URL) + ": illegal header"
    )
    assert str(ours(decode.TooLarge())).startswith(
        "dhsc: the body from https://example.org/feed is larger than 1024 bytes"
    )
    timeout = ours(httpx.WriteTimeout("x"))
    assert isinstance(timeout, FetchTimeout) and (timeout.source_id, timeout.url) == (
        "dhsc",
        str(URL),
    )


def test_an_exception_no_row_names_is_not_ours_to_translate() -> None:
    assert ours(ValueError("a bug")) is None
    assert ours(BadResponse("dhsc: already ours")) is None


def test_a_connection_that_failed_to_resolve_its_host_is_host_unresolved() -> None:
    # as the transport raises it: httpx's ConnectError from httpcore's from the socket's
    with pytest.raises(httpx.ConnectError) as raised, httpcore_mapped():
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpcore.ConnectError(str(exc)) from exc
    got = ours(raised.value)
    assert isinstance(got, HostUnresolved)
    assert str(got) == (
        "dhsc: could not fetch https://example.org/feed: cannot resolve host 'example.org': "
        "[Errno -2] Name or service not known"
    )
    # a refused connection is still a plain connection failure
    refused = ours(httpx.ConnectError("[Errno 111] Connection refused"))
    assert type(refused) is ConnectFailed
