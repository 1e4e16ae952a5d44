"""Where the poll's memory goes: the poller process's memory after each step of a cold poll,
and what the loaded model holds.

    .venv/bin/python -m benchmarks.poll_memory [--runs 2] [--root DIR]

The cold poll of ``benchmarks/poll.py`` (the same farm: 200 feeds on 20 loopback hosts, 20
entries each, 150 ms latency), run step by step in a fresh process that reads its own
``/proc/self/smaps_rollup`` after each step: the imports, the Poller, the model, the parser
process, the poll. Anonymous memory (the process's own heap and arrays) is given beside RSS:
unlike PSS, it does not move with what else runs on the machine. Then, in another fresh process
with numpy already imported, the model's load alone: RSS before and after it, then, loading it
again under tracemalloc, the memory the loaded model holds and the most it held while loading.

``--root DIR`` runs another checkout's code (a ``git worktree`` of an older commit, with its own
``models/``) under this script: the same steps, before and after a change.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STEPS = ("start", "imports", "poller built", "model loaded", "parser started", "polled")


def _rollup(pid: int | str = "self") -> dict[str, float]:
    """RSS, anonymous memory and PSS of one process, in MB."""
    out = {"Rss": 0.0, "Anonymous": 0.0, "Pss": 0.0}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in out:
                out[key] = int(value.split()[0]) / 1024
    return out


def _poll_child(sources: Path, db: Path) -> None:
    """Runs inside a fresh interpreter (with the code of ``--root`` first on sys.path); prints
    one JSON line: the poller's memory after each step, and its children's PSS."""
    import psutil

    os.environ["CURATOR_ALLOW_PRIVATE_NETWORKS"] = "true"
    os.environ["CURATOR_DATABASE_URL"] = f"sqlite:///{db}"
    marks: dict[str, dict[str, float]] = {}

    def mark(step: str) -> None:
        marks[step] = _rollup()
        children = 0.0
        for child in psutil.Process().children(recursive=True):
            try:
                children += _rollup(child.pid)["Pss"]
            except OSError:
                continue
        marks[step]["children_pss"] = children

    mark("start")
    from dataclasses import replace

    from curator.config import Settings
    from curator.fetch import FetchSettings
    from curator.pipeline import Poller
    from curator.sources import load_sources
    from curator.store.db import open_engine

    mark("imports")
    settings = Settings()
    fetch = replace(FetchSettings.from_settings(settings), global_limit=40)
    poller = Poller(open_engine(settings.database_url), settings, fetch_settings=fetch)
    mark("poller built")
    loaded = poller.classifier is not None
    mark("model loaded")
    poller.parse_pool.start()
    mark("parser started")
    report = poller.poll(load_sources(sources), force=True)
    mark("polled")
    poller.close()
    print(json.dumps({"marks": marks, "new": report.as_json().get("new_items"), "model": loaded}))


def _model_child() -> None:
    """Runs inside a fresh interpreter: the model's load alone, numpy already imported."""
    import gc
    import tracemalloc

    import numpy  # noqa: F401

    from curator.classify import load_classifier
    from curator.errors import ModelError

    # an empty directory: the model code is imported, no model is found, nothing is built
    with tempfile.TemporaryDirectory() as empty, contextlib.suppress(ModelError):
        load_classifier(Path(empty))
    model_dir = Path("models")
    gc.collect()
    before = _rollup()["Rss"]
    classifier = load_classifier(model_dir)
    gc.collect()
    rss = _rollup()["Rss"] - before
    del classifier
    gc.collect()
    tracemalloc.start()  # a second load, traced (tracing takes memory of its own)
    classifier = load_classifier(model_dir)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del classifier  # held until measured
    print(json.dumps({"held": held / 2**20, "peak": peak / 2**20, "rss": rss}))


def _run(root: Path, *args: str) -> dict[str, object]:
    """This script in a fresh interpreter, with ``root``'s code (and models/) in use: run from
    ``root`` by ``python -c`` so that ``root`` is first on sys.path (``python script.py`` would
    put benchmarks/ there, whose queue.py hides the standard library's)."""
    script = str(Path(__file__).resolve())
    code = f"import runpy, sys; sys.argv = {[script, *args]!r}; runpy.run_path({script!r}, "
    out = subprocess.run(
        [sys.executable, "-c", code + "run_name='__main__')"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr}")
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=2, help="cold polls, each in a fresh process")
    ap.add_argument(
        "--root", type=Path, default=Path(__file__).resolve().parent.parent, help="the checkout run"
    )
    ap.add_argument("--child", choices=("poll", "model"), help=argparse.SUPPRESS)
    ap.add_argument("--sources-file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "poll":
        _poll_child(args.sources_file, args.db)
        return
    if args.child == "model":
        _model_child()
        return
    from benchmarks.common import machine, start_farm

    root = args.root.resolve()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "farm.yaml"
        farm = start_farm(sources, 20, 10, 0.15)
        try:
            for run in range(max(1, args.runs)):
                db = Path(tmp) / f"cold-{run}.db"
                runs.append(
                    _run(root, "--child", "poll", "--sources-file", str(sources), "--db", str(db))
                )
        finally:
            farm.terminate()
            farm.wait()
    model = _run(root, "--child", "model")
    print(f"### Poll memory by step, code of {root}\n\n{machine()}")
    print(
        "Command: `.venv/bin/python -m benchmarks.poll_memory"
        + (f" --root {args.root}" if args.root != ap.get_default("root") else "")
        + f" --runs {args.runs}`.\n"
    )
    print(
        "| step (poller process) | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " |"
    )
    print("|---|" + "---|" * len(runs))
    for step in STEPS:
        cells = []
        for r in runs:
            m = r["marks"][step]  # type: ignore[index]
            cell = f"RSS {m['Rss']:.1f}, anonymous {m['Anonymous']:.1f}"
            if m["children_pss"]:
                cell += f"; children's PSS {m['children_pss']:.1f}"
            cells.append(cell)
        print(f"| {step} | " + " | ".join(cells) + " |")
    print(
        f"\nMB. Each run stored {runs[0]['new']} new items (model loaded: {runs[0]['model']}). "
        f"The model's load alone, numpy imported: RSS +{model['rss']:.1f} MB; tracemalloc: "
        f"{model['held']:.2f} MB held by the loaded model, {model['peak']:.2f} MB at most "
        "while loading."
    )


if __name__ == "__main__":
    main()
