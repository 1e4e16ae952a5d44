"""``curator sources apply-rules``: the sources' skip/keep rules applied to the candidates already
waiting for the editors (new items get them as they are polled)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from curator.rules import RULE_FIELDS


@click.command("apply-rules")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="only this source")
@click.option("--dry-run", is_flag=True, help="list what the rules catch; move nothing")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def apply_rules_command(
    file: Path | None, source_ids: tuple[str, ...], dry_run: bool, as_json: bool
) -> None:
    """Move the waiting candidates that the sources' skip/keep rules catch to the quiet lane.

    Rules apply to new items as they are polled; after adding one, this applies it to what
    already waits. Each item keeps the rule that caught it (`curator find` shows it); its card,
    if already in Slack, is redrawn without buttons. Exits 0, or 2 on an invalid sources file
    or an unknown --source."""
    from curator.commands.common import engine, load_sources_or_exit, only_sources, settings
    from curator.slack.ruled import apply_rules

    path, sources = load_sources_or_exit(file)
    sources = only_sources(path, sources, source_ids)
    conf = settings()
    client = None
    if conf.slack_bot_token and not dry_run:
        from curator.slack.outbox import make_client

        client = make_client(conf)
    report = apply_rules(engine(create=False), sources, client, dry_run=dry_run)
    if as_json:
        out = {
            "dry_run": dry_run,
            "caught": len(report.caught),
            "moved": report.moved,
            "by_source": report.by_source(),
            "redrawn": report.redrawn,
            "failed": report.failed,
            "items": [c.as_json() for c in report.caught],
        }
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return
    if not any(s.skip or s.keep for s in sources):
        click.echo(f"No source in {path} has skip or keep rules: nothing to apply.")
        return
    for c in report.caught:
        click.echo(f"{c.source_id}: #{c.item_id} {c.title} ({c.rule})")
    counts = ", ".join(f"{sid} {n}" for sid, n in sorted(report.by_source().items()))
    if dry_run:
        click.echo(
            f"{len(report.caught)} waiting candidates the rules would keep quiet"
            + (f" ({counts})" if counts else "")
            + "; nothing moved (--dry-run)."
        )
        return
    failed = f", {report.failed} could not be redrawn (they keep their buttons)"
    click.echo(
        f"Moved {report.moved} waiting candidates to the quiet lane"
        + (f" ({counts})" if counts else "")
        + (f"; redrew {report.redrawn} cards in Slack" if client is not None else "")
        + (failed if report.failed else "")
        + "."
    )


@click.command("skip")
@click.argument("source_id", metavar="ID")
@click.argument("field", type=click.Choice(RULE_FIELDS))
@click.argument("pattern")
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(path_type=Path),
    default=None,
    help="sources file (default: $CURATOR_SOURCES_FILE or sources.yaml)",
)
@click.option("--no-apply", is_flag=True, help="leave the candidates already waiting as they are")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def skip_command(
    source_id: str,
    field: str,
    pattern: str,
    sources_file: Path | None,
    no_apply: bool,
    as_json: bool,
) -> None:
    """Add a skip rule to source ID in the sources file: new items whose FIELD (title, summary,
    url or type) matches PATTERN (RE2, case aside) are kept quiet from the next poll. Then the
    candidates already waiting that the source's rules catch move to the quiet lane, as
    `curator sources apply-rules` does (not with --no-apply).

    Comments and layout of the file are kept, and the file is validated before it is written:
    a bad pattern or an unknown ID changes nothing (exit 2). `curator sources suggest-rules`
    proposes rules from the editors' decisions."""
    from curator.commands.common import engine, settings
    from curator.slack.ruled import add_skip_rule
    from curator.sources import SourcesError

    conf = settings()
    path = sources_file or conf.sources_file
    client = None
    if conf.slack_bot_token and not no_apply:
        from curator.slack.outbox import make_client

        client = make_client(conf)
    try:
        store = None if no_apply else engine()  # --no-apply needs no database
        done = add_skip_rule(store, path, source_id, field, pattern, client, apply=not no_apply)
    except SourcesError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc
    if as_json:
        json.dump(done.as_json(), sys.stdout)
        sys.stdout.write("\n")
        return
    click.echo(done.text(path).replace("`", ""))
