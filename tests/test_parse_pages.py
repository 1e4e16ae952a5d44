"""``kind: page`` sources: listing pages read with CSS selectors, or without them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.errors import ParseError
from curator.parse import parse_document
from curator.parse.errors import EmptyDocument
from curator.parse.pages import validate_selector
from curator.records import PageSelectors, ParsedFeed, SourceConfig
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HMI_URL = "https://www.justiceinspectorates.gov.uk/hmiprobation/inspections/?year=2026"
HMI = PageSelectors(
    item="div.result.inspection", title="h4", link="h4 > a[href]", date="time", summary="p.excerpt"
)


def page_source(selectors: PageSelectors | None, url: str = HMI_URL) -> SourceConfig:
    return SourceConfig(
        id="hmi-probation",
        publisher="HM Inspectorate of Probation",
        kind="page",
        url=url,
        selectors=selectors,
    )


def parse_page(
    name: str,
    selectors: PageSelectors | None,
    *,
    url: str = HMI_URL,
    headers: dict[str, str] | None = None,
) -> ParsedFeed:
    return parse_document(
        (PAGES / name).read_bytes(),
        source=page_source(selectors, url),
        url=url,
        headers=headers or {},
        now=NOW,
    )


def test_listing_items_become_entries() -> None:
    parsed = parse_page("hmiprobation-inspections-listing-built.html", HMI)
    titles = [e.title for e in parsed.entries]
    assert titles == [
        "An inspection of youth justice services in Leeds",
        "An inspection of youth justice services in Cornwall & the Isles of Scilly",
        "A thematic inspection of resettlement services for children leaving custody",
    ]
    cornwall = parsed.entries[1]
    # relative href absolutised against the page URL; tracking parameter gone from the key
    assert cornwall.original_url == (
        "https://www.justiceinspectorates.gov.uk/hmiprobation/inspections/cornwallyjs2026/"
        "?utm_source=listing"
    )
    assert (
        cornwall.url
        == "https://justiceinspectorates.gov.uk/hmiprobation/inspections/cornwallyjs2026"
    )
    assert cornwall.published_at == datetime(2026, 11, 12, tzinfo=UTC)
    assert cornwall.summary == ("Overall rating: Requires improvement. Published 12 November 2026.")
    assert cornwall.publisher == "HM Inspectorate of Probation"
    assert parsed.title == "Inspections – HM Inspectorate of Probation"
    # the result without a link is skipped, and the warning says which one
    assert parsed.warnings == (
        "hmi-probation: entry 4 ('Annual report 2025 to 2026 (coming soon)') has no http(s) "
        "link; skipped",
    )


def test_windows_1252_page_with_base_href_and_dates_in_words() -> None:
    selectors = PageSelectors(
        item="li.post",
        title=".post-title",
        link=".post-title a",
        date=".post-date",
        summary=".post-excerpt",
    )
    parsed = parse_page(
        "howardleague-blog-listing-built.html",
        selectors,
        url="https://howardleague.org/news-views/howard-league-blog/",
        headers={"Content-Type": "text/html"},
    )
    assert [e.published_at for e in parsed.entries] == [
        datetime(2026, 11, 24, tzinfo=UTC),  # "24 November 2026"
        datetime(2026, 11, 3, tzinfo=UTC),  # "Published 3rd November 2026"
        datetime(2026, 10, 28, tzinfo=UTC),  # "28/10/2026", day first
    ]
    third = parsed.entries[2]
    assert third.title == "Why short sentences don’t work"
    assert "families – and" in third.summary
    # resolved against <base href>, not the page URL
    assert parsed.entries[0].original_url == (
        "https://howardleague.org/news-views/howard-league-blog/"
        "prisons-at-capacity-what-the-numbers-say/"
    )
    assert parsed.entries[1].url == (
        "https://howardleague.org/news-views/howard-league-blog/children-in-police-cells-overnight"
    )


def test_http_charset_is_used_when_given() -> None:
    selectors = PageSelectors(item="li.post", title=".post-title", link=".post-title a")
    parsed = parse_page(
        "howardleague-blog-listing-built.html",
        selectors,
        url="https://howardleague.org/news-views/howard-league-blog/",
        headers={"content-type": "text/html; charset=windows-1252"},
    )
    assert parsed.entries[2].title == "Why short sentences don’t work"


def test_scope_selects_the_item_itself() -> None:
    selectors = PageSelectors(item="h4", title=":scope", link="a")
    parsed = parse_page("hmiprobation-inspections-listing-built.html", selectors)
    assert parsed.entries[0].title == "An inspection of youth justice services in Leeds"


def test_item_selector_matching_nothing_reads_the_page_without_selectors() -> None:
    selectors = PageSelectors(item="li.result", title="h4", link="a")
    parsed = parse_page("hmiprobation-inspections-listing-built.html", selectors)
    assert parsed.degraded
    assert [e.title for e in parsed.entries] == [
        e.title for e in parse_page("hmiprobation-inspections-listing-built.html", HMI).entries
    ]
    assert parsed.source_warnings == (
        "hmi-probation: no element matches item selector 'li.result' on the page: the site may "
        "have been redesigned; read the page without selectors instead (3 items at "
        "'div.results > div.inspection.result > h4 > a'): fix the selectors",
    )
    assert parsed.source_warnings[0] in parsed.warnings


@pytest.mark.parametrize("field", ["title", "link"])
def test_a_required_selector_matching_nothing_degrades_naming_itself(field: str) -> None:
    values = {"item": "div.result", "title": "h4", "link": "a", "date": "time", "summary": "p"}
    values[field] = "span.gone"
    parsed = parse_page("hmiprobation-inspections-listing-built.html", PageSelectors(**values))
    assert parsed.degraded and len(parsed.entries) == 3
    (warning,) = parsed.source_warnings
    assert warning.startswith(
        f"hmi-probation: no element matches {field} selector 'span.gone' inside any item "
        "('div.result') on the page: the site may have been redesigned"
    )


@pytest.mark.parametrize(("field", "kept"), [("date", "dates"), ("summary", "summaries")])
def test_an_optional_selector_matching_nothing_keeps_the_items(field: str, kept: str) -> None:
    values = {"item": "div.result", "title": "h4", "link": "h4 > a", "date": "time"}
    values["summary"] = "p.excerpt"
    values[field] = "span.gone"
    parsed = parse_page("hmiprobation-inspections-listing-built.html", PageSelectors(**values))
    assert not parsed.degraded
    assert [e.title for e in parsed.entries] == [
        e.title for e in parse_page("hmiprobation-inspections-listing-built.html", HMI).entries
    ]
    missing = [e.published_at if field == "date" else e.summary for e in parsed.entries]
    assert not any(missing)
    assert parsed.source_warnings == (
        f"hmi-probation: no element matches {field} selector 'span.gone' inside any item "
        f"('div.result') on the page; the items were kept without {kept}: check the selector",
    )
    assert parsed.warnings[0] == parsed.source_warnings[0]


def test_a_broken_selector_still_fails_when_the_page_has_no_list_either() -> None:
    selectors = PageSelectors(item="h3", title=":scope", link="a[href]", date=":scope")
    with pytest.raises(ParseError) as info:
        parse_page(
            "other-sqlite-releases-listing.html", selectors, url="https://sqlite.org/changes.html"
        )
    assert str(info.value) == (
        "hmi-probation: no element matches link selector 'a[href]' inside any item ('h3') on "
        "the page: the site may have been redesigned (reading the page without selectors found "
        "no list of publications either)"
    )


def test_invalid_selector_is_a_parse_error_not_a_traceback() -> None:
    with pytest.raises(ParseError, match=r"^hmi-probation: title selector: invalid CSS selector"):
        parse_page("hmiprobation-inspections-listing-built.html", PageSelectors("div", "h4[", "a"))


def test_page_source_without_selectors_is_read_automatically() -> None:
    parsed = parse_page("hmiprobation-inspections-listing-built.html", None)
    with_selectors = parse_page("hmiprobation-inspections-listing-built.html", HMI)
    assert [(e.url, e.title, e.published_at) for e in parsed.entries] == [
        (e.url, e.title, e.published_at) for e in with_selectors.entries
    ]
    assert not parsed.degraded and not parsed.source_warnings


def test_page_source_without_selectors_and_without_a_list() -> None:
    with pytest.raises(ParseError, match="no list of publications found on the page"):
        parse_page(
            "other-sqlite-releases-listing.html", None, url="https://sqlite.org/changes.html"
        )


def test_empty_page() -> None:
    with pytest.raises(EmptyDocument):
        parse_document(b" ", source=page_source(HMI), url=HMI_URL, headers={}, now=NOW)


@pytest.mark.parametrize(
    "css", ["div.result > h4 a[href]", "li:nth-child(2n+1)", ":scope", "a[href$='.pdf']"]
)
def test_validate_selector_accepts_valid_css(css: str) -> None:
    assert validate_selector(css) is None


@pytest.mark.parametrize(
    ("css", "reason"),
    [
        ("li[", "Malformed attribute selector"),
        ("", "empty"),
        ("   ", "empty"),
        ("a:bogus", "bogus"),
    ],
)
def test_validate_selector_explains_invalid_css(css: str, reason: str) -> None:
    message = validate_selector(css)
    assert message is not None
    assert reason in message
    assert "\n" not in message
