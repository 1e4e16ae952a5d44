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
    from curator.store.decisions import Actor
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


def engine(*, create: bool = True) -> Engine:
    """The migrated engine for the configured database, disposed when the command ends.

    ``create=False`` is for a command that only reads (or changes) what is stored: a SQLite
    file that does not exist is refused with exit status 2 instead of being created empty, so a
    mistyped path or another working directory is told, not answered "nothing found"."""
    from curator.store.db import open_engine

    url = settings().database_url
    if not create:
        _refuse_missing_database(url)
    eng = open_engine(url)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(eng.dispose)
    return eng


def database_named() -> str:
    """Which database a command opened, for a message: "CURATOR_DATABASE_URL=…" or "the
    default, sqlite:///./data/curator.db, as CURATOR_DATABASE_URL is not set" (no password)."""
    from curator.store.db import safe_url

    url = settings().database_url
    if "database_url" in settings().model_fields_set:
        return f"CURATOR_DATABASE_URL={safe_url(url)}"
    return f"the default, {safe_url(url)}, as CURATOR_DATABASE_URL is not set"


def _refuse_missing_database(url: str) -> None:
    from curator.store.db import missing_sqlite_file

    path = missing_sqlite_file(url)
    if path is None:
        return
    where = path if path.is_absolute() else Path.cwd() / path
    notes = [database_named()]
    if "database_url" in settings().model_fields_set:
        cure = "set CURATOR_DATABASE_URL to the database `curator run` uses"
    else:
        cure = (
            "run it in the directory `curator run` runs in, or set CURATOR_DATABASE_URL to "
            "the database that uses"
        )
    if not where.parent.is_dir():
        notes.append(f"the folder {where.parent} does not exist either")
    ctx = click.get_current_context(silent=True)
    # the root as users type it, whatever the program was started as (python -m curator, …)
    command = f"`curator {ctx.command_path.partition(' ')[2]}`" if ctx else "This command"
    click.echo(
        f"error: no database at {where} ({'; '.join(notes)}). {command} works on stored data "
        f"and creates no database: {cure}, or run `curator poll` first to create this one.",
        err=True,
    )
    raise SystemExit(2)


def cli_actor() -> Actor:
    """Who a terminal command's decisions are recorded as: ``$USER``, else the login name of
    the process's user (cron and containers often set no ``$USER``), else ``cli``; the same for
    every command, so the audit trail names one person one way."""
    import getpass
    import os

    from curator.store.decisions import Actor

    try:
        user = os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for this uid (some containers)
        user = "cli"
    return Actor(user_id=user, user_name=user, via="cli")


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
