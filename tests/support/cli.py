"""`curator` run in-process by a test, as a user would type it: from the test's own directory,
with the environment the test sets, settings read afresh, and exceptions raised, not caught."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

Run = Callable[..., Result]


def in_process_cli(monkeypatch: pytest.MonkeyPatch, cwd: Path, **env: str) -> Run:
    """A runner of ``curator ARGS…`` in ``cwd``, with ``env`` set (e.g. its database)."""
    from curator.cli import cli as root
    from curator.config import get_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(root, list(args), catch_exceptions=False)

    return run
