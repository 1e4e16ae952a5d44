"""``curator slack``: ``serve`` (HTTP mode), ``socket`` (Socket Mode) and ``post`` (drain once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from curator.slack.digest import DigestReport
    from curator.store.handles import Engine


def _require(settings: object, *names: str) -> None:
    from curator.errors import SlackError

    missing = [n.upper() for n in names if not getattr(settings, n)]
    if missing:
        raise SlackError(
            f"{', '.join(missing)} not set; see the README's Slack section for where to find "
            "each value in your Slack app's settings"
        )


@click.group()
def slack() -> None:
    """Slack triage: serve interactions and post candidate cards."""


@slack.command()
@click.option("--port", type=int, default=3000, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind (0.0.0.0: every interface, e.g. behind a reverse proxy in a container).",
)
def serve(port: int, host: str) -> None:
    """HTTP mode: answer Slack's requests at /slack/events (signatures verified), and /healthz.

    Served by uvicorn; stops on Ctrl-C or SIGTERM after finishing the requests in hand."""
    from curator.config import get_settings
    from curator.liveness import serve_health_body
    from curator.slack.app import build_app, close_app
    from curator.store.db import open_engine, sqlite_file
    from curator.store.dbfile import DatabaseFile
    from curator.web import SLACK_PATH, WebServer
    from curator.web import build_app as build_web_app

    settings = get_settings()
    _require(settings, "slack_bot_token", "slack_signing_secret")
    engine = open_engine(settings.database_url)
    # /healthz fails once the SQLite file is deleted or replaced: every click is refused then.
    database_file = DatabaseFile.opened(sqlite_file(settings.database_url))
    bolt = build_app(engine, settings)
    try:
        server = WebServer(
            build_web_app(slack=bolt, health=lambda: serve_health_body(database_file.problem())),
            host=host,
            port=port,
            request_timeout=settings.http_request_timeout,
        )
        click.echo(f"listening on {server.url(SLACK_PATH)}", err=True)
        server.serve_forever()
    finally:
        close_app(bolt)
        engine.dispose()


@slack.command("socket")
def socket_mode() -> None:
    """Socket Mode: connect out to Slack (no public URL needed) and handle clicks."""
    import threading

    from curator.config import get_settings
    from curator.slack.app import build_app, close_app
    from curator.slack.socket import start_socket_mode
    from curator.store.db import open_engine

    settings = get_settings()
    _require(settings, "slack_bot_token", "slack_app_token")
    engine = open_engine(settings.database_url)
    handler = start_socket_mode(build_app(engine, settings), settings)
    click.echo("connected to Slack in Socket Mode; Ctrl-C to stop", err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()
        close_app(handler.app)
        engine.dispose()


@slack.command()
@click.option("--max", "max_messages", type=int, default=None, help="Post at most N cards.")
@click.option(
    "--digest",
    is_flag=True,
    help='Post the digest lane\'s roll-up ("Also published today") now, instead of the cards.',
)
def post(max_messages: int | None, digest: bool) -> None:
    """Post waiting candidate cards once (≤ 1 a second) and exit: for cron and tests.

    With --digest, list every digest item not listed yet in the roll-up and post it (nothing to
    list posts nothing)."""
    from curator.config import get_settings
    from curator.slack.outbox import drain, make_client
    from curator.store.db import open_engine

    settings = get_settings()
    _require(settings, "slack_bot_token", "slack_channel")
    assert settings.slack_channel is not None
    engine = open_engine(settings.database_url)
    try:
        if digest:
            from curator.slack.digest import post_digest

            rollup = post_digest(engine, make_client(settings), settings.slack_channel)
            click.echo(rollup_line(rollup))
            failed = rollup.failed
        else:
            report = drain(
                engine, make_client(settings), settings.slack_channel, max_messages=max_messages
            )
            click.echo(
                f"posted {report.posted}, failed {report.failed}, skipped {report.skipped}, "
                f"still waiting {report.remaining}"
            )
            failed = report.failed
            _say_cards_for_review(engine, settings.slack_channel)
    finally:
        engine.dispose()
    if failed:
        raise SystemExit(1)


def _say_cards_for_review(engine: Engine, channel: str) -> None:
    """Say so when cards wait for an editor that no outbox will post: queued while Slack was not
    configured (a trial `curator poll` before the app was installed), they are
    `curator review`'s."""
    from curator.normalise.text import counted
    from curator.store.outbox import cards_never_queued

    with engine.connect() as conn:
        waiting = cards_never_queued(conn, channel)
    if waiting:
        click.echo(
            f"{counted(waiting, 'card')} waiting for an editor "
            f"{'was' if waiting == 1 else 'were'} queued while Slack was not configured (no "
            f"SLACK_BOT_TOKEN or SLACK_CHANNEL) and {'is' if waiting == 1 else 'are'} not "
            f"posted to {channel}: decide them in `curator review`",
            err=True,
        )


def rollup_line(report: DigestReport) -> str:
    """What `curator slack post --digest` did, in one line."""
    from curator.normalise.text import counted

    if not (report.messages or report.failed or report.skipped or report.remaining):
        return "roll-up: no digest item waiting to be listed; nothing posted"
    return (
        f"roll-up: posted {counted(report.messages, 'message')} listing "
        f"{counted(report.items, 'item')}, failed {report.failed}, found already posted "
        f"{report.skipped}, still waiting {report.remaining}"
    )
