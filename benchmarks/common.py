"""What the benchmark scripts share: the machine line, a clean environment, RESULTS.md."""

from __future__ import annotations

import json
import os
import platform
import random
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from subprocess import PIPE, STDOUT, Popen
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def training_rows() -> list[dict[str, Any]]:
    """The labelled rows of ``data/training/*.jsonl``: real titles and summaries that the
    benchmarks vary into histories."""
    rows = []
    for path in sorted((ROOT / "data" / "training").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def parse_block_weights(
    values: list[str] | None, fields: Sequence[str], default: Mapping[str, float]
) -> dict[str, float]:
    """``--weights NAME=W`` options (repeatable) as block weights: ``default`` without any,
    ``{}`` (every block at 1) for ``--weights none``; a NAME outside ``fields`` exits naming
    them."""
    if not values:
        return dict(default)
    if values == ["none"]:
        return {}
    out: dict[str, float] = {}
    for value in values:
        name, _, weight = value.partition("=")
        if name not in fields or not weight:
            raise SystemExit(
                f"--weights {value!r}: want NAME=W with NAME one of " + ", ".join(fields)
            )
        out[name] = float(weight)
    return out


def vary(rng: random.Random, words: list[str], pool: list[str], rate: float) -> str:
    """``words`` with each replaced by a word of ``pool`` at ``rate``: titles that differ."""
    return " ".join(rng.choice(pool) if rng.random() < rate else w for w in words)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (
        f"Machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, {cpu}, "
        f"Python {platform.python_version()}."
    )


def curator_env(**settings: str) -> dict[str, str]:
    """This process's environment without any CURATOR_/SLACK_ variable, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env.update(settings)
    return env


def append_results(text: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nEach section is appended by the command it names.\n"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)


def start_farm(
    out: Path,
    hosts: int,
    feeds_per_host: int,
    latency: float = 0.15,
    *,
    etags: bool = True,
    summaries: bool = True,
) -> Popen[str]:
    """The feed farm (benchmarks/farm.py) in its own process; returns once it serves, with its
    sources file written to ``out``."""
    farm = Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.farm",
            "--hosts",
            str(hosts),
            "--feeds-per-host",
            str(feeds_per_host),
            "--latency",
            str(latency),
            "--out",
            str(out),
            *([] if etags else ["--no-etags"]),
            *([] if summaries else ["--no-summaries"]),
        ],
        cwd=ROOT,
        stdout=PIPE,
        text=True,
    )
    assert farm.stdout is not None
    farm.stdout.readline()  # "ready"
    return farm


def start_curator_run(sources: Path, env: dict[str, str], log: Path) -> Popen[bytes]:
    """A real `curator run` process, its output in ``log``."""
    with log.open("wb") as fh:  # the child keeps its own descriptor
        return Popen(
            [sys.executable, "-m", "curator", "run", "--sources", str(sources)],
            cwd=ROOT,
            env=env,
            stdout=fh,
            stderr=STDOUT,
        )


def _tree(ps: psutil.Process) -> list[psutil.Process]:
    return [ps, *ps.children(recursive=True)]


def tree_memory(ps: psutil.Process) -> tuple[int, int]:
    """RSS and PSS of `curator run` and its children, summed."""
    rss = pss = 0
    for p in _tree(ps):
        try:
            info = p.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        rss += info.rss
        pss += info.pss
    return rss, pss


def tree_pss(ps: psutil.Process) -> tuple[int, int]:
    """PSS of ``ps`` and its children, summed, and how much of it is anonymous memory (the
    processes' own heaps and arrays), in bytes, from ``/proc/PID/smaps_rollup``. The rest is
    file-backed: the interpreter's and the libraries' pages, divided among every process on the
    machine that maps them, so that part moves with whatever else runs."""
    pss = anon = 0
    for p in _tree(ps):
        try:
            with open(f"/proc/{p.pid}/smaps_rollup", encoding="ascii") as fh:
                for line in fh:
                    key, _, value = line.partition(":")
                    if key == "Pss":
                        pss += int(value.split()[0]) * 1024
                    elif key == "Pss_Anon":
                        anon += int(value.split()[0]) * 1024
        except OSError:  # the process has ended
            continue
    return pss, anon


def tree_cpu(ps: psutil.Process) -> float:
    """CPU seconds of ``ps`` and every process below it, those that have ended too: a child
    that exited and was waited for (``curator run`` stops an idle parser process) has its
    time in its parent's ``children_user`` / ``children_system``."""
    total = 0.0
    for p in _tree(ps):
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total
