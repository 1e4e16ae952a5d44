"""Classifier speed: model load time and items classified per second on one core.

    .venv/bin/python benchmarks/classify.py [--model-dir models] [--items 20000] [--no-append]

Targets (issue 3): load <= 1 s; >= 2,000 items/s after loading. Items are the real training rows
(title + summary + URL) repeated; the keyword-rules baseline is timed on the same items in the
same run. Results are appended to benchmarks/RESULTS.md with the machine and the date.
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


def _cold_load_seconds(model_dir: Path) -> float:
    """Fresh interpreter: import the classifier room and load the model (what a new worker pays)."""
    code = (
        "import time; t = time.perf_counter(); "
        "from curator.classify import load_classifier; "
        f"load_classifier(__import__('pathlib').Path({str(model_dir)!r})); "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=REPO / "models")
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from curator.classify import load_classifier
    from curator.classify.baselines import keyword_category, keyword_relevance, keyword_sector
    from curator.classify.data import load_files

    load_classifier(args.model_dir)  # warm the imports
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        classifier = load_classifier(args.model_dir)
        warm.append(time.perf_counter() - start)
    cold = [_cold_load_seconds(args.model_dir) for _ in range(3)]

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
    keyword_rate = rate(
        lambda xs: (keyword_relevance(xs), keyword_sector(xs), keyword_category(xs))
    )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    verdict_load = "met" if statistics.median(warm) <= 1.0 else "NOT met"
    verdict_rate = "met" if model_rate >= 2000 else "NOT met"
    section = "\n".join(
        [
            "",
            f"## Classifier speed — {now}",
            "",
            f"Command: `.venv/bin/python benchmarks/classify.py --items {args.items}` "
            f"(model `{classifier.version}`).",
            f"Machine: {_cpu()}, {os.cpu_count()} logical CPUs, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}; "
            "BLAS limited to one thread.",
            "",
            "| measure | result | target |",
            "|---|---|---|",
            f"| model load: read, verify and build the model (median of 5) | "
            f"{statistics.median(warm):.3f} s | ≤ 1 s: {verdict_load} |",
            f"| fresh process: Python imports (scikit-learn, skops) + model load (median of 3) | "
            f"{statistics.median(cold):.2f} s | (paid once per process) |",
            f"| classify, model (best of 3, {len(items)} items) | {model_rate:,.0f} items/s | "
            f"≥ 2,000/s: {verdict_rate} |",
            f"| classify, keyword-rules baseline (same items) | {keyword_rate:,.0f} items/s | |",
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
