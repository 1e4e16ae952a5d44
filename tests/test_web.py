"""The HTTP servers of `curator slack serve` and `curator run`, as real processes, against what a
security review did to the hand-written ones: a negative or missing Content-Length, bodies past
the limit, and hundreds of clients that send half a request and stall."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import REPO
from tests.support.fake_slack import FakeSlack, block_actions, form, sign
from tests.support.feeds import write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage
SECRET = "s3cret"
TIMEOUT = 3.0  # CURATOR_HTTP_REQUEST_TIMEOUT in these tests
STALLED = 300
MiB = 1024 * 1024


def _base_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(
        CURATOR_DATABASE_URL=db_url,
        CURATOR_MODEL_DIR=str(tmp_path / "no-model"),
        CURATOR_ALLOW_PRIVATE_NETWORKS="true",
        CURATOR_HTTP_REQUEST_TIMEOUT=str(TIMEOUT),
        PYTHONPATH=str(REPO),
    )
    return env


@pytest.fixture
def slack_serve(db_url: str, tmp_path: Path) -> Iterator[tuple[psutil.Process, int]]:
    with serving_slack(db_url, tmp_path) as served:
        yield served


@contextlib.contextmanager
def serving_slack(db_url: str, tmp_path: Path) -> Iterator[tuple[psutil.Process, int]]:
    """`curator slack serve --port 0`, no --host: the port it listens on, from its first line."""
    fake = FakeSlack().start()
    env = _base_env(db_url, tmp_path)
    env.update(SLACK_BOT_TOKEN=fake.token, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.base_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "curator", "slack", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"listening on http://([\d.]+):(\d+)/slack/events", line)
        assert m, line
        assert m.group(1) == "127.0.0.1"  # loopback unless --host says otherwise
        yield psutil.Process(proc.pid), int(m.group(2))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
        fake.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def curator_run(
    db_url: str, tmp_path: Path, server: LocalServer
) -> Iterator[tuple[psutil.Process, int, subprocess.Popen[bytes]]]:
    """`curator run` without Slack, its /healthz and /metrics on CURATOR_HTTP_HOST=127.0.0.2."""
    server.add("/feed.atom", b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title></feed>")
    sources = write_sources(
        tmp_path / "sources.yaml", [{"id": "a", "publisher": "A", "url": server.url("/feed.atom")}]
    )
    port = _free_port()
    env = _base_env(db_url, tmp_path)
    env.update(CURATOR_HTTP_HOST="127.0.0.2", CURATOR_HTTP_PORT=str(port), CURATOR_TICK_SECONDS="1")
    with (tmp_path / "run.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "curator", "run", "--sources", str(sources)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.2:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.2)
        yield psutil.Process(proc.pid), port, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _exchange(port: int, data: bytes, *, host: str = "127.0.0.1", wait: float = 5.0) -> bytes:
    """Send ``data`` without closing our side, and return what the server answers (b"" when it
    closed the connection under us)."""
    with socket.create_connection((host, port), timeout=wait) as sock:
        got = b""
        try:
            sock.sendall(data)
            while b"\r\n\r\n" not in got:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused and closed before we had sent it all (no answer in time: TimeoutError)
        return got


def _status(answer: bytes) -> int | None:
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    return int(m.group(1)) if m else None


def _post_head(length: bytes | None = None, *, chunked: bool = False) -> bytes:
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if length is not None:
        head += b"Content-Length: " + length + b"\r\n"
    if chunked:
        head += b"Transfer-Encoding: chunked\r\n"
    return head + b"\r\n"


def _send_then_read(port: int, head: bytes, chunk: bytes, times: int) -> tuple[bytes, int]:
    """Send ``head``, then ``chunk`` up to ``times`` times unless the server stops us; return its
    answer and how many chunks went out."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        try:
            for _ in range(times):
                sock.sendall(chunk)
                sent += 1
        except OSError:
            pass  # the server answered and closed the connection
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    return answer, sent


def test_negative_length_is_refused_without_reading_the_body(
    slack_serve: tuple[psutil.Process, int],
) -> None:
    proc, port = slack_serve
    rss = proc.memory_info().rss
    # The old server read on to the end of the stream: 68 → 481 MB in the security review.
    answer, sent = _send_then_read(port, _post_head(b"-1"), b"x" * MiB, 64)
    assert _status(answer) == 400, answer
    assert sent < 64
    assert proc.memory_info().rss - rss < 20 * MiB


def test_missing_length_with_a_body_is_refused(slack_serve: tuple[psutil.Process, int]) -> None:
    _, port = slack_serve
    answer = _exchange(port, _post_head() + b'{"payload": "x"}')
    assert _status(answer) == 411, answer


def test_oversize_headers_are_refused(slack_serve: tuple[psutil.Process, int]) -> None:
    _, port = slack_serve

    def head(size: int) -> bytes:
        return b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"p" * size + b"\r\n\r\n"

    assert _status(_exchange(port, head(32 * 1024))) == 431
    # Refused while still arriving: 400, or the connection closed under a sender still sending.
    assert _status(_exchange(port, head(4 * MiB))) in (400, None)
    assert _status(_exchange(port, head(8 * 1024))) == 200


def test_oversize_bodies_are_refused_before_they_are_read(
    slack_serve: tuple[psutil.Process, int],
) -> None:
    proc, port = slack_serve
    rss = proc.memory_info().rss
    # Declared too long: refused on the headers alone, without a byte of the body sent.
    assert _status(_exchange(port, _post_head(str(500 * MiB).encode()))) == 413
    # Chunked, with no length declared: cut off once it passes the limit.
    answer, sent = _send_then_read(
        port, _post_head(chunked=True), b"%x\r\n%s\r\n" % (MiB, b"x" * MiB), 64
    )
    assert _status(answer) == 413, answer
    assert sent < 64
    assert proc.memory_info().rss - rss < 20 * MiB


def _stall(port: int, host: str = "127.0.0.1", count: int = STALLED) -> list[socket.socket]:
    """STALLED clients that send half a request and then nothing: half of them stop inside the
    headers, the other half after the headers, a few bytes into a 1000-byte body."""
    socks = []
    for i in range(count):
        sock = socket.create_connection((host, port), timeout=10)
        if i % 2:
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Len")
        else:
            sock.sendall(_post_head(b"1000") + b"payload=")
        socks.append(sock)
    return socks


def _all_cut_off(socks: list[socket.socket], within: float) -> None:
    deadline = time.monotonic() + within
    for sock in socks:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            while sock.recv(4096):
                pass  # a 408, then the end of the stream
        except ConnectionResetError:
            pass
        except TimeoutError:
            pytest.fail("a stalled client kept its connection past the request timeout")
        finally:
            sock.close()


def _threads_and_rss(proc: psutil.Process) -> tuple[int, int]:
    return proc.num_threads(), proc.memory_info().rss


def test_stalled_clients_hold_no_threads_and_are_cut_off(
    slack_serve: tuple[psutil.Process, int],
) -> None:
    proc, port = slack_serve
    threads, rss = _threads_and_rss(proc)
    started = time.monotonic()
    socks = _stall(port)
    try:
        during_threads, during_rss = _threads_and_rss(proc)
        # The old server held a thread per stalled client (302 for 300).
        assert during_threads <= threads + 5, (threads, during_threads)
        assert time.monotonic() - started < TIMEOUT, "measured after the timeout: too slow"
        assert during_rss - rss < 30 * MiB
        # Past the connection limit the server says so rather than queueing.
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 503
        _all_cut_off(socks, TIMEOUT + 5)
    finally:
        for sock in socks:
            sock.close()
    # Once they are gone, signed requests are answered again.
    body = form(block_actions(action_id="pulse_reject", value="1"))
    forged = httpx.post(
        f"http://127.0.0.1:{port}/slack/events", content=body, headers=sign(body, "no"), timeout=5
    )
    assert forged.status_code == 401
    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database_error": None})


def test_run_serves_health_on_its_http_host_and_cuts_off_stalled_clients(
    curator_run: tuple[psutil.Process, int, subprocess.Popen[bytes]],
) -> None:
    proc, port, popen = curator_run
    metrics = httpx.get(f"http://127.0.0.2:{port}/metrics", timeout=5)
    assert metrics.status_code == 200 and "curator_ticks_total" in metrics.text
    with pytest.raises(httpx.ConnectError):  # bound to CURATOR_HTTP_HOST only
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    threads, rss = _threads_and_rss(proc)
    socks = _stall(port, "127.0.0.2")
    try:
        during_threads, during_rss = _threads_and_rss(proc)
        assert during_threads <= threads + 5, (threads, during_threads)
        assert during_rss - rss < 30 * MiB
        _all_cut_off(socks, TIMEOUT + 5)
        assert httpx.get(f"http://127.0.0.2:{port}/healthz", timeout=5).json()["status"] == "ok"
        # SIGTERM still stops it within 10 s, with stalled clients connected.
        socks = _stall(port, "127.0.0.2", 20)
        started = time.monotonic()
        popen.send_signal(signal.SIGTERM)
        assert popen.wait(10) == 0
        assert time.monotonic() - started < 10
    finally:
        for sock in socks:
            sock.close()
