"""Poll benchmark: Pulse Curator against a local feed farm, next to a naive feedparser loop.

    .venv/bin/python -m benchmarks.poll                 # 200 feeds, 20 hosts, 150 ms latency
    .venv/bin/python -m benchmarks.poll --record        # ... and append the results to RESULTS.md

The farm runs in its own process (its CPU is not counted). Each measured phase runs in a fresh
child process so that its peak memory (ru_maxrss) and CPU time are its own:
  cold  first poll of every feed into an empty SQLite database (fetch, parse, store, classify)
  warm  the same again: every feed answers 304, so nothing may be parsed
  naive a sequential ``feedparser.parse(url)`` loop over the same URLs
Lower bound: feeds per host ÷ per-host cap × latency (what the per-host politeness cap allows).
Targets (issue 2): cold ≤ 2.5× the lower bound and ≥ 10× faster than naive; warm ≤ 1.5× the lower
bound with no feed parsed; peak memory ≤ 150 MB; `curator --help` ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import ROOT, append_results, machine, start_farm


def _child(phase: str, sources: Path, db: Path, global_limit: int) -> None:
    """Runs inside a fresh interpreter; prints one JSON line."""
    os.environ["CURATOR_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["CURATOR_DATABASE_URL"] = f"sqlite:///{db}"
    t_import = time.perf_counter()
    if phase == "naive":
        import feedparser

        urls = [s["url"] for s in json.loads(sources.read_text())["sources"]]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        entries = sum(len(feedparser.parse(u).entries) for u in urls)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        out = {"entries": entries}
    else:
        from dataclasses import replace

        from curator.config import Settings
        from curator.fetch import FetchSettings
        from curator.pipeline import Poller
        from curator.sources import load_sources
        from curator.store.db import open_engine

        settings = Settings()
        engine = open_engine(settings.database_url)
        fetch = replace(FetchSettings.from_settings(settings), global_limit=global_limit)
        poller = Poller(engine, settings, fetch_settings=fetch)
        _ = poller.classifier  # load the model before timing: it is loaded once per process
        srcs = load_sources(sources)
        imported = time.perf_counter() - t_import
        wall0, cpu0 = time.perf_counter(), time.process_time()
        report = poller.poll(srcs, force=True)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        out = {k: v for k, v in report.as_json().items() if k not in ("errors", "warnings")}
        out["errors"] = len(report.errors)
        out["model"] = poller.model_warning or "loaded"
        out["startup_s"] = round(imported, 3)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"phase": phase, "wall_s": wall, "cpu_s": cpu, "peak_rss_mb": rss_mb, **out}))


def _run_child(phase: str, sources: Path, db: Path, global_limit: int) -> dict[str, object]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.poll",
            "--child",
            phase,
            "--sources-file",
            str(sources),
            "--db",
            str(db),
            "--global-limit",
            str(global_limit),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{phase} phase failed:\n{proc.stderr}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _help_time() -> float:
    exe = Path(sys.executable).with_name("curator")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--feeds-per-host", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.15)
    ap.add_argument(
        "--global-limit", type=int, default=16, help="fetcher's global cap (default 16)"
    )
    ap.add_argument("--per-host", type=int, default=2, help="fetcher's per-host cap (fixed at 2)")
    ap.add_argument("--record", action="store_true", help="append results to benchmarks/RESULTS.md")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--sources-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.sources_file, args.db, args.global_limit)
        return

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "farm.yaml"
        db = Path(tmp) / "bench.db"
        farm = start_farm(sources, args.hosts, args.feeds_per_host, args.latency)
        try:
            cold = _run_child("cold", sources, db, args.global_limit)
            warm = _run_child("warm", sources, db, args.global_limit)
            naive = _run_child("naive", sources, db, args.global_limit)
        finally:
            farm.terminate()
            farm.wait()
    help_s = _help_time()
    feeds = args.hosts * args.feeds_per_host
    bound = args.feeds_per_host / args.per_host * args.latency
    cold_wall = float(cold["wall_s"])  # type: ignore[arg-type]
    warm_wall = float(warm["wall_s"])  # type: ignore[arg-type]
    naive_wall = float(naive["wall_s"])  # type: ignore[arg-type]
    cold_note = (
        f"{cold_wall / bound:.2f}× bound (≤ 2.5), "
        f"{naive_wall / cold_wall:.1f}× faster than naive (≥ 10)"
    )
    warm_note = (
        f"{warm_wall / bound:.2f}× bound (≤ 1.5); parsed {warm['ok']} feeds (0 wanted), "
        f"{warm['not_modified']} not modified"
    )
    rows = [
        ("cold poll", cold, cold_note),
        ("warm poll (304s)", warm, warm_note),
        ("naive feedparser loop", naive, f"{naive['entries']} entries"),
    ]
    header = (
        f"### Poll benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{machine()} Command: `.venv/bin/python -m benchmarks.poll "
        f"--hosts {args.hosts} --feeds-per-host {args.feeds_per_host} --latency {args.latency} "
        f"--global-limit {args.global_limit}`.\n"
        f"Farm: {feeds} feeds on {args.hosts} loopback ports, 20 entries each, "
        f"{args.latency * 1000:.0f} ms latency, ETags. Lower bound = {args.feeds_per_host} ÷ "
        f"{args.per_host} × {args.latency} s = {bound:.2f} s.\n"
    )
    table = ["| phase | wall s | CPU s | peak RSS MB | notes |", "|---|---|---|---|---|"]
    for name, r, note in rows:
        table.append(
            f"| {name} | {float(r['wall_s']):.2f} | {float(r['cpu_s']):.2f} | "  # type: ignore[arg-type]
            f"{float(r['peak_rss_mb']):.0f} | {note} |"  # type: ignore[arg-type]
        )
    table.append(f"| `curator --help` | {help_s:.3f} | | | median of 5 (≤ 0.5) |")
    extra = (
        f"\nCold poll: {cold['new_items']} new items, {cold['candidates']} candidates, "
        f"{cold['errors']} errors, model {cold['model']}, process start-up and model load "
        f"{cold['startup_s']} s (not in the wall time).\n"
    )
    text = header + "\n" + "\n".join(table) + "\n" + extra
    print(text)
    if args.record:
        append_results(text)


if __name__ == "__main__":
    main()
