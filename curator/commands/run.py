"""``curator run``: the main job (see curator/runner.py)."""

from __future__ import annotations

from pathlib import Path

import click

from curator.commands.common import sources_option


@click.command()
@sources_option
def run(sources_file: Path | None) -> None:
    """Run unattended: poll on schedule, classify, post to Slack (or queue for `curator review`),
    open each month's edition, retrain nightly, report source health weekly.

    Stops cleanly on SIGTERM or Ctrl-C; SIGHUP (or editing the sources file) reloads sources."""
    from curator.commands.common import load_sources_or_exit, settings
    from curator.logs import setup_logging
    from curator.runner import Runner

    cfg = settings()
    setup_logging(cfg.log_format)
    path, _ = load_sources_or_exit(sources_file)  # refuse an invalid file before starting
    runner = Runner(cfg, path)
    raise SystemExit(runner.run_forever())
