"""Small helpers shared by the command modules (settings, engine, sources, consoles)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from curator.config import Settings
    from curator.records import SourceConfig
    from curator.store.handles import Engine


def sources_option(func: F) -> F:
    """The ``--sources FILE`` option shared by ``poll`` and ``run``."""
    return click.option(
        "--sources",
        "sources_file",
        type=click.Path(path_type=Path),
        default=None,
        help="sources file (default: $CURATOR_SOURCES_FILE or sources.yaml)",
    )(func)


def settings() -> Settings:
    from curator.config import get_settings

    return get_settings()


def day_start(value: str | None, tz: str, option: str = "--since") -> datetime | None:
    """The start of day ``value`` (YYYY-MM-DD) in the editors' time zone, as UTC (None for
    None); a bad date is a usage error naming ``option``."""
    from datetime import UTC, date, datetime, time
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-01", param_hint=f"'{option}'"
        ) from None
    return datetime.combine(day, time(), ZoneInfo(tz)).astimezone(UTC)


def engine() -> Engine:
    """The migrated engine for the configured database, disposed when the command ends."""
    from curator.store.db import open_engine

    eng = open_engine(settings().database_url)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(eng.dispose)
    return eng


def load_sources_or_exit(path: Path | None) -> tuple[Path, list[SourceConfig]]:
    """The validated sources, or every problem on stderr and exit status 2."""
    from curator.sources import SourcesError, load_sources

    path = path or settings().sources_file
    try:
        return path, load_sources(path)
    except SourcesError as exc:
        click.echo(str(exc), err=True)
        click.echo(
            f"Fix {path} (check it with `curator sources check {path} --offline`).", err=True
        )
        raise SystemExit(2) from exc


def only_sources(
    path: Path, sources: list[SourceConfig], source_ids: tuple[str, ...]
) -> list[SourceConfig]:
    """The sources ``--source`` names (all of them when it names none); an id not in ``path``
    is a usage error (exit 2) naming the nearest ids there are."""
    if not source_ids:
        return sources
    import difflib

    known = [s.id for s in sources]
    unknown = [i for i in source_ids if i not in known]
    if unknown:
        near = sorted({m for i in unknown for m in difflib.get_close_matches(i, known, n=3)})
        hint = f" (did you mean {', '.join(map(repr, near))}?)" if near else ""
        raise click.UsageError(
            f"no source with id {', '.join(map(repr, unknown))} in {path}{hint}; "
            f"`curator sources status {path}` lists them"
        )
    return [s for s in sources if s.id in source_ids]


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)
