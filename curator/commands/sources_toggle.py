"""``curator sources disable|enable ID``: stop checking a source, or check it again, without
editing the file by hand (Slack's ``/pulse sources disable|enable ID`` does the same)."""

from __future__ import annotations

from pathlib import Path

import click

_SOURCES = click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path),
    default=None,
    help="sources file (default: $CURATOR_SOURCES_FILE or sources.yaml)",
)


def _toggle(source_id: str, sources_file: Path | None, enabled: bool) -> None:
    from curator.commands.common import settings
    from curator.sources import SourcesError
    from curator.sources.toggle import nothing_changed, toggle_source

    path = sources_file or settings().sources_file
    try:
        click.echo(toggle_source(path, source_id, enabled))
    except SourcesError as exc:
        click.echo(nothing_changed(path, exc), err=True)
        raise SystemExit(2) from exc


@click.command("disable")
@click.argument("source_id", metavar="ID")
@_SOURCES
def disable_command(source_id: str, sources_file: Path | None) -> None:
    """Stop checking source ID: sets `enabled: false` in the sources file (comments and layout
    kept). Its items and history are kept; `curator sources enable ID` undoes it. Exits 0, or
    2 on an unknown ID or a file that cannot be read or written (nothing changed)."""
    _toggle(source_id, sources_file, enabled=False)


@click.command("enable")
@click.argument("source_id", metavar="ID")
@_SOURCES
def enable_command(source_id: str, sources_file: Path | None) -> None:
    """Check source ID again: sets `enabled: true` in the sources file. Its next poll reads it
    afresh, as a new source's (undated items are its archive, kept quiet). Exits 0, or 2 on an
    unknown ID or a file that cannot be read or written (nothing changed)."""
    _toggle(source_id, sources_file, enabled=True)
