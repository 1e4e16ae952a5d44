"""Documentation is part of the product (datasette style): these fail when it drifts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click

from curator.config import Settings
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    m = re.search(r"^TEST_CMD='(.+)'$", ci, re.M)
    assert m, ".ci/run must define TEST_CMD"
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.search(r"```sh\n(.*?)```", quick_start, re.S)
    assert commands
    lines = [ln for ln in commands.group(1).splitlines() if ln.strip()]
    assert len(lines) == 2, "the quick start is exactly two commands"
    assert lines[1] == m.group(1)


def test_every_setting_is_documented() -> None:
    for name, field in Settings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None)
        env = str(aliases[0]) if aliases else f"CURATOR_{name.upper()}"
        assert f"`{env}`" in README, f"{env} is not in the README's Configuration table"


def _commands(command: click.Command, path: list[str]) -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(command)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{' '.join(path)} lists {name!r} but cannot load it"
            yield from _commands(sub, [*path, name])
    else:
        yield " ".join(path), command


def test_every_command_and_its_long_options_are_in_the_readme() -> None:
    from curator.cli import cli

    missing: list[str] = []
    for name, command in _commands(cli, ["curator"]):
        if name not in README:
            missing.append(name)
        for param in command.params:
            spellings = [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
            if spellings and not any(o in README for o in spellings):
                missing.append(f"{name} {spellings[0]}")
    assert not missing, f"not in the README: {missing}"
