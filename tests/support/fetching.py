"""Helpers for the fetch tests: misbehaving handlers for LocalServer and a one-call fetch."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from curator.fetch import Fetcher, FetchSettings
from curator.records import FetchResult, SourceConfig, SourceKind

#: Loopback is let through (the test server lives there) but the guard stays on for the rest.
LOOPBACK_ONLY = FetchSettings(allowed_networks=("127.0.0.0/8",))

Handler = Callable[[BaseHTTPRequestHandler], None]


def source(url: str, *, kind: SourceKind = "feed", id: str = "dhsc") -> SourceConfig:
    return SourceConfig(id=id, publisher="Department of Health and Social Care", kind=kind, url=url)


def fetch_one(
    settings: FetchSettings,
    src: SourceConfig,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(src, etag=etag, last_modified=last_modified)

    return asyncio.run(run())


def drip(total: int = 100, interval: float = 1.0) -> Handler:
    """Send headers promising ``total`` bytes, then one byte every ``interval`` seconds."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Length", str(total))
        req.end_headers()
        try:
            for _ in range(total):
                req.wfile.write(b"x")
                req.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass  # the client gave up, as it should

    return handler


def endless(chunk: bytes = b"y" * 65536, limit: int = 64 * 1024 * 1024) -> Handler:
    """A body without Content-Length (closed connection ends it) that goes on and on."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Connection", "close")
        req.end_headers()
        req.close_connection = True
        sent = 0
        try:
            while sent < limit:
                req.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass

    return handler


class ConcurrencyProbe:
    """A handler that holds each request ``hold`` seconds and records the peak in flight."""

    def __init__(self, hold: float = 0.2, body: bytes = b"<feed/>") -> None:
        self.hold = hold
        self.body = body
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, req: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(self.hold)
        finally:
            with self.lock:
                self.in_flight -= 1
        req.send_response(200)
        req.send_header("Content-Length", str(len(self.body)))
        req.end_headers()
        req.wfile.write(self.body)
