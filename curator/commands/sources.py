"""``curator sources``: check and add watched sources.

Thin: parses arguments and prints. ``check`` calls :mod:`curator.sources.check` (and
:mod:`curator.sources.report` for ``--markdown``); ``add`` calls :mod:`curator.sources.add`, the
same path as ``/pulse sources add``; tables and questions are in
:mod:`curator.commands.sources_show`. Heavy imports live inside the functions so
``curator --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from curator.records import SECTORS

if TYPE_CHECKING:
    from curator.records import SourceConfig
    from curator.sources.check import SourceCheck
    from curator.sources.model import Problem


def _sources_file(file: Path | None) -> Path:
    if file is not None:
        return file
    from curator.config import get_settings

    return get_settings().sources_file


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _echo_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    n = len(problems)
    click.echo(f"{n} problem{'s' if n != 1 else ''} found", err=True)


#: More ``curator sources`` sub-commands living in other modules, loaded only when used:
#: name -> "module:attribute" (e.g. ``"status": "curator.commands.source_status:status"``).
#: Commands may also be attached directly with ``@sources.command()``.
LAZY_SUBCOMMANDS: dict[str, str] = {
    "status": "curator.commands.sources_status:status",
    "apply-rules": "curator.commands.sources_rules:apply_rules_command",
    "suggest-rules": "curator.commands.sources_suggest:suggest_rules_command",
    "skip": "curator.commands.sources_rules:skip_command",
    "disable": "curator.commands.sources_toggle:disable_command",
    "enable": "curator.commands.sources_toggle:enable_command",
}


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
def check(file: Path | None, offline: bool, as_json: bool, markdown: bool) -> None:
    """Validate FILE (default: CURATOR_SOURCES_FILE or sources.yaml) and fetch every enabled
    source once. Exit 0 only when the file is valid and every source fetched and parsed.

    Never changes FILE: `verified: true` is for an admin to set by hand."""
    import json

    from curator.sources import SourcesError, load_sources, report
    from curator.sources import check as checking

    if as_json and markdown:
        raise click.UsageError("--json and --markdown are two ways to print the result: pick one")
    path = _sources_file(file)
    try:
        configs = load_sources(path)
    except SourcesError as exc:
        _echo_problems(exc.problems)
        if markdown:
            click.echo(report.problems_markdown(path, exc.problems))
        if as_json:
            click.echo(json.dumps(checking.problems_json(path, exc.problems), indent=2))
        sys.exit(1)

    enabled = sum(1 for c in configs if c.enabled)
    if offline:
        rows = checking.not_checked(configs)
    else:
        rows = _check_with_progress(configs, enabled, show=not (as_json or markdown))
    if as_json:
        click.echo(json.dumps(checking.checks_json(path, rows), indent=2))
    elif markdown:
        click.echo(report.checks_markdown(path, rows, offline=offline))
    elif not offline:
        from curator.commands.sources_show import print_checks

        print_checks(rows)
    failed = [r for r in rows if not r.ok]
    noun = "source" if len(configs) == 1 else "sources"
    summary = f"{path}: {len(configs)} {noun} valid ({enabled} enabled)"
    if not offline:
        summary += f"; {enabled - len(failed)} fetched and parsed, {len(failed)} failed"
    click.echo(summary, err=True)
    if failed:
        sys.exit(1)


def _check_with_progress(
    configs: Sequence[SourceConfig], enabled: int, *, show: bool
) -> list[SourceCheck]:
    from rich.console import Console
    from rich.progress import Progress

    from curator.sources.check import run_checks

    console = Console(stderr=True)
    if not (show and console.is_terminal):
        return run_checks(configs)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking sources", total=enabled)
        return run_checks(configs, on_progress=lambda _row: progress.advance(task))


# --- add -------------------------------------------------------------------------------------


def _parse_selectors(values: Sequence[str], without_selectors: bool) -> dict[str, str] | None:
    """``--selector KEY=CSS`` values of a ``--kind page`` source; None to read it without."""
    from curator.sources import REQUIRED_SELECTOR_KEYS, SELECTOR_KEYS

    if without_selectors:
        if values:
            raise click.BadParameter(
                "--without-selectors and --selector contradict each other: pick one",
                param_hint="--selector",
            )
        return None
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
            f"a page source needs {', '.join(f'--selector {k}=CSS' for k in missing)}, "
            "or --without-selectors to have the page read without them",
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
@click.option(
    "--publisher",
    help="Publisher name as the digest prints it; default: from the feed's (or page's) title.",
)
@click.option(
    "--kind",
    type=click.Choice(["feed", "page"]),
    help="feed (default: found by fetching URL) or page (needs --selector or --without-selectors).",
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
    "--without-selectors",
    is_flag=True,
    help="A page that advertises no feed (or any page, with --kind page) is added as kind: page "
    "read without selectors; the first publications found are shown. Without this flag you "
    "are asked on a terminal, and nothing is added elsewhere.",
)
@click.option(
    "--file",
    "--sources",
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
    without_selectors: bool,
    file: Path | None,
    yes: bool,
) -> None:
    """Fetch URL and add it to the sources file as a new source (verified: false).

    A feed URL is added as it is. For a web page, the feeds it advertises are fetched and shown,
    and the first that works is added (on a terminal you are asked which). A page that
    advertises no feed is read without selectors and the first publications found are shown;
    it is added as a page source if you accept (or with --without-selectors). Comments and
    layout of the file are kept; a URL or id already in the file is refused.
    """
    from curator.commands.sources_show import TerminalChoices
    from curator.config import get_settings
    from curator.sources import url_problem
    from curator.sources.add import AddRequest, NotAdded, add_source
    from curator.sources.model import ID_RE
    from curator.sources.urls import slug

    path = _sources_file(file)
    page_selectors = _parse_selectors(selectors, without_selectors) if kind == "page" else None
    if selectors and kind != "page":
        raise click.BadParameter(
            "--selector only applies with --kind page", param_hint="--selector"
        )
    if without_selectors and kind == "feed":
        raise click.BadParameter(
            "--without-selectors is for pages; a feed needs no selectors",
            param_hint="--without-selectors",
        )
    bad = url_problem(url)
    if bad:
        raise click.BadParameter(bad, param_hint="URL")
    if source_id is not None and not ID_RE.match(source_id):
        # Said before fetching, not as a problem on a line of a file that was never written.
        raise click.BadParameter(
            f"'{source_id}' is not a valid id; use lower-case letters, digits, '-' and '_' "
            f"(e.g. '{slug(source_id) or 'my-source'}')",
            param_hint="--id",
        )
    request = AddRequest(
        url=url,
        path=path,
        source_id=source_id,
        publisher=publisher,
        kind=kind,
        every=every,
        sector_hint=sector_hint,
        selectors=page_selectors,
        without_selectors=without_selectors,
    )
    try:
        added = add_source(request, get_settings(), TerminalChoices(_interactive() and not yes))
    except NotAdded as exc:
        if exc.problems:
            _echo_problems(exc.problems)
        _fail(str(exc))
    how = " (a page read without selectors)" if added.kind == "page" and not selectors else ""
    click.echo(
        f"Added source '{added.source_id}' ({added.publisher}){how} to {path}:{added.line} with "
        "verified: false; check it with `curator sources check` and set verified: true once it "
        "is right."
    )
