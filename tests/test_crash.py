"""kill -9 in the middle of a poll loses nothing already committed and repeats nothing after."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import func, select

from curator.store.db import open_engine
from curator.store.schema import items, source_state
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage

A_ITEMS = [
    FeedItem(
        f"Research and analysis: Report {n}", f"https://www.gov.uk/government/publications/r-{n}"
    )
    for n in range(3)
]
B_ITEMS = [FeedItem("Guidance: Toolkit", "https://www.gov.uk/government/publications/toolkit")]


def _hang(req: BaseHTTPRequestHandler) -> None:
    req.send_response(200)
    req.send_header("Content-Type", "application/atom+xml")
    req.send_header("Content-Length", "100000")
    req.end_headers()
    for _ in range(200):  # a byte every 0.1 s: still "working" when the poller is killed
        try:
            req.wfile.write(b" ")
            req.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(
        CURATOR_DATABASE_URL=db_url,
        CURATOR_ALLOW_PRIVATE_NETWORKS="true",
        CURATOR_MODEL_DIR=str(tmp_path / "no-model"),
    )
    return env


def _curator(*args: str) -> list[str]:
    return [sys.executable, "-m", "curator", *args]


def test_kill_9_mid_poll_then_poll_again(tmp_path: Path, server: LocalServer, db_url: str) -> None:
    server.add("/a.atom", atom(A_ITEMS))
    server.add("/b.atom", handler=_hang)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {
                "id": "a",
                "publisher": "Department of Health and Social Care",
                "url": server.url("/a.atom"),
            },
            {"id": "b", "publisher": "NHS England", "url": server.url("/b.atom")},
        ],
    )
    env = _env(db_url, tmp_path)
    log = (tmp_path / "poll.log").open("wb")
    proc = subprocess.Popen(
        _curator("poll", "--all", "--sources", str(sources)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    engine = open_engine(db_url)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                done = conn.execute(
                    select(source_state.c.last_ok_at).where(source_state.c.source_id == "a")
                ).scalar()
            if done is not None:
                break
            assert proc.poll() is None, (tmp_path / "poll.log").read_text()
            time.sleep(0.05)
        else:
            pytest.fail("source a was never committed")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(items)).scalar() == 3

        server.add("/b.atom", atom(B_ITEMS))
        # a's feed is served again with its items under a new feed title: a document that must
        # be parsed (the very same bytes would be recorded as unchanged, unparsed), so its
        # items meet the store again
        server.add("/a.atom", atom(A_ITEMS, title="DHSC - Activity on GOV.UK"))
        again = subprocess.run(
            _curator("poll", "--all", "--json", "--sources", str(sources)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        report = json.loads(again.stdout)
        # The dead poller's claim on b does not block the restart; a repeats nothing.
        assert (report["sources"], report["new_items"], report["duplicates"]) == (2, 1, 3)
        with engine.connect() as conn:
            urls = conn.execute(select(items.c.canonical_url)).scalars().all()
        assert len(urls) == len(set(urls)) == 4
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
        engine.dispose()
