"""Steady state: memory and CPU of `curator run` watching many sources where nothing changes.

    .venv/bin/python -m benchmarks.steady                 # 1,000 sources, 10 minutes
    .venv/bin/python -m benchmarks.steady --record

The feed farm (benchmarks/farm.py, its own process) serves 1,000 feeds on 50 loopback ports with
150 ms latency and ETags. `curator run` (no Slack, bundled model, SQLite) polls them with
`every: 5m`; once its first full pass is stored and the process has gone quiet (the tick that
did it ends by printing the candidates), RSS and CPU time are sampled for the measuring window:
every later fetch is a 304, so this is the cost of watching. Targets (the unattended run's):
≤ 200 MB RSS, ≤ 5 % of one core on average.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

from benchmarks.common import (
    ROOT,
    append_results,
    curator_env,
    machine,
    start_curator_run,
    start_farm,
    tree_cpu,
    tree_memory,
)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--feeds-per-host", type=int, default=20)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--every", default="5m")
    ap.add_argument("--tick", type=int, default=60)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    feeds = args.hosts * args.feeds_per_host
    with tempfile.TemporaryDirectory() as tmp:
        farm_file = Path(tmp) / "farm.yaml"
        farm = start_farm(farm_file, args.hosts, args.feeds_per_host)
        data = json.loads(farm_file.read_text())
        for s in data["sources"]:
            s["every"] = args.every
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(json.dumps(data))
        db = Path(tmp) / "steady.db"
        env = curator_env(
            CURATOR_DATABASE_URL=f"sqlite:///{db}",
            CURATOR_TICK_SECONDS=str(args.tick),
            CURATOR_HTTP_PORT="0",
            CURATOR_ALLOW_PRIVATE_NETWORKS="true",
            CURATOR_MODEL_DIR=str(ROOT / "models"),
        )
        proc = start_curator_run(sources, env, Path(tmp) / "run.log")
        ps = psutil.Process(proc.pid)
        try:
            t0 = time.monotonic()
            while True:  # wait for the first full pass
                time.sleep(2)
                try:
                    with sqlite3.connect(db) as conn:
                        done = conn.execute(
                            "select count(*) from source_state where last_ok_at is not null"
                        ).fetchone()[0]
                except sqlite3.Error:
                    done = 0
                if done >= feeds:
                    break
                if time.monotonic() - t0 > 900:
                    raise SystemExit(f"first pass incomplete after 15 min: {done}/{feeds}")
            first_pass = time.monotonic() - t0
            peak_first = tree_memory(ps)[0]
            # The pass is stored; its tick may still be printing candidates. The window starts
            # once the process has gone quiet: under 5 % of a core for 2 s (at most 60 s).
            quiet_by = time.monotonic() + 60
            while time.monotonic() < quiet_by:
                before = tree_cpu(ps)
                time.sleep(2)
                if tree_cpu(ps) - before < 0.1:
                    break
            cpu0 = tree_cpu(ps)
            w0 = time.monotonic()
            rss: list[int] = []
            pss: list[int] = []
            end = w0 + args.minutes * 60
            while time.monotonic() < end:
                r, p = tree_memory(ps)
                rss.append(r)
                pss.append(p)
                time.sleep(5)
            cpu = tree_cpu(ps) - cpu0
            wall = time.monotonic() - w0
            with sqlite3.connect(db) as conn:
                checks = conn.execute(
                    "select count(*) from source_state where last_checked_at is not null"
                ).fetchone()[0]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
            farm.terminate()
            farm.wait()
    mb = 1024 * 1024
    text = (
        f"### Steady state, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{machine()} Command: `.venv/bin/python -m benchmarks.steady "
        f"--hosts {args.hosts} --feeds-per-host {args.feeds_per_host} --minutes {args.minutes:g} "
        f"--every {args.every} --tick {args.tick}`.\n"
        f"`curator run` (no Slack, bundled model, SQLite) watching {feeds} sources on "
        f"{args.hosts} loopback hosts (150 ms latency, ETags), `every: {args.every}`, tick "
        f"{args.tick} s. First full pass (cold, all new) took {first_pass:.0f} s; once its tick "
        f'had ended, {args.minutes:g} minutes measured, every fetch a 304. "RSS after first '
        'pass" is read as soon as the pass is stored, before its tick ends.\n\n'
        "| RSS mean MB | RSS max MB | PSS max MB | RSS after first pass MB "
        "| CPU % of one core (mean) | sources checked |\n"
        "|---|---|---|---|---|---|\n"
        f"| {sum(rss) / len(rss) / mb:.0f} | {max(rss) / mb:.0f} | {max(pss) / mb:.0f} | "
        f"{peak_first / mb:.0f} | {100 * cpu / wall:.2f} | {checks} |\n\n"
        "Memory and CPU are those of `curator run` and its child processes (the parser "
        "process) together; RSS adds up pages the processes share, PSS divides them.\n"
        "Targets: ≤ 200 MB RSS, ≤ 5 % of one core.\n"
    )
    print(text)
    if args.record:
        append_results(text)


if __name__ == "__main__":
    main()
