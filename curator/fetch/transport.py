"""An httpx transport whose connections go only to addresses the SSRF guard has just checked,
with one connection pool per origin.

The client checks each hop's host before sending; this closes the gap between that check and the
connection (DNS rebinding: a name that resolves to a public address for the check and to
169.254.169.254 for the connect). The network backend resolves the host itself, refuses the
connection if any address is not allowed, and connects to the checked IP; TLS still verifies the
certificate against the host name, and the pool is still keyed by host name.

httpx 0.28 has no public way to pass an httpcore network backend to ``AsyncHTTPTransport``
(https://github.com/encode/httpx/issues/3749), so this wraps ``httpcore.AsyncConnectionPool``
directly, as httpx does, turning httpcore's exceptions into httpx's by the table in
``curator.fetch.exceptions``.

One pool per origin (scheme, host, port), not one for every host: httpcore's pool looks at each
of its connections, and asks the socket whether it is still readable, every time a request
starts or ends, so with one shared pool the cost of a request grows with the number of hosts
being fetched at once (on a poll of 20 hosts, about 40 connections were checked per request).
The fetcher allows at most ``per_host_limit`` requests to one host at a time, so a per-origin pool
holds a connection or two. The TLS context (certifi's bundle, about 20 ms to load) is made once
per process and shared by every pool.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import typing
from collections.abc import AsyncIterator, Iterable

import httpcore
import httpx

from curator.fetch import ssrf
from curator.fetch.exceptions import GuardRefused, httpcore_mapped

__all__ = ["GuardRefused", "GuardedTransport", "default_ssl_context"]


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """certifi's bundle, loaded once per process (about 20 ms each time otherwise) and shared by
    every pool of every poll; verification as httpx does it by default."""
    return httpx.create_ssl_context()


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
        with httpcore_mapped():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class GuardedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport with the connect-time SSRF guard (none when the policy allows every
    address) and a connection pool per origin, each with ``limits`` as for
    ``httpx.AsyncHTTPTransport``; TLS verified against certifi's bundle unless ``ssl_context``."""

    def __init__(
        self,
        policy: ssrf.AddressPolicy,
        limits: httpx.Limits,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._limits = limits
        self._ssl_context = ssl_context
        self._backend: httpcore.AsyncNetworkBackend = (
            httpcore.AnyIOBackend() if policy.allow_all else _GuardedBackend(policy)
        )
        self._pools: dict[tuple[bytes, bytes, int | None], httpcore.AsyncConnectionPool] = {}

    def _pool(self, url: httpx.URL) -> httpcore.AsyncConnectionPool:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            limits = self._limits
            pool = self._pools[key] = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl_context or default_ssl_context(),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=self._backend,
            )
        return pool

    @property
    def origins(self) -> int:
        """How many origins have a pool (for tests and diagnostics)."""
        return len(self._pools)

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
        with httpcore_mapped():
            response = await self._pool(request.url).handle_async_request(core_request)
        assert isinstance(response.stream, typing.AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Stream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()
