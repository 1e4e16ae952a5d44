"""A fake Slack for tests: a real HTTP server on 127.0.0.1 answering like Slack's Web API.

    fake = FakeSlack().start()
    client = WebClient(token=fake.token, base_url=fake.base_url)   # or SLACK_API_URL=fake.base_url
    ...
    fake.calls("chat.postMessage")      # every request is recorded (method, params, headers)
    fake.fail("chat.postMessage", status=429, retry_after=1)      # scripted failures, in order
    fake.fail("*", status=503, times=5)                            # Slack is down for a while
    fake.fail("chat.postMessage", hang=3)                          # answer after the client gave up
    fake.delay("chat.update", 2)                                   # slow but successful
    fake.fail("upload", status=500)                      # the file upload URL answers 500

It checks the bearer token and enforces Slack's documented limits (≤ 50 blocks per message, section
text ≤ 3,000 characters, button value ≤ 2,000, action_id ≤ 255, modal ≤ 100 blocks) by answering
``{"ok": false, "error": "invalid_blocks"}``, like Slack. Also here: the Slack side of
interactivity: signed ``block_actions``, ``view_submission`` and slash-command requests.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
_JSON_PARAMS = ("blocks", "metadata", "view", "files", "attachments")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int = 500
    retry_after: int | None = None
    hang: float | None = None
    after: bool = False  # do the work first, then fail (the answer is lost, the effect is not)
    error: str | None = None  # answer 200 {"ok": false, "error": error} instead


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def blocks_problem(blocks: list[Any], max_blocks: int = MAX_BLOCKS) -> str | None:
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > max_blocks:
        return "invalid_blocks"
    for block in blocks:
        text = (block.get("text") or {}).get("text") or ""
        if block.get("type") == "section" and len(text) > MAX_SECTION_TEXT:
            return "invalid_blocks"
        for node in _walk(block):
            if len(str(node.get("action_id") or "")) > MAX_ACTION_ID:
                return "invalid_blocks"
            if (
                node.get("type") == "button"
                and len(str(node.get("value") or "")) > MAX_BUTTON_VALUE
            ):
                return "invalid_blocks"
    return None


class FakeSlack:
    def __init__(self, token: str = "xoxb-fake-token") -> None:
        self.token = token
        self.lock = threading.RLock()
        self.requests: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.responses: list[dict[str, Any]] = []  # what apps sent to response_url
        self.users: dict[str, dict[str, Any]] = {}
        self.failures: dict[str, list[Failure]] = {}
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._handle(self)

            def do_POST(self) -> None:
                outer._handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- control ------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + "/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.root}/response/{name}"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        hang: float | None = None,
        after: bool = False,
        error: str | None = None,
    ) -> None:
        """Script the next ``times`` calls of ``method`` ("*" for any method) to fail."""
        with self.lock:
            self.failures.setdefault(method, []).extend(
                Failure(status, retry_after, hang, after, error) for _ in range(times)
            )

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` normally, but only after ``seconds``."""
        with self.lock:
            self.failures.setdefault(method, []).extend(
                Failure(200, None, seconds, True) for _ in range(times)
            )

    def heal(self) -> None:
        with self.lock:
            self.failures.clear()

    def calls(self, method: str) -> list[Call]:
        with self.lock:
            return [c for c in self.requests if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until ``method`` was called ``count`` times (interactions answer after the ack)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.calls(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.calls(method))} times, wanted {count}")

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.messages.get(channel, []))

    def add_message(self, channel: str, **message: Any) -> dict[str, Any]:
        """Put a message in a channel's history directly (e.g. posted before a crash)."""
        with self.lock:
            msg = {"type": "message", "ts": self._next_ts(), **message}  # ts= overrides
            self.messages.setdefault(channel, []).append(msg)
            return msg

    # --- serving ------------------------------------------------------------------------------

    def _next_ts(self) -> str:
        # Like Slack: the posting time, unique within the channel.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json; charset=utf-8")
            for k, v in (headers or {}).items():
                req.send_header(k, v)
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def _params(self, req: BaseHTTPRequestHandler, raw: bytes) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(urlsplit(req.path).query))
        ctype = req.headers.get("Content-Type") or ""
        if raw and "json" in ctype:
            params.update(json.loads(raw))
        elif raw and "x-www-form-urlencoded" in ctype:
            params.update(dict(parse_qsl(raw.decode("utf-8"))))
        for key in _JSON_PARAMS:
            if isinstance(params.get(key), str):
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(params[key])
        return params

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = urlsplit(req.path).path
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        headers = dict(req.headers.items())
        if path.startswith("/upload/"):
            with self.lock:
                self.requests.append(Call("upload", {"file_id": path[8:]}, headers))
                queue = self.failures.get("upload")
                failure = queue.pop(0) if queue else None
                if failure is None:
                    self.uploads[path[8:]] = raw
            if failure is not None:  # fail("upload", status=500): the file store is down
                self._send(req, failure.status, b"upload failed")
                return
            self._send(req, 200, f"OK - {len(raw)}".encode())
            return
        if path.startswith("/response/"):
            with self.lock:
                body = json.loads(raw or b"{}")
                self.requests.append(Call("response_url", body, headers))
                self.responses.append(body)
            self._send(req, 200, b"ok")
            return
        if not path.startswith("/api/"):
            self._send(req, 404, {"ok": False, "error": "unknown_method"})
            return
        method = path[len("/api/") :]
        params = self._params(req, raw)
        with self.lock:
            self.requests.append(Call(method, params, headers))
            queue = self.failures.get(method) or self.failures.get("*")
            failure = queue.pop(0) if queue else None
        if failure is not None and not failure.after:
            self._fail(req, failure)
            return
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if not auth.startswith("Bearer "):
            answer: dict[str, Any] = {"ok": False, "error": "not_authed"}
        elif auth != f"Bearer {self.token}":
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            handler = getattr(self, "api_" + method.replace(".", "_"), None)
            if handler is None:
                answer = {"ok": False, "error": "unknown_method"}
            else:
                with self.lock:
                    answer = handler(params)
        if failure is not None and failure.status == 200:
            time.sleep(failure.hang or 0)  # slow, but it answers
        elif failure is not None:
            self._fail(req, failure)
            return
        self._send(req, 200, answer)

    def _fail(self, req: BaseHTTPRequestHandler, failure: Failure) -> None:
        if failure.hang:
            time.sleep(failure.hang)
        if failure.error:
            self._send(req, 200, {"ok": False, "error": failure.error})
            return
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        error = "ratelimited" if failure.status == 429 else "fatal_error"
        self._send(req, failure.status, {"ok": False, "error": error}, headers)

    # --- Web API methods (each returns the JSON answer; called under the lock) ---------------

    def api_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "pulse",
            "team_id": "T0FAKE",
            "user_id": "U0BOT",
            "bot_id": "B0BOT",
        }

    def api_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        if "blocks" in p and (problem := blocks_problem(p["blocks"])):
            return {"ok": False, "error": problem}
        msg = {
            "type": "message",
            "ts": self._next_ts(),
            "user": "U0BOT",
            "bot_id": "B0BOT",
            "text": p.get("text", ""),
            "blocks": p.get("blocks", []),
        }
        if p.get("metadata"):
            msg["metadata"] = p["metadata"]
        if p.get("thread_ts"):
            msg["thread_ts"] = p["thread_ts"]
        self.messages.setdefault(channel, []).append(msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def api_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        if "blocks" in p and (problem := blocks_problem(p["blocks"])):
            return {"ok": False, "error": problem}
        for msg in self.messages.get(p.get("channel", ""), []):
            if msg["ts"] == p.get("ts"):
                for key in ("text", "blocks", "metadata"):
                    if key in p:
                        msg[key] = p[key]
                return {"ok": True, "channel": p["channel"], "ts": msg["ts"], "text": msg["text"]}
        return {"ok": False, "error": "message_not_found"}

    def api_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("channel") or not p.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        self.ephemerals.append(p)
        return {"ok": True, "message_ts": self._next_ts()}

    def api_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("channel") not in self.messages and not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        msgs = sorted(self.messages.get(p["channel"], []), key=lambda m: m["ts"], reverse=True)
        oldest = float(p.get("oldest") or 0)
        msgs = [m for m in msgs if float(m["ts"]) > oldest]
        limit = int(p.get("limit") or 100)
        start = int(p.get("cursor") or 0)
        page = msgs[start : start + limit]
        include = str(p.get("include_all_metadata")).lower() in ("1", "true")
        out = [m if include else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(msgs)
        return {
            "ok": True,
            "messages": out,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = p.get("view") or {}
        if problem := blocks_problem(view.get("blocks") or [], MAX_MODAL_BLOCKS):
            return {"ok": False, "error": problem}
        view = {**view, "id": f"V{next(self._ids):06d}"}
        self.views.append(view)
        return {"ok": True, "view": view}

    def api_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(p.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def api_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not p.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):06d}"
        return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files") or []
        missing = [f["id"] for f in files if f["id"] not in self.uploads]
        if missing:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}


# --- the Slack side of interactivity ----------------------------------------------------------


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with a request: X-Slack-Request-Timestamp and X-Slack-Signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def form(payload: Mapping[str, Any]) -> str:
    """An interactivity request body: ``payload=<json>``, form-encoded."""
    return urlencode({"payload": json.dumps(payload)})


def block_actions(
    *,
    action_id: str,
    value: str | None = None,
    selected: str | None = None,
    user: str = "U1",
    name: str = "alice",
    channel: str = "C1",
    ts: str = "1700000000.000001",
    state: dict[str, Any] | None = None,
    action_ts: str | None = None,
    thread_ts: str | None = None,
    block_id: str = "pulse_triage",
) -> dict[str, Any]:
    """A click on a message; ``thread_ts``: the message is a reply in that thread."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button" if selected is None else "static_select",
        "action_ts": action_ts or f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    if selected is not None:
        action["selected_option"] = {"value": selected, "text": {"type": "plain_text", "text": "x"}}
    container: dict[str, Any] = {"type": "message", "message_ts": ts, "channel_id": channel}
    message: dict[str, Any] = {"type": "message", "ts": ts, "text": ""}
    if thread_ts:
        container["thread_ts"] = message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": name, "name": name, "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{time.time_ns()}",
        "container": container,
        "channel": {"id": channel, "name": "pulse"},
        "message": message,
        "state": {"values": state or {}},
        "response_url": "",
        "actions": [action],
    }


def message_shortcut(
    *,
    callback_id: str,
    message: dict[str, Any],
    response_url: str,
    user: str = "U1",
    name: str = "alice",
    channel: str = "C1",
) -> dict[str, Any]:
    """A message shortcut (``message_action``) used on ``message`` in ``channel``."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": name, "name": name, "team_id": "T0FAKE"},
        "channel": {"id": channel, "name": "pulse"},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{time.time_ns()}",
        "action_ts": f"{time.time():.6f}",
        "message_ts": message.get("ts", "1700000000.000001"),
        "message": {"type": "message", "ts": "1700000000.000001", **message},
        "response_url": response_url,
    }


def view_submission(
    *, view: dict[str, Any], values: dict[str, Any], user: str = "U1", name: str = "alice"
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "user": {"id": user, "username": name, "name": name, "team_id": "T0FAKE"},
        "api_app_id": "A0FAKE",
        "token": "legacy-verification-token",
        "trigger_id": f"trigger-{time.time_ns()}",
        "view": {**view, "state": {"values": values}, "hash": "h"},
    }


def slash_command(
    text: str,
    *,
    response_url: str,
    user: str = "U1",
    name: str = "alice",
    channel: str = "C1",
    channel_name: str = "pulse",  # "directmessage" in a direct message
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0FAKE",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": name,
            "command": "/pulse",
            "text": text,
            "api_app_id": "A0FAKE",
            "response_url": response_url,
            "trigger_id": f"trigger-{time.time_ns()}",
        }
    )
