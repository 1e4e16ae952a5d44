"""Documentation is part of the product (datasette style): these fail when it drifts."""

from __future__ import annotations

import re

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
