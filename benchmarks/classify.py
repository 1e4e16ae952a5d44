"""Classifier speed and memory: load time, items classified per second on one core, and the
peak memory of a fresh process that loads the model and classifies one item.

    .venv/bin/python -m benchmarks.classify [--model-dir models] [--items 20000] [--no-append]
    .venv/bin/python -m benchmarks.classify --train-rows 11000 [--no-append]

``--train-rows N`` measures ``curator train`` instead: it builds a SQLite database of N decided
items with the project's own store code (migrated schema, ``insert_many_ignore`` for the items,
``decide`` for a 1% sample of relabels; texts are the training rows' with a number added, labels
theirs, decisions spread over the year before), then times two ``curator train`` runs in fresh
processes with ``/usr/bin/time`` (wall time and peak RSS): the first with no model yet (the C
search over the whole grid), the second the next night's (the C reused). A year of history is
about 11,000 decisions; ten years (a million items seen) about 99,000, of which the window reads
the newest 20,000.

Targets (the classifier's speed): load <= 1 s; >= 2,000 items/s after loading. Both prediction
paths are measured: the compiled model (what ``load_classifier()`` uses; no scikit-learn) and the
scikit-learn objects of the ``.skops`` file (``load(..., use_sklearn=True)``, training-side
tooling). Items are the real training rows (title + summary + URL) repeated; the keyword-rules
baseline is timed on the same items in the same run. Results are appended to
benchmarks/RESULTS.md with the machine and the date.
"""

from __future__ import annotations

import os

# One core: set before numpy / scipy load their BLAS.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\n"
    "Each section is appended by the script named in it; rerun that command to reproduce.\n"
)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cold_load(model_dir: Path, use_sklearn: bool) -> tuple[float, float, float, bool]:
    """Fresh interpreter: import the classifier package, load the model (what a new worker pays),
    classify one item. Returns (seconds to load, peak RSS in MB, PSS in MB after classifying,
    whether sklearn was imported)."""
    code = (
        "import resource, sys, time; t = time.perf_counter(); "
        "from curator.classify import ClassifyInput; "
        "from curator.classify.persist import load; "
        f"c = load(__import__('pathlib').Path({str(model_dir)!r}), use_sklearn={use_sklearn}); "
        "s = time.perf_counter() - t; "
        "c.predict([ClassifyInput(title='Research and analysis: social care', summary='x')]); "
        "pss = [int(ln.split()[1]) for ln in open('/proc/self/smaps_rollup') "
        "if ln.startswith('Pss:')][0] / 1024; "
        "print(s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, pss, "
        "'sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    seconds, rss, pss, sklearn = out.stdout.split()
    return float(seconds), float(rss), float(pss), sklearn == "True"


def _build_history(db_url: str, n: int) -> None:
    """N decided items (accepted with the row's labels, or rejected) in a fresh database."""
    from datetime import timedelta

    from curator.classify.data import load_files
    from curator.store.db import open_engine
    from curator.store.decisions import Actor, decide
    from curator.store.schema import items as items_table
    from curator.store.sql import insert_many_ignore

    rows = load_files(REPO / "data" / "training")
    engine = open_engine(db_url)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    step = timedelta(days=365) / max(n, 1)
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(n):
            r = rows[i % len(rows)]
            when = start + step * i
            url = f"https://bench.example/{i}/{(r.url or 'item').rsplit('/', 1)[-1]}"
            batch.append(
                {
                    "source_id": "bench",
                    "publisher": r.publisher,
                    "title": f"{r.title} ({i // len(rows)})",
                    "title_key": f"bench {i}",
                    "url": url,
                    "canonical_url": url,
                    "summary": r.summary,
                    "document_type": r.document_type,
                    "first_seen_at": when,
                    "decided_at": when,
                    "decided_by": "bench",
                    "status": "accepted" if r.relevant else "rejected",
                    "sector": r.sector if r.relevant else None,
                    "category": r.category if r.relevant else None,
                    "edition": None,
                }
            )
            if len(batch) == 2000:
                insert_many_ignore(conn, items_table, batch, key="canonical_url")
                batch = []
        insert_many_ignore(conn, items_table, batch, key="canonical_url")
    editor = Actor("UBENCH", "bench", "cli")
    for item_id in range(1, n + 1, 100):  # a 1% sample of relabels, through the decision code
        decide(engine, item_id, "relabel", editor, category="briefings", now=start + step * n)
    engine.dispose()


def _timed_train(env: dict[str, str], model_dir: Path, *flags: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, last line of output) of one ``curator train`` process."""
    cmd = [
        "/usr/bin/time",
        "-f",
        "BENCH %e %M",
        str(Path(sys.executable).parent / "curator"),
        "train",
        "--model-dir",
        str(model_dir),
        *flags,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=True)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("BENCH "))
    _, seconds, kb = line.split()
    first = out.stdout.splitlines()[0] if out.stdout else ""
    return float(seconds), float(kb) / 1024, first


def train_benchmark(n: int, append: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        db_url = f"sqlite:///{tmp}/history.db"
        t0 = time.perf_counter()
        _build_history(db_url, n)
        built = time.perf_counter() - t0
        env = {**os.environ, "CURATOR_DATABASE_URL": db_url}
        model_dir = Path(tmp) / "models"
        first = _timed_train(env, model_dir)
        second = _timed_train(env, model_dir)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            "",
            f"## `curator train` with {n:,} editors' decisions in the database — {now}",
            "",
            f"Command: `.venv/bin/python -m benchmarks.classify --train-rows {n}` (database built "
            f"in {built:.0f} s, not counted). {first[2]}",
            f"Machine: {_cpu()}, {os.cpu_count()} logical CPUs, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}; the "
            "python-svc machine kind, shared with other work while measured.",
            "",
            "| run | wall time | peak RSS |",
            "|---|---|---|",
            f"| first `curator train` (no model yet: C searched over the grid) | {first[0]:.0f} s "
            f"| {first[1]:.0f} MB |",
            f"| next night's `curator train` (C reused) | {second[0]:.0f} s | {second[1]:.0f} MB |",
            "",
        ]
    )
    print(section)
    if append:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(section)
        print(f"appended to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=REPO / "models")
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--train-rows", type=int, default=0, help="time curator train instead")
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    if args.train_rows:
        train_benchmark(args.train_rows, not args.no_append)
        return
    from curator.classify.baselines import keyword_category, keyword_relevance, keyword_sector
    from curator.classify.data import load_files
    from curator.classify.persist import load

    # fresh processes first, before this one has imported anything heavy
    cold = {flag: [_cold_load(args.model_dir, flag) for _ in range(3)] for flag in (False, True)}

    def warm_load(use_sklearn: bool) -> tuple[Any, float]:
        load(args.model_dir, use_sklearn=use_sklearn)  # warm the imports
        times = []
        for _ in range(5):
            start = time.perf_counter()
            classifier = load(args.model_dir, use_sklearn=use_sklearn)
            times.append(time.perf_counter() - start)
        return classifier, statistics.median(times)

    classifier, warm = warm_load(False)
    sk_classifier, sk_warm = warm_load(True)

    rows = load_files(REPO / "data" / "training")
    base = [r.as_input() for r in rows]
    items = (base * (args.items // len(base) + 1))[: args.items]

    def rate(fn: object) -> float:
        assert callable(fn)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            fn(items)
            best = min(best, time.perf_counter() - start)
        return len(items) / best

    model_rate = rate(classifier.predict)
    sk_rate = rate(sk_classifier.predict)
    assert classifier.predict(items[:500]) == sk_classifier.predict(items[:500])
    keyword_rate = rate(
        lambda xs: (keyword_relevance(xs), keyword_sector(xs), keyword_category(xs))
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict_load = "met" if warm <= 1.0 else "NOT met"
    verdict_rate = "met" if model_rate >= 2000 else "NOT met"

    def cold_cells(flag: bool) -> str:
        runs = cold[flag]
        seconds = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        pss = statistics.median(r[2] for r in runs)
        imported = "yes" if any(r[3] for r in runs) else "no"
        return f"{seconds:.2f} s | {rss:.0f} MB | {pss:.0f} MB | {imported}"

    section = "\n".join(
        [
            "",
            f"## Classifier speed and memory — {now}",
            "",
            f"Command: `.venv/bin/python -m benchmarks.classify --items {args.items}` "
            f"(model `{classifier.version}`).",
            f"Machine: {_cpu()}, {os.cpu_count()} logical CPUs, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}; "
            "BLAS limited to one thread.",
            "",
            "| measure | result | target |",
            "|---|---|---|",
            f"| model load, compiled (`load_classifier()`): read, verify, build (median of 5) | "
            f"{warm:.3f} s | ≤ 1 s: {verdict_load} |",
            f"| model load, scikit-learn objects (`use_sklearn=True`, median of 5) | "
            f"{sk_warm:.3f} s | |",
            f"| classify, compiled model (best of 3, {len(items)} items) | "
            f"{model_rate:,.0f} items/s | ≥ 2,000/s: {verdict_rate} |",
            f"| classify, scikit-learn objects (same items; same predictions) | "
            f"{sk_rate:,.0f} items/s | |",
            f"| classify, keyword-rules baseline (same items) | {keyword_rate:,.0f} items/s | |",
            "",
            "Fresh process (median of 3): Python imports + model load, then the peak resident "
            "memory (`ru_maxrss`) and the proportional set size (PSS, `/proc/self/smaps_rollup`) "
            "after classifying one item.",
            "",
            "| prediction path | imports + load | peak RSS | PSS | scikit-learn imported |",
            "|---|---|---|---|---|",
            f"| compiled model (`load_classifier()`) | {cold_cells(False)} |",
            f"| scikit-learn objects (`use_sklearn=True`) | {cold_cells(True)} |",
            "",
        ]
    )
    print(section)
    if not args.no_append:
        if not RESULTS.exists():
            RESULTS.write_text(HEADER, encoding="utf-8")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(section)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
