"""An httpx transport whose connections go only to addresses the SSRF guard has just checked.

The client checks each hop's host before sending; this closes the gap between that check and the
connection (DNS rebinding: a name that resolves to a public address for the check and to
169.254.169.254 for the connect). The network backend resolves the host itself, refuses the
connection if any address is not allowed, and connects to the checked IP; TLS still verifies the
certificate against the host name, and the pool is still keyed by host name.

httpx 0.28 has no public way to pass an httpcore network backend to ``AsyncHTTPTransport``
(encode/httpx#3749), so this wraps ``httpcore.AsyncConnectionPool`` directly, as httpx does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import typing
from collections.abc import AsyncIterator, Iterable, Iterator

import httpcore
import httpx

from curator.fetch import ssrf

#: httpcore's exceptions and the httpx ones callers see (most specific first).
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


class GuardRefused(httpx.TransportError):
    """The connect-time guard refused every address of a host (message says why)."""


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except GuardRefused:
        raise
    except Exception as exc:
        for source, target in _EXCEPTIONS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: ssrf.AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await ssrf.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took more than {timeout} s") from exc
        except ssrf.Unresolvable as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        for address in addresses:
            problem = ssrf.address_problem(address, allowed=self._policy.allowed)
            if problem is not None:
                raise GuardRefused(problem)
        last: Exception = httpcore.ConnectError(f"{host} has no addresses")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise GuardRefused("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpx.AsyncByteStream):
    def __init__(self, stream: typing.AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport with the connect-time SSRF guard; ``limits`` as for
    ``httpx.AsyncHTTPTransport``; TLS verified against certifi's bundle unless ``ssl_context``."""

    def __init__(
        self,
        policy: ssrf.AddressPolicy,
        limits: httpx.Limits,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped():
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
