"""HTTP mode: Bolt's handlers behind a small threaded HTTP server at ``/slack/events``.

Bolt's ``RequestVerification`` middleware checks ``X-Slack-Signature`` against
``SLACK_SIGNING_SECRET`` and refuses timestamps older than five minutes with 401 before any
listener runs, so a forged or replayed request records nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

PATH = "/slack/events"
MAX_BODY = 1_000_000  # Slack's payloads are far smaller
log = logging.getLogger(__name__)


class SlackHTTPServer:
    """``SlackHTTPServer(app, port=0).start()`` serves in a thread; ``serve_forever()`` blocks."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
        bolt = app

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s " + format, self.address_string(), *args)

            def _send(self, status: int, body: bytes, headers: dict[str, Any]) -> None:
                self.send_response(status)
                for name, values in headers.items():
                    if name.lower() == "content-length":
                        continue
                    for value in values if isinstance(values, list | tuple) else [values]:
                        self.send_header(name, str(value))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.partition("?")[0] == "/healthz":
                    self._send(200, b"ok\n", {"Content-Type": "text/plain"})
                    return
                self._send(404, b"not found\n", {"Content-Type": "text/plain"})

            def do_POST(self) -> None:
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                if path != PATH:
                    self.rfile.read(min(length, MAX_BODY))
                    self._send(404, b"not found\n", {"Content-Type": "text/plain"})
                    return
                if length > MAX_BODY:
                    self._send(413, b"too large\n", {"Content-Type": "text/plain"})
                    return
                body = self.rfile.read(length).decode("utf-8")
                headers: dict[str, str | Sequence[str]] = {
                    k.lower(): [v] for k, v in self.headers.items()
                }
                resp: BoltResponse = bolt.dispatch(
                    BoltRequest(body=body, query=query, headers=headers)
                )
                self._send(resp.status, resp.body.encode("utf-8"), dict(resp.headers))

        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"http://{host!s}:{self.port}{PATH}"

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
