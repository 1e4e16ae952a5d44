"""curator.parse.fingerprint: the same document parsed the same way gets the same fingerprint;
anything that could change what parsing gives changes it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from curator.parse.fingerprint import fingerprint
from curator.records import PageSelectors, SourceConfig

PAGE = SourceConfig(
    id="nfer",
    publisher="NFER",
    kind="page",
    url="https://www.nfer.ac.uk/publications/",
    selectors=PageSelectors(item="article", title="h3", link="a"),
)
URL = "https://www.nfer.ac.uk/publications/"
HEADERS = {"Content-Type": "text/html; charset=utf-8", "Date": "Wed, 02 Dec 2026 16:00:00 GMT"}
LISTS = PageSelectors(item="li", title="h3", link="a")
BODY = b"<html><article><h3><a href='/r'>A report</a></h3></article></html>"


def test_the_same_document_parsed_the_same_way_has_the_same_fingerprint() -> None:
    first = fingerprint(PAGE, URL, HEADERS, BODY)
    assert len(first) == 64 and int(first, 16) >= 0
    # headers other than Content-Type (dates, cookies, request ids) change on every answer
    later = {"content-type": "text/html; charset=utf-8", "Date": "Thu, 03 Dec 2026 09:00:00 GMT"}
    assert fingerprint(PAGE, URL, later, BODY) == first


@pytest.mark.parametrize(
    ("source", "url", "headers", "body"),
    [
        (PAGE, URL, HEADERS, BODY + b" "),
        (replace(PAGE, selectors=LISTS), URL, HEADERS, BODY),
        (replace(PAGE, kind="feed", selectors=None), URL, HEADERS, BODY),
        (PAGE, URL + "?page=1", HEADERS, BODY),
        (PAGE, URL, {"Content-Type": "text/html; charset=windows-1252"}, BODY),
        (PAGE, URL, {}, BODY),
    ],
    ids=["body", "selectors", "kind", "final-url", "charset", "no-content-type"],
)
def test_anything_that_changes_the_parse_changes_the_fingerprint(
    source: SourceConfig, url: str, headers: dict[str, str], body: bytes
) -> None:
    assert fingerprint(source, url, headers, body) != fingerprint(PAGE, URL, HEADERS, BODY)


def test_a_new_release_parses_every_document_once_more(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(PAGE, URL, HEADERS, BODY)
    from curator.parse import fingerprint as module

    monkeypatch.setattr(module, "PARSE_FORMAT", module.PARSE_FORMAT + 1)
    assert fingerprint(PAGE, URL, HEADERS, BODY) != before
