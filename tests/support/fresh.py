"""Run a snippet in a fresh interpreter and see which top-level modules it loaded."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def modules_loaded_by(code: str) -> tuple[set[str], str]:
    """The top-level modules in ``sys.modules`` after ``code`` ran in a new ``python -c``
    (from the repo root), and what the snippet printed."""
    listing = "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    script = f"{code}\nimport sys\n{listing}"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    printed, _, modules = out.stdout.rstrip("\n").rpartition("\n")
    return set(modules.split()), printed
