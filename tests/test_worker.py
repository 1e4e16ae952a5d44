"""Claims of a worker that is gone are taken over at once, including after a container restart,
where `curator run` is PID 1 again and its own stale claims used to look alive."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from sqlalchemy import Engine, select, update

from curator.records import SourceConfig
from curator.store import source_state as state_store
from curator.store.db import open_engine
from curator.store.schema import source_state
from curator.worker import is_gone, worker_id
from tests.support.feeds import FeedItem, atom, write_sources
from tests.support.httpserver import LocalServer
from tests.test_crash import _env, _hang

pytestmark = pytest.mark.storage
HOST = socket.gethostname()


def _start(pid: int) -> str:
    return str(round(psutil.Process(pid).create_time() * 100))


def test_worker_id_names_host_pid_and_start() -> None:
    assert worker_id() == f"{HOST}:{os.getpid()}:{_start(os.getpid())}"
    assert not is_gone(worker_id())


def test_which_holders_are_gone() -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        alive = f"{HOST}:{sleeper.pid}:{_start(sleeper.pid)}"
        assert not is_gone(alive)
        # The same PID, but an earlier process: the PID was reused (or the container restarted).
        assert is_gone(f"{HOST}:{sleeper.pid}:{int(_start(sleeper.pid)) - 500}")
        # Our own PID from an earlier life, in the id written before the start time was in it.
        assert is_gone(f"{HOST}:{os.getpid()}")
        assert not is_gone(f"{HOST}:{sleeper.pid}")  # old form, live PID: cannot tell, alive
        assert not is_gone(f"elsewhere:{os.getpid() + 999_999}:1")  # other hosts: the lease
    finally:
        sleeper.kill()
        sleeper.wait()
    assert is_gone(alive)  # its process has ended


def test_a_restarted_worker_with_the_same_pid_takes_its_old_claims_over(engine: Engine) -> None:
    now = datetime.now(UTC)
    sources = [
        SourceConfig(id=s, publisher="P", kind="feed", url=f"https://{s}.example/feed")
        for s in ("mine-before", "mine-before-old-form", "live")
    ]
    sleeper = subprocess.Popen(["sleep", "60"])
    holders = {
        "mine-before": f"{HOST}:{os.getpid()}:{int(_start(os.getpid())) - 3000}",
        "mine-before-old-form": f"{HOST}:{os.getpid()}",
        "live": f"{HOST}:{sleeper.pid}:{_start(sleeper.pid)}",
    }
    try:
        with engine.begin() as conn:
            state_store.sync_sources(conn, sources)
            for source_id, holder in holders.items():
                conn.execute(
                    update(source_state)
                    .where(source_state.c.source_id == source_id)
                    .values(claimed_by=holder, claimed_until=now + timedelta(minutes=10))
                )
        with engine.begin() as conn:
            claimed = state_store.claim_due(conn, list(holders), now, worker_id())
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(claimed) == ["mine-before", "mine-before-old-form"]


def _pid1(*args: str) -> list[str]:
    """`curator ARGS` as PID 1 of a new PID namespace, as in a container."""
    return [
        "unshare",
        "-rpf",
        "--mount-proc",
        "--kill-child",
        sys.executable,
        "-m",
        "curator",
        *args,
    ]


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rpf", "--mount-proc", sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
    )
    return probe.returncode == 0 and probe.stdout.strip() == "1"


@pytest.mark.skipif(not _namespaces_work(), reason="needs unshare and user namespaces")
def test_kill_9_then_restart_as_pid_1_again_takes_the_claim_over_at_once(
    tmp_path: Path, server: LocalServer, db_url: str
) -> None:
    items = [FeedItem("Research and analysis: A report", "https://www.gov.uk/r-1")]
    server.add("/a.atom", atom(items))
    server.add("/b.atom", handler=_hang)
    sources = write_sources(
        tmp_path / "sources.yaml",
        [
            {"id": "a", "publisher": "DHSC", "url": server.url("/a.atom")},
            {"id": "b", "publisher": "NHS England", "url": server.url("/b.atom")},
        ],
    )
    env = _env(db_url, tmp_path)
    proc = subprocess.Popen(
        _pid1("poll", "--all", "--sources", str(sources)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    engine = open_engine(db_url)
    try:
        deadline = time.monotonic() + 30
        while True:  # the first life stored a, and holds b's claim, stuck on its slow feed
            with engine.connect() as conn:
                rows = conn.execute(
                    select(source_state.c.last_ok_at, source_state.c.claimed_by)
                    .where(source_state.c.source_id.in_(["a", "b"]))
                    .order_by(source_state.c.source_id)
                ).all()
            if len(rows) == 2 and rows[0][0] is not None and rows[1][1] is not None:
                break
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        assert str(rows[1][1]).split(":")[1] == "1"  # held by PID 1
        os.kill(proc.pid, signal.SIGKILL)  # --kill-child takes PID 1 with it
        proc.wait(10)
        server.add("/b.atom", atom([FeedItem("Guidance: A toolkit", "https://www.gov.uk/t")]))
        again = subprocess.run(
            _pid1("poll", "--all", "--json", "--sources", str(sources)),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert again.returncode == 0, again.stderr
        report = json.loads(again.stdout)
        # Before, PID 1 took PID 1's claim on b for its own, alive, and skipped b for 10 minutes.
        assert report["sources"] == 2 and report["new_items"] == 1, report
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        engine.dispose()
