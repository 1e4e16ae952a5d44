"""`curator sources disable|enable ID`: a source turned off and on from the terminal, the file
edited in place (comments kept); before, only Slack could disable one and nothing but an edit by
hand could enable it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.cli import Run, in_process_cli

FILE = """\
# Watched publishers (owner: the admin)
sources:
  - id: dhsc
    publisher: Department of Health and Social Care  # the department itself
    kind: feed
    url: https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom
  - id: moj
    publisher: Ministry of Justice
    kind: feed
    url: https://www.gov.uk/government/organisations/ministry-of-justice.atom
"""


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    (tmp_path / "sources.yaml").write_text(FILE, encoding="utf-8")
    return in_process_cli(monkeypatch, tmp_path, CURATOR_SOURCES_FILE="sources.yaml")


def test_disable_then_enable_a_source_keeps_the_file_as_written(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    off = run("sources", "disable", "dhsc")
    assert off.exit_code == 0, off.output
    assert off.stdout == (
        "Disabled 'dhsc' in sources.yaml: it is not checked from the next poll (a running "
        "curator run reloads the file by itself); its items and history are kept.\n"
    )
    text = path.read_text(encoding="utf-8")
    assert "enabled: false" in text
    assert "# Watched publishers (owner: the admin)" in text and "# the department itself" in text

    again = run("sources", "disable", "dhsc")
    assert (again.exit_code, again.stdout) == (
        0,
        "'dhsc' is already disabled in sources.yaml: nothing changed.\n",
    )
    on = run("sources", "enable", "dhsc")
    assert on.exit_code == 0 and on.stdout.startswith("Enabled 'dhsc' in sources.yaml: its next")
    assert "enabled: true" in path.read_text(encoding="utf-8")
    assert run("sources", "enable", "moj").stdout == (
        "'moj' is already enabled in sources.yaml: nothing changed.\n"
    )


def test_an_unknown_source_changes_nothing_and_names_the_nearest(run: Run, tmp_path: Path) -> None:
    result = run("sources", "disable", "dhs")
    assert result.exit_code == 2
    assert "no source with this id; did you mean 'dhsc'?" in result.stderr
    assert "Nothing changed in sources.yaml." in result.stderr
    assert (tmp_path / "sources.yaml").read_text(encoding="utf-8") == FILE


@pytest.mark.storage
def test_slack_turns_sources_off_and_on_as_the_terminal_does(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # /pulse sources disable had its own words ("Disabled source `dhsc`: it will not be
    # checked until re-enabled.") and its own path, which said so of a source already disabled.
    from tests.test_slack_app import pulse_reply, slack_env

    files = {}
    for side in ("cli", "slack"):
        (tmp_path / side).mkdir()
        files[side] = tmp_path / side / "sources.yaml"
    run = in_process_cli(monkeypatch, tmp_path / "cli", CURATOR_SOURCES_FILE=str(files["cli"]))
    answers = []
    with slack_env(engine, tmp_path / "slack") as env:
        for path in files.values():
            path.write_text(FILE, encoding="utf-8")
        for verb, source_id in [
            ("disable", "dhsc"),
            ("disable", "dhsc"),
            ("disable", "dhs"),
            ("enable", "dhsc"),
            ("enable", "moj"),
        ]:
            result = run("sources", verb, source_id)
            said = (result.stdout or result.stderr).strip().replace(str(files["cli"]), "FILE")
            answer = pulse_reply(env, f"sources {verb} {source_id}", "UADMIN")["text"]
            answers.append(answer.replace(str(files["slack"]), "FILE"))
            assert answers[-1] == said, (verb, source_id)
            assert files["slack"].read_text(encoding="utf-8") == files["cli"].read_text(
                encoding="utf-8"
            )
    assert answers[0].startswith("Disabled 'dhsc' in FILE: it is not checked from the next poll")
    assert answers[1] == "'dhsc' is already disabled in FILE: nothing changed."
    assert answers[2].endswith(
        "no source with this id; did you mean 'dhsc'?\nNothing changed in FILE."
    )
    text = files["slack"].read_text(encoding="utf-8")
    assert "# Watched publishers (owner: the admin)" in text and "# the department itself" in text
