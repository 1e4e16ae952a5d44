"""``curator sources``: check and add watched sources (issue 2 §2).

``check`` validates ``sources.yaml`` and (unless ``--offline``) fetches and parses every enabled
source once; ``add`` turns a URL (a feed, or a page that advertises feeds) into a new entry, by
the same path as ``/pulse sources add`` (curator/sources_add.py).
Heavy imports live inside the functions so ``curator --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from curator.records import SECTORS

if TYPE_CHECKING:
    from rich.console import Console

    from curator.errors import FetchError
    from curator.records import FetchResult, ParsedFeed, SourceConfig
    from curator.sources import Problem
    from curator.sources_add import Candidate

#: At most this many feeds advertised by one page are fetched to show what they hold.
MAX_DISCOVERED = 5


def clean_publisher(title: str | None) -> str | None:
    """A publisher name guessed from a feed title (curator.sources_add.clean_publisher)."""
    from curator.sources_add import clean_publisher as clean

    return clean(title)


def _sources_file(file: Path | None) -> Path:
    if file is not None:
        return file
    from curator.config import get_settings

    return get_settings().sources_file


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _console() -> Console:
    """stdout console; wide when piped so tables are not squeezed to 80 columns."""
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console = Console(soft_wrap=False, width=max(console.width, 160))
    return console


def _without_id(message: str, source_id: str) -> str:
    """Errors start with the source id (for logs); the table already has an id column."""
    prefix = f"{source_id}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _echo_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    n = len(problems)
    click.echo(f"{n} problem{'s' if n != 1 else ''} found", err=True)


def _problem_json(p: Problem) -> dict[str, object]:
    return {
        "file": p.file,
        "line": p.line,
        "source_id": p.source_id,
        "key": p.key,
        "message": p.message,
    }


#: More ``curator sources`` sub-commands living in other modules, loaded only when used:
#: name -> "module:attribute" (e.g. ``"status": "curator.commands.source_status:status"``).
#: Commands may also be attached directly with ``@sources.command()``.
LAZY_SUBCOMMANDS: dict[str, str] = {"status": "curator.commands.sources_status:status"}


class _SourcesGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_SUBCOMMANDS and cmd_name not in self.commands:
            import importlib

            module_name, attr = LAZY_SUBCOMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_SourcesGroup)
def sources() -> None:
    """Check and manage the sources in sources.yaml (CURATOR_SOURCES_FILE)."""


# --- check -----------------------------------------------------------------------------------


@dataclass
class SourceCheck:
    """What one live check of a source found."""

    source: SourceConfig
    # "ok", "HTTP 404", "blocked", "error", "not a feed", "empty", "parse error", "no items",
    # "disabled", "not checked"
    status: str
    ok: bool
    http_status: int | None = None
    items: int | None = None
    newest: datetime | None = None
    latency: float | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        s = self.source
        return {
            "id": s.id,
            "publisher": s.publisher,
            "kind": s.kind,
            "url": s.url,
            "enabled": s.enabled,
            "verified": s.verified,
            "status": self.status,
            "ok": self.ok,
            "http_status": self.http_status,
            "items": self.items,
            "newest": self.newest.isoformat() if self.newest else None,
            "latency": round(self.latency, 3) if self.latency is not None else None,
            "error": self.error,
            "warnings": list(self.warnings),
        }


def _parse(result: FetchResult, source: SourceConfig, now: datetime) -> ParsedFeed:
    from curator.parse import parse_document

    return parse_document(
        result.content, source=source, url=result.url, headers=result.headers, now=now
    )


def _advertised_feeds(source: SourceConfig, page: FetchResult) -> list[str]:
    """For a ``kind: page`` source: the feeds its page advertises, as a hint (a feed is sturdier
    than selectors, which break with every redesign)."""
    if source.kind != "page" or not page.content:
        return []
    from curator.parse.discover import discover_feeds

    feeds = discover_feeds(page.content, page.url)[:MAX_DISCOVERED]
    if not feeds:
        return []
    listed = ", ".join(f"{f.url} ({f.title})" if f.title else f.url for f in feeds)
    return [
        f"{source.id}: the page advertises {'a feed' if len(feeds) == 1 else 'feeds'}: {listed}; "
        "if one lists these publications, kind: feed with its URL is sturdier than selectors"
    ]


def judge(source: SourceConfig, outcome: FetchResult | FetchError, now: datetime) -> SourceCheck:
    """Turn one fetch outcome into a check row: parse what came back, name what went wrong."""
    from curator.errors import FetchError as BaseFetchError
    from curator.errors import ParseError
    from curator.fetch import BlockedBySite, HTTPStatusError
    from curator.parse.errors import EmptyDocument, NotAFeed

    if isinstance(outcome, BaseFetchError):
        if isinstance(outcome, BlockedBySite):
            return SourceCheck(source, "blocked", False, outcome.status, error=str(outcome))
        if isinstance(outcome, HTTPStatusError):
            return SourceCheck(
                source, f"HTTP {outcome.status}", False, outcome.status, error=str(outcome)
            )
        return SourceCheck(source, "error", False, error=str(outcome))
    check = SourceCheck(source, "ok", True, outcome.status, latency=outcome.elapsed)
    hints = _advertised_feeds(source, outcome)
    try:
        parsed = _parse(outcome, source, now)
    except NotAFeed as exc:
        check.status, check.ok, check.error = "not a feed", False, str(exc)
        return check
    except EmptyDocument as exc:
        check.status, check.ok, check.error = "empty", False, str(exc)
        return check
    except ParseError as exc:
        check.status, check.ok, check.error = "parse error", False, str(exc)
        check.warnings = hints
        return check
    check.items = len(parsed.entries)
    dates = [e.published_at for e in parsed.entries if e.published_at is not None]
    check.newest = max(dates) if dates else None
    check.warnings = [*parsed.warnings, *hints]
    if not parsed.entries:
        check.status, check.ok = "no items", False
        check.error = (
            "the selectors matched nothing" if source.kind == "page" else "the feed has no entries"
        )
    return check


def run_checks(
    configs: Sequence[SourceConfig],
    *,
    on_progress: Callable[[SourceCheck], None] | None = None,
    now: datetime | None = None,
) -> list[SourceCheck]:
    """Fetch every enabled source once (concurrently, under the fetch room's caps) and parse it."""
    from curator.config import get_settings
    from curator.fetch import FetchRequest, FetchSettings, fetch_many

    when = now or datetime.now(UTC)
    by_id: dict[str, SourceCheck] = {}

    def done(req: FetchRequest, outcome: FetchResult | FetchError) -> None:
        row = judge(req.source, outcome, when)
        by_id[req.source.id] = row
        if on_progress is not None:
            on_progress(row)

    enabled = [c for c in configs if c.enabled]
    fetch_many(
        [FetchRequest(c) for c in enabled],
        FetchSettings.from_settings(get_settings()),
        on_result=done,
    )
    return [
        by_id.get(c.id) or SourceCheck(c, "disabled" if not c.enabled else "error", not c.enabled)
        for c in configs
    ]


def _render_checks(rows: Sequence[SourceCheck]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Source check", show_lines=False)
    table.add_column("id", overflow="fold")
    table.add_column("status")
    table.add_column("items", justify="right")
    table.add_column("newest item")
    table.add_column("latency", justify="right")
    table.add_column("verified")
    table.add_column("problem", overflow="fold")
    for r in rows:
        style = "green" if r.ok and r.status == "ok" else ("dim" if r.ok else "red")
        table.add_row(
            Text(r.source.id),
            Text(r.status, style=style),
            "" if r.items is None else str(r.items),
            r.newest.strftime("%Y-%m-%d") if r.newest else "",
            "" if r.latency is None else f"{r.latency * 1000:.0f} ms",
            "yes" if r.source.verified else "no",
            Text("; ".join(_without_id(m, r.source.id) for m in [r.error, *r.warnings] if m)),
        )
    _console().print(table)


@sources.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True, help="Only validate the file; fetch nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--markdown",
    is_flag=True,
    help="Print a Markdown table of what needs an admin (id, publisher, url, status, problem, "
    "what to do), to paste into a ticket.",
)
@click.pass_context
def check(
    ctx: click.Context, file: Path | None, offline: bool, as_json: bool, markdown: bool
) -> None:
    """Validate FILE (default: CURATOR_SOURCES_FILE or sources.yaml) and fetch every enabled
    source once. Exit 0 only when the file is valid and every source fetched and parsed.

    Never changes FILE: `verified: true` is for an admin to set by hand."""
    import json

    from curator.sources import SourcesError, load_sources

    if as_json and markdown:
        raise click.UsageError("--json and --markdown are two ways to print the result: pick one")
    path = _sources_file(file)
    try:
        configs = load_sources(path)
    except SourcesError as exc:
        _echo_problems(exc.problems)
        if markdown:
            from curator.commands.sources_markdown import problems_markdown

            click.echo(problems_markdown(path, exc.problems))
        if as_json:
            doc = {
                "file": str(path),
                "valid": False,
                "ok": False,
                "problems": [_problem_json(p) for p in exc.problems],
                "sources": [],
            }
            click.echo(json.dumps(doc, indent=2))
        sys.exit(1)

    enabled = sum(1 for c in configs if c.enabled)
    if offline:
        rows = [SourceCheck(c, "not checked", True) for c in configs]
    else:
        rows = _check_with_progress(configs, enabled, show=not (as_json or markdown))
    ok = all(r.ok for r in rows)
    if as_json:
        doc = {
            "file": str(path),
            "valid": True,
            "ok": ok,
            "problems": [],
            "sources": [r.as_json() for r in rows],
        }
        click.echo(json.dumps(doc, indent=2))
    elif markdown:
        from curator.commands.sources_markdown import checks_markdown

        click.echo(checks_markdown(path, rows, offline=offline))
    elif not offline:
        _render_checks(rows)
    failed = [r for r in rows if not r.ok]
    summary = f"{path}: {len(configs)} sources valid ({enabled} enabled)"
    if not offline:
        summary += f"; {enabled - len(failed)} fetched and parsed, {len(failed)} failed"
    click.echo(summary, err=True)
    if not ok:
        sys.exit(1)


def _check_with_progress(
    configs: Sequence[SourceConfig], enabled: int, *, show: bool
) -> list[SourceCheck]:
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    if not (show and console.is_terminal):
        return run_checks(configs)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking sources", total=enabled)
        return run_checks(configs, on_progress=lambda _row: progress.advance(task))


# --- add -------------------------------------------------------------------------------------


def _show_candidates(cands: Sequence[Candidate]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Feeds found")
    table.add_column("#", justify="right")
    table.add_column("feed title", overflow="fold")
    table.add_column("url", overflow="fold")
    table.add_column("entries", justify="right")
    table.add_column("newest entry", overflow="fold")
    for i, c in enumerate(cands, start=1):
        newest = Text(c.error, style="red") if c.error else Text(c.newest_title or "")
        table.add_row(
            str(i),
            Text(c.title or ""),
            Text(c.url),
            str(c.entries) if c.error is None or c.entries else "",
            newest,
        )
    _console().print(table)


class _TerminalChoices:
    """Show what was found as tables; on a terminal (without --yes), ask."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def show(self, candidates: Sequence[Candidate]) -> None:
        _show_candidates(candidates)

    def pick(self, usable: Sequence[Candidate], candidates: Sequence[Candidate]) -> Candidate:
        if not self.interactive:
            return usable[0]
        numbers = [list(candidates).index(c) + 1 for c in usable]
        pick = click.prompt(
            "Which feed?",
            type=click.Choice([str(n) for n in numbers]),
            default=str(numbers[0]),
        )
        return candidates[int(pick) - 1]

    def publisher(self, suggested: str | None) -> str | None:
        if not self.interactive:
            return suggested
        name: str = click.prompt("Publisher (as the digest prints it)", default=suggested or None)
        return name

    def confirm(self, source_id: str, publisher: str, path: Path) -> bool:
        if not self.interactive:
            return True
        return click.confirm(f"Add source '{source_id}' ({publisher}) to {path}?", default=True)


def _parse_selectors(values: Sequence[str]) -> dict[str, str]:
    from curator.sources import REQUIRED_SELECTOR_KEYS, SELECTOR_KEYS

    out: dict[str, str] = {}
    for value in values:
        key, sep, css = value.partition("=")
        key = key.strip()
        if not sep or key not in SELECTOR_KEYS or not css.strip():
            raise click.BadParameter(
                f"'{value}': use KEY=CSS with KEY one of {', '.join(SELECTOR_KEYS)}",
                param_hint="--selector",
            )
        out[key] = css.strip()
    missing = [k for k in REQUIRED_SELECTOR_KEYS if k not in out]
    if missing:
        raise click.BadParameter(
            f"a page source needs {', '.join(f'--selector {k}=CSS' for k in missing)}",
            param_hint="--selector",
        )
    return out


def _check_every(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from curator.sources import parse_interval

    if value is None:
        return None
    try:
        parse_interval(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@sources.command()
@click.argument("url")
@click.option("--id", "source_id", help="Id (slug) of the new source; suggested from the URL.")
@click.option("--publisher", help="Publisher name as the digest prints it; default: feed title.")
@click.option(
    "--kind",
    type=click.Choice(["feed", "page"]),
    help="feed (default: found by fetching URL) or page (needs --selector).",
)
@click.option("--every", callback=_check_every, help="Check interval, e.g. 30m, 1h, 1d.")
@click.option("--sector-hint", type=click.Choice(list(SECTORS)), help="Prior for the classifier.")
@click.option(
    "--selector",
    "selectors",
    multiple=True,
    metavar="KEY=CSS",
    help="For --kind page: item=, title=, link= (required), date=, summary=.",
)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sources file (default: CURATOR_SOURCES_FILE or sources.yaml).",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask: take the first feed found and add it.")
def add(
    url: str,
    source_id: str | None,
    publisher: str | None,
    kind: str | None,
    every: str | None,
    sector_hint: str | None,
    selectors: tuple[str, ...],
    file: Path | None,
    yes: bool,
) -> None:
    """Fetch URL and add it to the sources file as a new source (verified: false).

    A feed URL is added as it is. For a web page, the feeds it advertises are fetched and shown,
    and the first that works is added (on a terminal you are asked which). Comments and layout of
    the file are kept; a URL or id already in the file is refused.
    """
    from curator.config import get_settings
    from curator.sources import url_problem
    from curator.sources_add import AddRequest, NotAdded, add_source

    path = _sources_file(file)
    page_selectors = _parse_selectors(selectors) if kind == "page" else None
    if selectors and kind != "page":
        raise click.BadParameter(
            "--selector only applies with --kind page", param_hint="--selector"
        )
    bad = url_problem(url)
    if bad:
        raise click.BadParameter(bad, param_hint="URL")
    request = AddRequest(
        url=url,
        path=path,
        source_id=source_id,
        publisher=publisher,
        kind=kind,
        every=every,
        sector_hint=sector_hint,
        selectors=page_selectors,
    )
    try:
        added = add_source(request, get_settings(), _TerminalChoices(_interactive() and not yes))
    except NotAdded as exc:
        if exc.problems:
            _echo_problems(exc.problems)
        _fail(str(exc))
    click.echo(
        f"Added source '{added.source_id}' ({added.publisher}) to {path}:{added.line} with "
        "verified: false; check it with `curator sources check` and set verified: true once it "
        "is right."
    )
