"""Who holds a claim: ``host:pid:start``, unique to one start of one process.

Claims on sources name the worker that holds them, so that a worker killed on this host has its
claims taken over at once rather than after the lease. The process id alone is not enough: in a
container ``curator run`` is PID 1 after every restart, so the claims of the process that died
looked like its own, alive, and waited out the lease (ten minutes). The start time of the
process tells one life of a PID from the next.
"""

from __future__ import annotations

import os
import socket


def _start_token(pid: int) -> str | None:
    """When process ``pid`` started, in hundredths of a second since the epoch; None when there
    is no such process."""
    import psutil

    try:
        return str(round(psutil.Process(pid).create_time() * 100))
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.AccessDenied:  # pragma: no cover - another user's process: it exists
        return "?"


def worker_id() -> str:
    """This process's worker id: ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_token(pid)}"


def is_gone(holder: str) -> bool:
    """True when ``holder`` is a worker of this host whose process no longer runs: its process id
    is free, or now belongs to a later process (one started after the holder). Workers of other
    hosts are never judged gone (their claims expire with the lease)."""
    parts = holder.rsplit(":", 2)
    host = socket.gethostname()
    if len(parts) == 3 and parts[0] == host and parts[1].isdigit():
        _, pid, start = parts
    else:
        # Written before the start time was part of the id: ``host:pid``.
        name, _, pid = holder.rpartition(":")
        if name != host or not pid.isdigit():
            return False
        start = None
    if holder == worker_id():
        return False
    now = _start_token(int(pid))
    if now is None:
        return True
    if start is None:
        # Only the process id to go on: this very process is a later life of that id.
        return int(pid) == os.getpid()
    return now != "?" and now != start
