"""The ``curator`` command. Thin: parses arguments and calls the packages (ARCHITECTURE.md
has the map).

Sub-commands are loaded lazily (click's LazyGroup pattern) so that ``curator --help`` stays fast:
each command module imports its heavy dependencies inside the command function.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from curator import __version__

#: command name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "run": "curator.commands.run:run",
    "poll": "curator.commands.poll:poll",
    "sources": "curator.commands.sources:sources",
    "classify": "curator.commands.classify:classify",
    "train": "curator.commands.classify:train",
    "eval": "curator.commands.classify:eval_",
    "review": "curator.commands.review:review",
    "find": "curator.commands.find:find",
    "decisions": "curator.commands.decisions:decisions",
    "slack": "curator.commands.slack:slack",
    "edition": "curator.commands.edition:edition",
    "draft": "curator.commands.edition:draft",
    "item": "curator.commands.item:item",
}


def _available(name: str) -> bool:
    module = COMMANDS[name].split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *(n for n in COMMANDS if _available(n))])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and _available(cmd_name):
            module_name, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="curator")
def cli() -> None:
    """Pulse Curator: watch publishers, classify, triage in Slack, draft the edition.

    Settings come from CURATOR_* and SLACK_* environment variables (see the README).
    With none set it uses SQLite at ./data/curator.db and the model in ./models.
    """


def main() -> None:
    from curator.errors import CuratorError

    try:
        rv = cli.main(standalone_mode=False)
        # In this mode click returns ctx.exit(n)'s code instead of exiting with it.
        if isinstance(rv, int):
            sys.exit(rv)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except CuratorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
