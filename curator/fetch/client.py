"""The polite HTTP client: caps, timeouts, body cap, manual redirects with the
SSRF guard on every hop, conditional GET, robots.txt for pages.

One :class:`Fetcher` owns one ``httpx.AsyncClient`` (a connection pool sized to the global cap); a
global ``asyncio.Semaphore`` and one per ``host:port`` bound concurrency. ``fetch_many`` is the
synchronous entry point for commands and the scheduler.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType

import httpx

from curator import errors
from curator.fetch import challenge, decode, robots, ssrf
from curator.fetch.exceptions import failure, fetch_error
from curator.fetch.headers import parse_max_age, parse_retry_after
from curator.fetch.settings import FetchRequest, FetchSettings
from curator.fetch.transport import GuardedTransport
from curator.records import FetchResult, SourceConfig

__all__ = ["FetchRequest", "FetchSettings", "Fetcher", "fetch_many"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: "Moved permanently": the source's URL in sources.yaml is worth updating.
PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass
class _Response:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    content: bytes
    started: float = 0.0  # perf_counter when the first hop got its slots (queueing excluded)
    moved_to: httpx.URL | None = None  # where permanent redirects from the first URL lead, if
    # elsewhere


def _seconds(value: float) -> str:
    return f"{value:g}"


def _wait(seconds: float) -> str:
    """A server's ``Retry-After`` as said to an admin: the seconds it sent, and, when long, in
    the unit they make sense in (``7200 s, 2 hours``)."""
    text = f"retry after {seconds:g} s"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = round(seconds / size)
            return f"{text}, {'about ' if count * size != seconds else ''}{count} {unit}s"
    return text


class Fetcher:
    """Async context manager owning one ``httpx.AsyncClient``; see the module docstring."""

    def __init__(
        self, settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._policy = ssrf.AddressPolicy.build(
            settings.allow_private_networks, settings.allowed_networks
        )
        self._client: httpx.AsyncClient | None = None
        self._global: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, asyncio.Task[robots.RobotsRules]] = {}

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._global = asyncio.Semaphore(s.global_limit)
        limits = httpx.Limits(
            max_connections=s.global_limit, max_keepalive_connections=s.global_limit
        )
        transport = self._transport
        if transport is None:
            # checks again at connect time, against the address actually dialled (DNS
            # rebinding), unless every address is allowed; one connection pool per origin
            transport = GuardedTransport(self._policy, limits)
        self._client = httpx.AsyncClient(
            transport=transport,
            limits=limits,
            timeout=httpx.Timeout(
                connect=s.connect_timeout,
                read=s.read_timeout,
                write=s.read_timeout,
                pool=s.total_timeout,
            ),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the SSRF guard must see the target
            headers={"User-Agent": s.user_agent, "Accept-Encoding": decode.ACCEPT_ENCODING},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._robots.values():
            task.cancel()
        if self._robots:
            await asyncio.gather(*self._robots.values(), return_exceptions=True)
        self._robots.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- public -------------------------------------------------------------------------------

    async def fetch(
        self,
        source: SourceConfig,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET a source, conditionally when validators are given (sent verbatim). 304 is a result
        with ``not_modified=True`` and empty content, whose ``etag``/``last_modified`` fall back
        to the ones sent when the 304 carries none (so they can always be stored). Every failure
        raises a :class:`FetchError` subclass naming the source and URL."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        check_robots = source.kind == "page" and self.settings.respect_robots
        return await self._fetch(source.id, source.url, headers, check_robots, etag, last_modified)

    async def fetch_url(
        self,
        url: str,
        *,
        source_id: str = "-",
        max_bytes: int | None = None,
        robots: bool = False,
    ) -> FetchResult:
        """GET any URL without validators (``sources add``, health checks, a publication's
        report, an item's page); its site's robots.txt is obeyed only with ``robots`` (and
        ``respect_robots`` set). ``max_bytes`` replaces the body cap for this call only."""
        check_robots = robots and self.settings.respect_robots
        return await self._fetch(source_id, url, {}, check_robots, None, None, max_bytes)

    # -- internals ----------------------------------------------------------------------------

    async def _fetch(
        self,
        source_id: str,
        url: str,
        headers: dict[str, str],
        check_robots: bool,
        etag: str | None,
        last_modified: str | None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        if self._global is None:
            raise RuntimeError("use Fetcher as `async with Fetcher(settings) as fetcher:`")
        cap = self.settings.max_bytes if max_bytes is None else max_bytes
        resp = await self._get(source_id, url, headers, check_robots, cap)
        elapsed = time.perf_counter() - resp.started
        h = resp.headers
        retry_after = parse_retry_after(h.get("retry-after"))
        final = str(resp.url)
        refused = challenge.refusal(resp.status, h, resp.content)
        if refused is not None:
            # Never retried with a browser's User-Agent or headers: the scheduler slows down
            # and `curator sources status` lists the site for an admin to check by hand.
            raise errors.BlockedBySite(
                f"{source_id}: HTTP {resp.status} from {final}: {refused}; the site refuses "
                "automated clients (check it by hand)",
                status=resp.status,
                reason=refused,
                source_id=source_id,
                url=final,
                retry_after=retry_after,
            )
        if resp.status == 304 or 200 <= resp.status < 300:
            not_modified = resp.status == 304
            return FetchResult(
                source_id=source_id,
                url=final,
                status=resp.status,
                headers=dict(h.items()),
                content=b"" if not_modified else resp.content,
                elapsed=elapsed,
                not_modified=not_modified,
                etag=h.get("etag") or (etag if not_modified else None),
                last_modified=h.get("last-modified") or (last_modified if not_modified else None),
                retry_after=retry_after,
                max_age=parse_max_age(h.get("cache-control")),
                moved_to=None if resp.moved_to is None else str(resp.moved_to),
            )
        wait = f" ({_wait(retry_after)})" if retry_after is not None else ""
        if resp.status in REDIRECT_STATUSES:
            wait = " (a redirect without a Location header)"
        raise errors.HTTPStatusError(
            f"{source_id}: HTTP {resp.status} from {final}{wait}",
            status=resp.status,
            source_id=source_id,
            url=final,
            retry_after=retry_after,
        )

    def _host_slot(self, url: httpx.URL) -> asyncio.Semaphore:
        port = url.port or (443 if url.scheme == "https" else 80)
        key = f"{url.host}:{port}"
        sem = self._hosts.get(key)
        if sem is None:
            sem = self._hosts[key] = asyncio.Semaphore(self.settings.per_host_limit)
        return sem

    async def _get(
        self,
        source_id: str,
        url: str,
        headers: dict[str, str],
        check_robots: bool,
        max_bytes: int,
    ) -> _Response:
        """Follow up to ``max_redirects`` redirects by hand, guarding every hop. The total timeout
        starts once the first hop has a per-host slot and covers every later hop and body read."""
        s = self.settings
        assert self._global is not None
        global_slot = self._global
        try:
            current = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise failure(
                errors.BlockedAddress,
                source_id,
                url,
                f"refused to fetch {url!r}: not a valid URL ({exc})",
            ) from exc
        origin = current
        moved: httpx.URL | None = None  # the end of the permanent redirects from the origin
        permanent = True
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(None) as deadline:
                for hop in range(s.max_redirects + 1):
                    await self._guard(source_id, current, origin)
                    if check_robots:
                        await self._check_robots(source_id, current)
                    # host slot first, then a global one: a task waiting for a busy host must
                    # not sit on a global slot other hosts could use (head-of-line blocking)
                    async with self._host_slot(current), global_slot:
                        if deadline.when() is None:
                            deadline.reschedule(loop.time() + s.total_timeout)
                            started = time.perf_counter()
                        resp, location = await self._one_request(
                            source_id, current, headers, max_bytes
                        )
                    if location is None:
                        # back where it began (a sign-in round trip): it has not moved
                        resp.started, resp.moved_to = started, None if moved == origin else moved
                        return resp
                    if hop == s.max_redirects:
                        break
                    permanent = permanent and resp.status in PERMANENT_REDIRECTS
                    moved = location if permanent else moved
                    current = location
        except TimeoutError as exc:
            raise failure(
                errors.FetchTimeout,
                source_id,
                current,
                f"no complete response from {current} within "
                f"{_seconds(s.total_timeout)} s (total timeout)",
            ) from exc
        raise failure(
            errors.TooManyRedirects,
            source_id,
            origin,
            f"more than {s.max_redirects} redirects starting at {origin} "
            f"(last hop to {location}); a redirect loop?",
        )

    async def _guard(self, source_id: str, url: httpx.URL, origin: httpx.URL) -> None:
        via = "" if url == origin else f" (redirected from {origin})"
        try:
            async with asyncio.timeout(self.settings.connect_timeout):
                await ssrf.check_url(url, self._policy)
        except ssrf.Refused as exc:
            hint = (
                " (set CURATOR_ALLOW_PRIVATE_NETWORKS=true only for tests)"
                if url.scheme in ssrf.ALLOWED_SCHEMES
                else ""
            )
            raise failure(
                errors.BlockedAddress,
                source_id,
                url,
                f"refused to fetch {url}{via}: {exc}{hint}",
            ) from None
        except ssrf.Unresolvable as exc:
            raise failure(
                errors.HostUnresolved,
                source_id,
                url,
                f"could not fetch {url}{via}: {exc}",
            ) from None
        except TimeoutError:
            raise failure(
                errors.HostUnresolved,
                source_id,
                url,
                f"resolving the host of {url} took more than "
                f"{_seconds(self.settings.connect_timeout)} s",
            ) from None

    async def _check_robots(self, source_id: str, url: httpx.URL) -> None:
        key = robots.robots_key(url)
        task = self._robots.get(key)
        if task is None:
            task = self._robots[key] = asyncio.create_task(self._load_robots(url))
        # shield: one caller's timeout must not cancel the fetch other callers share
        rules = await asyncio.shield(task)
        if rules.allows(str(url), self.settings.user_agent):
            return
        why = (
            f"{rules.blocked_reason}, so nothing on the host is fetched (RFC 9309)"
            if rules.blocked_reason
            else f"{rules.robots_url} disallows it for our user agent"
        )
        raise failure(errors.RobotsDisallowed, source_id, url, f"not fetching {url}: {why}")

    async def _load_robots(self, url: httpx.URL) -> robots.RobotsRules:
        target = robots.robots_url(url)
        try:
            resp = await self._get("robots.txt", target, {}, False, robots.ROBOTS_MAX_BYTES)
        except errors.FetchError as exc:
            return robots.rules_unreachable(target, type(exc).__name__)
        return robots.rules_from_response(target, resp.status, resp.content)

    async def _one_request(
        self, source_id: str, url: httpx.URL, headers: dict[str, str], max_bytes: int
    ) -> tuple[_Response, httpx.URL | None]:
        """One GET. Returns the response and, for a redirect, where it points."""
        assert self._client is not None
        try:
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                status = response.status_code
                if not 200 <= status < 300:
                    await _drain(response)
                location = response.headers.get("location")
                if status in REDIRECT_STATUSES and location:
                    try:
                        target = url.join(location.strip()).copy_with(fragment=None)
                    except httpx.InvalidURL as exc:
                        raise failure(
                            errors.BadResponse,
                            source_id,
                            url,
                            f"{url} redirects to an invalid URL {location!r}",
                        ) from exc
                    return _Response(url, status, response.headers, b""), target
                content = b""
                if 200 <= status < 300:  # raw bytes decoded with a cap: httpx's decoders have none
                    content = await decode.read_capped(
                        response.aiter_raw(),
                        response.headers.get("content-encoding", ""),
                        max_bytes,
                        declared_length=response.headers.get("content-length"),
                    )
                return _Response(url, status, response.headers, content), None
            finally:
                await response.aclose()
        except Exception as exc:
            ours = fetch_error(
                exc,
                source_id=source_id,
                url=url,
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                max_bytes=max_bytes,
            )
            if ours is None:
                raise
            raise ours from None


#: A non-2xx body (304, redirect, error page) up to this size is read and dropped so that the
#: connection can be reused; httpcore closes a connection whose response was not read to the end.
DRAIN_LIMIT = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > DRAIN_LIMIT:
            return


def fetch_many(
    requests: Sequence[FetchRequest],
    settings: FetchSettings,
    *,
    on_result: Callable[[FetchRequest, FetchResult | errors.FetchError], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    stop: threading.Event | None = None,
) -> list[FetchResult | errors.FetchError]:
    """Fetch every request concurrently under the caps; results (or errors) in input order.
    ``on_result`` is called, in this thread, as each one finishes (progress bars). When ``stop``
    is set (``curator run`` was told to stop) the fetches still in flight are abandoned within
    a fifth of a second: only the finished ones are returned (and given to ``on_result``)."""
    results: list[FetchResult | errors.FetchError | None] = [None] * len(requests)

    async def run() -> None:
        async with Fetcher(settings, transport=transport) as fetcher:

            async def one(i: int, req: FetchRequest) -> None:
                outcome: FetchResult | errors.FetchError
                try:
                    outcome = await fetcher.fetch(
                        req.source, etag=req.etag, last_modified=req.last_modified
                    )
                except errors.FetchError as exc:
                    outcome = exc
                results[i] = outcome
                if on_result is not None:
                    on_result(req, outcome)

            every = asyncio.ensure_future(
                asyncio.gather(*(one(i, r) for i, r in enumerate(requests)))
            )
            while stop is not None and not (every.done() or stop.is_set()):
                await asyncio.wait([every], timeout=0.2)
            if not every.done() and stop is not None:  # stopped: the rest is abandoned
                every.cancel()
                await asyncio.gather(every, return_exceptions=True)
                return
            await every

    if requests:
        asyncio.run(run())
    return [r for r in results if r is not None]
