"""Running a ``curator`` command as its own process and measuring it: seconds (to exit, or to
the first sight of a given output) and the process's own peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import ROOT


class PeakRSS:
    """The peak RSS of a child process, from its ``VmHWM`` (the high-water mark of the memory
    it runs in since its exec), read every 10 ms until it exits. ``wait4``'s ``ru_maxrss`` is not
    used: Linux counts in it the copy of this (large) process the child was forked from."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        self.kb = max(self.kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass

    def _poll(self) -> None:
        while not self._done.wait(0.01):
            self._read()

    def stop(self) -> float:
        """Stop (call before reaping the child: a zombie has no memory left to read); MB."""
        self._read()
        self._done.set()
        self._thread.join()
        return self.kb / 1024


def reap(proc: subprocess.Popen[Any], peak: PeakRSS, timeout: float) -> tuple[int, float]:
    """Wait for ``proc`` (killed after ``timeout`` s), reading its peak RSS just before it is
    reaped: exit code and MB."""
    deadline = time.monotonic() + timeout
    while True:
        # WNOWAIT leaves the child a zombie until its memory has been read.
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if info is not None:
            break
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            peak.stop()
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.01)
    mb = peak.stop()
    return proc.wait(), mb


def run_curator(
    args: list[str], env: dict[str, str], *, until: str | None = None, timeout: float = 1800
) -> tuple[float, float]:
    """Seconds (to ``until`` on stdout, else to exit) and peak RSS in MB of ``curator ARGS``."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "curator", *args],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = PeakRSS(proc.pid)
    assert proc.stdin is not None and proc.stdout is not None
    seconds = None
    if until is not None:
        buffer = ""
        while until not in buffer:
            char = proc.stdout.read(1)
            if not char:
                break
            buffer += char
        seconds = time.perf_counter() - start
        proc.stdin.write("q\n")
        proc.stdin.flush()
    proc.stdin.close()
    drain = threading.Thread(target=proc.stdout.read, daemon=True)
    drain.start()
    code, mb = reap(proc, peak, timeout)
    drain.join()
    if code not in (0, 1):  # sources status exits 1 when a source needs attention
        sys.exit(f"curator {' '.join(args)} exited with {code}")
    if seconds is None:
        seconds = time.perf_counter() - start
    return seconds, mb


def run_python(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS in MB of a Python process running ``code`` (for work the scheduler
    does inside `curator run`, with no command of its own)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    exit_code, mb = reap(proc, PeakRSS(proc.pid), 1800)
    if exit_code != 0:
        sys.exit(f"python -c {code!r} failed")
    return time.perf_counter() - start, mb


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` calls of ``fn``, in milliseconds (work timed in this process)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000
