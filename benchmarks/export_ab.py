"""Two versions of the audit export, timed in turns on the same databases: the fair test of a
change to `curator decisions export` on a shared machine whose speed drifts (the section "History:
the audit export written by the database" of ``benchmarks/RESULTS.md``).

    git archive dec64f9 | tar -x -C /tmp/old       # the version to compare with
    .venv/bin/python -m benchmarks.export_ab --rounds 7 \\
        --code old=/tmp/old --code new=. \\
        --fresh sqlite:////tmp/hbench/fresh.db --history sqlite:////tmp/hbench/history-1m.db

Each round runs, for both databases, the full export and ``--since`` the last 30 days of that
database's trail, each version once (their order alternating by round), as real processes
(``python -m curator`` with the code directory as the working directory and on ``PYTHONPATH``,
this interpreter), writing to /dev/null. It prints the median wall time and the peak RSS of
each, and the ratio of the history's time to the fresh database's. The databases come from
``benchmarks/history.py --keep`` (its first month is the fresh one); a PostgreSQL URL may carry
``?options=-csearch_path%3DSCHEMA``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text


def run(code: Path, url: str, since: str | None) -> tuple[float, float]:
    """One export in a child process: wall seconds and peak RSS in MB."""
    args = [sys.executable, "-m", "curator", "decisions", "export", "--format", "jsonl"]
    args += ["--out", os.devnull, *(["--since", since] if since else [])]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "SLACK_"))}
    env |= {"CURATOR_DATABASE_URL": url, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    child = subprocess.Popen(args, cwd=code, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{code}: the export of {url} failed (status {status})")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def month_before_last(url: str) -> str:
    """``--since`` for the last 30 days of the trail at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            last = conn.execute(text("SELECT max(created_at) FROM decisions")).scalar_one()
    finally:
        engine.dispose()
    day = date.fromisoformat(str(last)[:10])
    return (day - timedelta(days=30)).isoformat()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", action="append", required=True, help="NAME=DIR (twice)")
    parser.add_argument("--fresh", required=True, help="database URL of a fresh deployment")
    parser.add_argument("--history", required=True, help="database URL of a long history")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    codes = {n: Path(d).resolve() for n, _, d in (c.partition("=") for c in args.code)}
    dbs = {"fresh": args.fresh, "history": args.history}
    since = {name: month_before_last(url) for name, url in dbs.items()}
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    loads = [os.getloadavg()[0]]
    for r in range(args.rounds):
        order = list(codes.items()) if r % 2 == 0 else list(reversed(codes.items()))
        for db, url in dbs.items():
            for what in ("full", "since"):
                for name, code in order:
                    got = run(code, url, since[db] if what == "since" else None)
                    times.setdefault((what, db, name), []).append(got)
        loads.append(os.getloadavg()[0])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    print(
        f"{args.rounds} rounds, 1-min load average {min(loads):.1f}-{max(loads):.1f}; since {since}"
    )
    print("| export | code | fresh | history | ratio |")
    print("|---|---|---|---|---|")
    for what in ("full", "since"):
        for name in codes:
            fresh, history = times[(what, "fresh", name)], times[(what, "history", name)]
            f = statistics.median(t for t, _ in fresh)
            h = statistics.median(t for t, _ in history)
            f_mb, h_mb = max(m for _, m in fresh), max(m for _, m in history)
            cells = f"{f:.2f} s, {f_mb:.0f} MB | {h:.2f} s, {h_mb:.0f} MB | {h / f:.2f}x"
            print(f"| {what} | {name} | {cells} |")


if __name__ == "__main__":
    main()
