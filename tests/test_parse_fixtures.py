"""Every captured document in tests/fixtures/feeds and pages/ is parsed and compared with the
expected result beside it (``<name>.expected.json``, reader/feedparser style: the fixture is the
spec). The input side of each expectation (feed URL, headers, "now", and the selectors for pages)
is in the same file.

To regenerate after a deliberate change, run
``PULSE_REGENERATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_parse_fixtures.py`` and
review the diff of the ``.expected.json`` files before committing them.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from curator.errors import ParseError
from curator.parse import parse_document
from curator.records import Entry, PageSelectors, ParsedFeed, SourceConfig
from tests.conftest import FIXTURES

#: How many entries an expectation spells out; longer feeds also pin the count.
MAX_LISTED = 25
REGENERATE = os.environ.get("PULSE_REGENERATE_EXPECTED") == "1"

DOCUMENTS = sorted(
    p
    for folder in ("feeds", "pages")
    for p in (FIXTURES / folder).iterdir()
    if p.is_file() and not p.name.endswith(".expected.json")
)


def expected_path(doc: Path) -> Path:
    return doc.with_name(doc.name + ".expected.json")


def entry_to_json(entry: Entry) -> dict[str, Any]:
    return {
        "url": entry.url,
        "original_url": entry.original_url,
        "title": entry.title,
        "document_type": entry.document_type,
        "summary": entry.summary,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "govuk_path": entry.govuk_path,
        "guid": entry.guid,
        "categories": list(entry.categories),
        "source_id": entry.source_id,
        "publisher": entry.publisher,
    }


def result_to_json(parsed: ParsedFeed) -> dict[str, Any]:
    return {
        "title": parsed.title,
        "entry_count": len(parsed.entries),
        "entries": [entry_to_json(e) for e in parsed.entries[:MAX_LISTED]],
        "warnings": list(parsed.warnings),
    }


def default_input(doc: Path) -> dict[str, Any]:
    return {
        "source": {"id": "fixture", "publisher": "Fixture Publisher", "kind": "feed"},
        "url": f"https://publisher.example/feeds/{doc.name}",
        "headers": {},
        "now": "2026-11-26T12:00:00+00:00",
    }


def run(doc: Path, given: dict[str, Any]) -> dict[str, Any]:
    src = given["source"]
    selectors = PageSelectors(**src["selectors"]) if src.get("selectors") else None
    source = SourceConfig(
        id=src["id"],
        publisher=src["publisher"],
        kind=src["kind"],
        url=given["url"],
        selectors=selectors,
    )
    try:
        parsed = parse_document(
            doc.read_bytes(),
            source=source,
            url=given["url"],
            headers=given["headers"],
            now=datetime.fromisoformat(given["now"]),
        )
    except ParseError as exc:
        return {"raises": type(exc).__name__, "message": str(exc)}
    return result_to_json(parsed)


def test_every_document_has_an_expectation() -> None:
    missing = [d.name for d in DOCUMENTS if not expected_path(d).exists()]
    assert REGENERATE or not missing, f"no .expected.json beside {missing}"
    orphans = [
        p.name
        for folder in ("feeds", "pages")
        for p in (FIXTURES / folder).glob("*.expected.json")
        if not p.with_name(p.name.removesuffix(".expected.json")).exists()
    ]
    assert not orphans


#: Documents this large take seconds through feedparser on a busy machine.
SLOW_BYTES = 500_000
CASES = [
    pytest.param(d, id=d.name, marks=[pytest.mark.slow] if d.stat().st_size > SLOW_BYTES else [])
    for d in DOCUMENTS
]


@pytest.mark.parametrize("doc", CASES)
def test_document_parses_as_expected(doc: Path) -> None:
    path = expected_path(doc)
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    given = stored["input"] if stored else default_input(doc)
    got = run(doc, given)
    if REGENERATE:
        path.write_text(
            json.dumps({"input": given, "expected": got}, ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        return
    assert stored is not None
    assert got == stored["expected"]
