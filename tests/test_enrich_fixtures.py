"""Every enrich fixture case read through the real service (loopback server, fetcher, parser
process) gives the proposal written beside it, and every sentence it proposes is in the text of
the documents it was read from.

``PULSE_REGENERATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_enrich_fixtures.py`` writes
the ``expected`` of every case again after a deliberate change (review the diff)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from curator.enrich.text import clean, sentences
from curator.parse.pool import ParsePool
from tests.support.enrich import CASES, ENRICH, load_case, run_case
from tests.support.httpserver import LocalServer

REGENERATE = os.environ.get("PULSE_REGENERATE_EXPECTED") == "1"


@pytest.fixture(scope="module")
def pool() -> Iterator[ParsePool]:
    with ParsePool(1, timeout=30) as p:
        yield p


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_gives_its_expected_proposal(path: Path, server: LocalServer, pool: ParsePool) -> None:
    case = load_case(path)
    got = run_case(server, pool, case)
    if REGENERATE:
        case["expected"] = got
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == case["expected"]


def source_text(file: str) -> str:
    """The text of a fixture document, read independently of the reader: a page's visible text
    and its meta descriptions; a Content API item's description and body; a PDF's text as
    make_pdfs.py wrote it (pdf-text.json)."""
    path = ENRICH / file
    if file.endswith(".pdf"):
        specs = json.loads((ENRICH / "pdf-text.json").read_text(encoding="utf-8"))["pdfs"]
        spec = next((s for s in specs if s["file"] == path.name), None)
        return "" if spec is None else " ".join(typeset_text(t) for _kind, t in spec["blocks"])
    if file.endswith(".json"):
        item = json.loads(path.read_text(encoding="utf-8"))
        body = item.get("details", {}).get("body") or "<p></p>"
        text = lxml.html.fromstring(body).text_content()
        return f"{item.get('description') or ''} {text}"
    tree = lxml.html.fromstring(path.read_bytes())
    metas = " ".join(m.get("content") or "" for m in tree.iter("meta"))
    return f"{metas} {tree.text_content()}"


def typeset_text(text: str) -> str:
    """A block of pdf-text.json as it reads: a typeset block's hyphenation (a soft hyphen
    before a line break) joins its word, a hyphen before a break stays the word's, and its
    footnote marks ("[^1]") are not read."""
    text = text.replace("\u00ad\n", "").replace("-\n", "-")
    return re.sub(r"\[\^\d+\]", "", text)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_proposed_sentence_is_in_the_source(path: Path) -> None:
    case = load_case(path)
    expected: dict[str, Any] = case["expected"]
    if "error" in expected:
        return
    source = clean(" ".join(source_text(file) for file, _type in case["routes"].values()))
    proposed = [expected["summary"] or "", *expected["key_findings"]]
    quoted = [s for text in proposed for s in sentences(text)]
    missing = [s for s in quoted if s not in source]
    assert not missing, f"{path.name}: not in the source text: {missing}"
    assert quoted or expected["missing"], "nothing proposed and no reason given"
