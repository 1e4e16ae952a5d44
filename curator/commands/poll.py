"""``curator poll``: one pass over the due sources."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator.commands.common import sources_option

if TYPE_CHECKING:
    from curator.config import Settings
    from curator.pipeline import Poller, PollReport
    from curator.records import SourceConfig


@click.command()
@sources_option
@click.option(
    "--source",
    "source_ids",
    multiple=True,
    metavar="ID",
    help="poll only this source, now, due or not (repeatable)",
)
@click.option(
    "--all",
    "poll_all",
    is_flag=True,
    help="poll every enabled source now, due or not (a blocked one, or one whose server asked "
    "to wait, only when due)",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object with the results")
def poll(
    sources_file: Path | None, source_ids: tuple[str, ...], poll_all: bool, as_json: bool
) -> None:
    """Fetch the due sources once, store new publications, classify and queue candidates.

    Exits 0 when the pass completed, even if some sources failed (they are listed)."""
    from curator.commands.common import engine, load_sources_or_exit, only_sources, settings
    from curator.normalise.text import counted
    from curator.pipeline import Poller

    path, in_file = load_sources_or_exit(sources_file)
    sources = only_sources(path, in_file, source_ids)
    # Renames are told from the sources file in force only: polled with a trial file, every
    # source of the database missing from it would look renamed, and lose its history to it.
    in_force = path.resolve() == settings().sources_file.resolve()
    with Poller(engine(), settings()) as poller:
        # --all leaves a blocked source to its daily check and one whose server asked to wait
        # (429, 503) to its Retry-After or backoff; naming it with --source asks now.
        report = _poll(
            poller,
            sources,
            in_file if in_force else None,
            force=poll_all or bool(source_ids),
            force_blocked=bool(source_ids),
            as_json=as_json,
        )

    skipped = [s.id for s in sources if source_ids and not s.enabled]
    if as_json:
        json.dump(report.as_json(), sys.stdout)
        sys.stdout.write("\n")
        # stdout stays one object; why nothing (or not everything) was polled goes to stderr
        if report.sources == 0:
            why = nothing_polled(path, sources, named=bool(source_ids), poll_all=poll_all)
            click.echo(why, err=True)
        else:
            _say_not_polled(skipped, path)
        _say_offline(report)
        return
    if report.sources == 0:
        click.echo(nothing_polled(path, sources, named=bool(source_ids), poll_all=poll_all))
        _say_warnings(report)  # a rename carried over is said once, due or not
        return
    click.echo(
        f"Polled {counted(report.sources, 'source')}: "
        f"{report.ok} ok, {report.not_modified} not modified, "
        f"{report.failed} failed; {counted(report.new_items, 'new item')} ({report.candidates} for "
        f"editors: {counted(report.cards, 'card')}, {report.digest} in the digest; {report.quiet} "
        "quiet), "
        f"{report.duplicates} already seen."
        + (
            f" {report.described} came without a summary and were given their page's description."
            if report.described
            else ""
        )
        + (
            f" {report.ruled_quiet} kept quiet by their sources' skip/keep rules."
            if report.ruled_quiet
            else ""
        )
        + (
            f" {report.reopened} kept quiet by another source's rules were listed by a source"
            " whose rules let them through, and queued for the editors."
            if report.reopened
            else ""
        )
    )
    _say_not_polled(skipped, path)
    _say_warnings(report)
    _say_offline(report)
    for e in report.errors:
        click.echo(f"failed: {e['error']}", err=True)
    if report.candidates or report.reopened:
        click.echo(waiting_hint(report, settings()))


def waiting_hint(report: PollReport, settings: Settings) -> str:
    """Where the pass's candidates go next: without Slack, `curator review`; with it, cards to
    the outbox and digest items to the day's roll-up, each with the command that posts it now
    (a digest item is not posted with the cards)."""
    from curator.normalise.text import counted

    if not settings.slack_enabled:
        return "Candidates wait for the editors: `curator review`."
    hour, minute = settings.digest_at
    where = []
    if report.cards:
        where.append(
            f"{counted(report.cards, 'card')} to be posted to Slack (by `curator run`, or now "
            "by `curator slack post`)"
        )
    if report.digest:
        where.append(
            f"{report.digest} in the digest, listed in the day's roll-up at {hour:02d}:{minute:02d}"
            f" {settings.timezone} (`curator slack post --digest` posts it now)"
        )
    if report.reopened:
        where.append(
            f"{report.reopened} kept quiet by another source's rules, now a card or a line of "
            "the next roll-up"
        )
    return "Candidates wait for the editors: " + "; ".join(where) + "."


def _say_not_polled(skipped: list[str], path: Path) -> None:
    """On stderr: the sources named with --source that are disabled, so not polled."""
    if skipped:
        click.echo(f"not polled: {', '.join(map(repr, skipped))}: disabled in {path}", err=True)


def _say_warnings(report: PollReport) -> None:
    """On stderr: the report's warnings, one a line."""
    for line in report.warning_lines():
        click.echo(f"warning: {line}", err=True)


def _say_offline(report: PollReport) -> None:
    """On stderr: the line saying the machine looks offline, when the report says so."""
    offline = report.offline()
    if offline:
        click.echo(f"warning: {offline}", err=True)


def nothing_polled(path: Path, sources: list[SourceConfig], *, named: bool, poll_all: bool) -> str:
    """Why a pass claimed no source: not due, disabled, blocked, or held by another worker (a
    forced pass claims every other one)."""
    if not (named or poll_all):
        return "No source is due. `curator poll --all` polls every enabled source now."
    disabled = [s.id for s in sources if not s.enabled]
    enabled = [s.id for s in sources if s.enabled]
    reasons = []
    if named and disabled:
        reasons.append(f"{', '.join(map(repr, disabled))}: disabled in {path} (enabled: false)")
    if named and enabled:
        reasons.append(
            f"{', '.join(map(repr, enabled))}: being polled by another worker right now "
            "(`curator run`?); `curator sources status` shows the outcome"
        )
    if poll_all:
        reasons.append(
            f"every enabled source in {path} is blocked (checked once a day), waiting because "
            "its server asked (HTTP 429 or 503), or being polled by another worker right now; "
            "`curator sources status` says which, and `curator poll --source ID` asks one now"
            if enabled
            else f"no source is enabled in {path}"
        )
    return "Nothing polled: " + "; ".join(reasons) + "."


def _poll(
    poller: Poller,
    sources: list[SourceConfig],
    in_file: list[SourceConfig] | None,
    *,
    force: bool,
    force_blocked: bool,
    as_json: bool,
) -> PollReport:
    """One pass, with a progress bar on a terminal."""
    from curator.commands.common import err_console

    console = err_console()
    show_progress = console.is_terminal and not as_json

    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(
            TextColumn("polling"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),  # a source's outcome, as text
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=0)
            report = poller.poll(
                sources,
                force=force,
                force_blocked=force_blocked,
                in_file=in_file,
                on_start=lambda n: progress.update(task, total=n),
                on_progress=lambda src, outcome: progress.update(
                    task, advance=1, description=f"{src.id}: {outcome}"
                ),
            )
    else:
        report = poller.poll(sources, force=force, force_blocked=force_blocked, in_file=in_file)
    return report
