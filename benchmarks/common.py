"""What the benchmark scripts share: the machine line, a clean environment, RESULTS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


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
