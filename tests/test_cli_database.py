"""A command that works on stored data never creates the database it was pointed at: a
mistyped CURATOR_DATABASE_URL, or `curator` run from another directory than `curator run`, is
told so (exit 2) instead of answering "Nothing found" from a new, empty database. Commands that
write (poll, run, item add, edition open, …) still create it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import in_process_cli

SOURCES = """\
sources:
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom
"""

#: (the command, its arguments)
READERS = [
    ("find", "care"),
    ("review", ""),
    ("draft", ""),
    ("decisions export", ""),
    ("edition list", ""),
    ("edition close", "2024-06"),
    ("edition move", "1 --to 2024-07"),
    ("edition edit", "1 --title New"),
    ("item propose", "1"),
    ("sources status", ""),
    ("sources suggest-rules", ""),
    ("sources apply-rules", "--dry-run"),
]


@pytest.mark.parametrize(("command", "args"), READERS, ids=[c for c, _ in READERS])
def test_a_reading_command_refuses_a_database_that_does_not_exist(
    command: str, args: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    missing = tmp_path / "nope" / "dir" / "x.db"
    run = in_process_cli(monkeypatch, tmp_path, CURATOR_DATABASE_URL=f"sqlite:///{missing}")
    result = run(*command.split(), *args.split())
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"error: no database at {missing} (CURATOR_DATABASE_URL=sqlite:///{missing}; "
        f"the folder {missing.parent} does not exist either). `curator {command}` works on "
        "stored data and creates no database: set CURATOR_DATABASE_URL to the database "
        "`curator run` uses, or run `curator poll` first to create this one.\n"
    )
    assert not (tmp_path / "nope").exists()  # nothing created, not even the folder


def test_the_default_database_missing_names_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = in_process_cli(monkeypatch, tmp_path)
    result = run("find", "care")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no database at {tmp_path / 'data' / 'curator.db'} (the default, "
        "sqlite:///./data/curator.db, as CURATOR_DATABASE_URL is not set; the folder "
        f"{tmp_path / 'data'} does not exist either). `curator find` works on stored data and "
        "creates no database: run it in the directory `curator run` runs in, or set "
        "CURATOR_DATABASE_URL to the database that uses, or run `curator poll` first to "
        "create this one.\n"
    )
    assert not (tmp_path / "data").exists()


def test_a_folder_that_exists_is_not_said_to_be_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "x.db"
    run = in_process_cli(monkeypatch, tmp_path, CURATOR_DATABASE_URL=f"sqlite:///{missing}")
    result = run("find", "care")
    assert result.exit_code == 2
    assert f"no database at {missing} (CURATOR_DATABASE_URL=sqlite:///{missing}). " in (
        result.stderr
    )
    assert not missing.exists()


def test_a_writing_command_still_creates_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new" / "curator.db"
    run = in_process_cli(monkeypatch, tmp_path, CURATOR_DATABASE_URL=f"sqlite:///{db}")
    opened = run("edition", "open", "2024-06")
    assert opened.exit_code == 0, opened.output
    assert db.exists()
    # and, once it exists, the reading commands read it, empty or not
    found = run("find", "care")
    assert found.exit_code == 1
    assert found.stderr.startswith("Nothing found for 'care': the database holds no items yet")
    listed = run("edition", "list")
    assert listed.exit_code == 0
    assert "2024-06" in listed.output
