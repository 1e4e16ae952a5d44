"""The loop the nested experiments share (``crossfit.py``, ``thresh_pick.py``): run one repeat
per seed, print each repeat's card figures as it ends, and keep every repeat so far in a JSON file
(a long run stopped early keeps what it had)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


def run_seeds(
    seeds: Iterable[int], one: Callable[[int], dict[str, Any]], out: Path | None
) -> list[dict[str, Any]]:
    """``one(seed)`` for each seed, timed (``seconds``), printed and written to ``out``."""
    per_repeat: list[dict[str, Any]] = []
    for seed in seeds:
        start = time.perf_counter()
        result = one(seed)
        result["seconds"] = round(time.perf_counter() - start, 1)
        per_repeat.append(result)
        cells = "  ".join(
            f"{v}: rec {g['figures']['card recall']:.4f} fpr {g['figures']['card FPR']:.4f}"
            for v, g in result["variants"].items()
        )
        print(f"seed {seed} ({result['seconds']:.0f} s): {cells}", flush=True)
        if out is not None:
            out.write_text(json.dumps(per_repeat, indent=1) + "\n", encoding="utf-8")
    return per_repeat
