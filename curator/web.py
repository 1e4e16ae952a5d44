"""The HTTP side of Pulse Curator: one small ASGI app served by uvicorn.

``curator run`` serves ``/healthz`` and ``/metrics``; ``curator slack serve`` serves
``/slack/events`` (through Bolt's Starlette adapter) and ``/healthz``. They replace two servers
written on ``http.server``, which a security review found reading bodies before checking them and
holding a thread per stalled client. Here:

- a request body is refused before it is read when its length is missing (411), not a number
  (400) or over the limit (413), and a chunked body is cut off as soon as it passes the limit:
  nothing larger than the limit is ever held;
- a client has ``CURATOR_HTTP_REQUEST_TIMEOUT`` seconds to send each whole request, headers and
  body; uvicorn itself only times out idle keep-alive connections, so a client trickling a byte
  now and then would hold its connection for ever (see :class:`_DeadlineProtocol`);
- request headers are capped at 16 KiB (431; h11 refuses larger ones still arriving), idle
  keep-alive connections close after a few seconds, and at most :data:`LIMIT_CONCURRENCY`
  connections are served at once (uvicorn answers 503 beyond that);
- connections live on one event loop (no thread per client); blocking work, Bolt's dispatch and
  the database queries behind ``/metrics``, runs in Starlette's bounded thread pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import h11
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn import Config, Server
from uvicorn.protocols.http.h11_impl import H11Protocol

from curator.errors import CuratorError

if TYPE_CHECKING:
    from curator.slack.events import BoltApp

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
#: Largest request body accepted, in bytes: Slack's payloads are far smaller.
MAX_BODY = 1_000_000
#: Largest request line plus headers, in bytes (h11's default, stated here on purpose).
MAX_HEADERS = 16 * 1024
#: Connections (and requests in progress) served at once; uvicorn answers 503 beyond it.
LIMIT_CONCURRENCY = 100
#: Seconds an idle keep-alive connection stays open.
KEEP_ALIVE = 5
#: Seconds a stop waits for requests in progress before cutting them off.
GRACE = 2
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


# --- limits ----------------------------------------------------------------------------------


class BodyLimit:
    """ASGI middleware: check a request's declared length before reading a byte of its body,
    read the body (at most ``max_body`` bytes), then hand the app the body already read."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > MAX_HEADERS:
            # h11 enforces its limit only on headers still incomplete after a read, so a block
            # that arrived whole in one read (up to 256 KiB) is checked here.
            await _refuse(send, 431, f"request headers over {MAX_HEADERS} bytes")
            return
        declared: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
        if declared is not None and not declared.strip().isdigit():
            await _refuse(send, 400, "Content-Length must be a whole number of bytes")
            return
        if declared is not None and int(declared) > self.max_body:
            await _refuse(send, 413, f"request body over {self.max_body} bytes")
            return
        if declared is None and not chunked and scope["method"] in _METHODS_WITH_BODY:
            await _refuse(send, 411, "a request with a body needs a Content-Length")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left, or its time to send the request ran out
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _refuse(send, 413, f"request body over {self.max_body} bytes")
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for a disconnect, as ASGI says
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, text: str) -> None:
    """Answer ``status`` and close the connection, so the unread rest of the body is dropped."""
    data = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data, "more_body": False})


_REQUEST_IN = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)
_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 25\r\nconnection: close\r\n\r\nrequest not sent in time\n"
)


class _DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for receiving each whole request.

    uvicorn has no such deadline (only the keep-alive timeout, which any received byte cancels),
    so a client sending half a request and then a byte now and then would keep its connection,
    and its place under the concurrency limit, for ever. The deadline starts when the connection
    opens and again after each response, and is lifted once h11 has the whole request; when it
    passes, the client gets 408 and the connection is closed.
    """

    request_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state in _REQUEST_IN:
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # for the next request on this connection; lifted again once it is in
        super().on_response_complete()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or not cycle.response_started or cycle.response_complete:
            # Written directly: h11 cannot answer a request it has only half read.
            self.transport.write(_TIMEOUT_ANSWER)
        self.transport.close()


def _protocol(request_timeout: float) -> type[asyncio.Protocol]:
    class Protocol(_DeadlineProtocol):
        pass

    Protocol.request_timeout = request_timeout
    return Protocol


# --- the app ---------------------------------------------------------------------------------


def build_app(
    *,
    slack: BoltApp | None = None,
    health: Callable[[], tuple[int, dict[str, Any]]] | None = None,
    metrics: Callable[[], bytes] | None = None,
    max_body: int = MAX_BODY,
) -> ASGIApp:
    """The ASGI app: ``/slack/events`` when ``slack`` is given, ``/metrics`` when ``metrics`` is,
    and ``/healthz`` always (``health()`` gives its status and JSON body; without it, ``ok``)."""
    routes = [Route("/healthz", _healthz(health), methods=["GET"])]
    if metrics is not None:
        routes.append(Route("/metrics", _metrics(metrics), methods=["GET"]))
    if slack is not None:
        from curator.slack.events import events_endpoint

        routes.append(Route(SLACK_PATH, events_endpoint(slack), methods=["POST"]))
    paths = " or ".join(r.path for r in routes)

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"not found: try {paths}\n", status_code=404)

    app = Starlette(routes=routes, exception_handlers={404: not_found})
    return BodyLimit(app, max_body)


Endpoint = Callable[[Request], Any]


def _healthz(health: Callable[[], tuple[int, dict[str, Any]]] | None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if health is None:
            return PlainTextResponse("ok\n")
        status, body = await run_in_threadpool(health)
        return Response(json.dumps(body), status_code=status, media_type="application/json")

    return endpoint


def _metrics(metrics: Callable[[], bytes]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return Response(await run_in_threadpool(metrics), media_type=METRICS_TYPE)

    return endpoint


# --- the server ------------------------------------------------------------------------------


class _Server(Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The caller owns the signals: `curator run` stops on its own SIGTERM handler, and
        # WebServer.serve_forever installs its own; uvicorn must not replace (or re-raise) them.
        yield


class WebServer:
    """uvicorn serving ``app`` on ``host:port`` (0: any free port), in a thread with
    :meth:`start` / :meth:`stop`, or in the foreground with :meth:`serve_forever`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        request_timeout: float = 10.0,
    ) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            # Bound here, not by uvicorn, so that a busy port is an error we can word (uvicorn
            # would log it and exit the process) and port 0 tells us which port it got.
            self.socket = socket.create_server((host, port), family=family)
        except OSError as exc:
            raise CuratorError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.host = host
        self.port = int(self.socket.getsockname()[1])
        config = Config(
            app,
            loop="asyncio",
            http=_protocol(request_timeout),
            ws="none",
            lifespan="off",
            log_config=None,  # logging is set up by curator.logs, not by uvicorn
            log_level="warning",
            access_log=False,
            server_header=False,
            limit_concurrency=LIMIT_CONCURRENCY,
            timeout_keep_alive=KEEP_ALIVE,
            timeout_graceful_shutdown=GRACE,
            h11_max_incomplete_event_size=MAX_HEADERS,
        )
        self.server = _Server(config)
        self._thread: threading.Thread | None = None

    def url(self, path: str = "") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def start(self, timeout: float = 10.0) -> WebServer:
        """Serve in a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="http", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise CuratorError(f"the HTTP server on {self.url()} did not start")
            time.sleep(0.01)
        return self

    def serve_forever(self) -> None:
        """Serve in this (main) thread until SIGINT or SIGTERM; then finish what is in hand."""

        def stop(signum: int, frame: object) -> None:
            self.server.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.server.run(sockets=[self.socket])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.socket.close()

    def request_stop(self) -> None:
        """Stop accepting connections (and let requests in hand finish); returns at once."""
        self.server.should_exit = True

    def stop(self, timeout: float = GRACE + 1.0) -> None:
        """Stop and wait (at most ``timeout`` seconds) for the server thread to end."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout / 2)
            if self._thread.is_alive():
                self.server.force_exit = True
                self._thread.join(timeout / 2)
        self.socket.close()
