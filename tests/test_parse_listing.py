"""The automatic listing reader's parts on small pages: dates in text, what counts as chrome,
relative links, pages with no list. (Whole realistic pages: tests/test_listing_fixtures.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.normalise import html_soup
from curator.parse.layout import is_chrome, stable_classes, visible_text, words
from curator.parse.listing import first_items, read_listing
from curator.parse.textdates import find_date


@pytest.mark.parametrize(
    ("text", "day", "month_only"),
    [
        ("Published 14 May 2024", (2024, 5, 14), False),
        ("Published: 3rd November 2026 by the team", (2026, 11, 3), False),
        ("Tuesday, 2 July 2024", (2024, 7, 2), False),
        ("14/05/2024", (2024, 5, 14), False),  # UK: day first
        ("01/02/2024", (2024, 2, 1), False),
        ("05/14/2024", (2024, 5, 14), False),  # can only be month first
        ("14.05.2024", (2024, 5, 14), False),
        ("Updated 2024-06-28T09:00:00Z", (2024, 6, 28), False),
        ("May 14, 2024", (2024, 5, 14), False),
        ("Report · June 2024", (2024, 6, 1), True),
        ("Sept 2023", (2023, 9, 1), True),
        ("31/02/2024 or 1 March 2024", (2024, 3, 1), False),  # not a date, then the next
    ],
)
def test_find_date(text: str, day: tuple[int, int, int], month_only: bool) -> None:
    found = find_date(text)
    assert found is not None
    assert (found.when, found.month_only) == (datetime(*day, tzinfo=UTC), month_only)


@pytest.mark.parametrize("text", ["", "Report 2024", "May the best win", "1234/56/7890", "v2.3.4"])
def test_no_date(text: str) -> None:
    assert find_date(text) is None


def _el(markup: str) -> object:
    soup = html_soup(f"<html><body>{markup}</body></html>")
    return soup.body.contents[0] if soup.body else None


def test_words_of_a_layout_class_describe_the_page_not_the_element() -> None:
    body = html_soup('<body class="archive has-main-navigation"><p>x</p></body>').body
    assert body is not None and "navigation" not in words(body)
    wrapper = html_soup('<body><div class="layout-with-sidebar"></div></body>').div
    assert wrapper is not None and "sidebar" not in words(wrapper)
    notice = html_soup('<body><div id="cookieNotice"></div></body>').div
    assert notice is not None and is_chrome(notice, in_content=False)


def test_header_is_chrome_at_page_level_only() -> None:
    soup = html_soup(
        "<body><header><a href='/'>Home</a></header>"
        "<article><header class='entry-header'><h2><a href='/x'>X</a></h2></header></article>"
    )
    page_header, entry_header = soup.find_all("header")
    assert is_chrome(page_header, in_content=False)
    assert not is_chrome(entry_header, in_content=True)


def test_stable_classes_leave_out_state_ids_and_modifiers() -> None:
    soup = html_soup(
        '<body><tr class="alt"></tr><article class="post-51 post type-post tag-x card '
        'card--report is-active"></article></body>'
    )
    art = soup.find("article")
    assert art is not None and stable_classes(art) == ("card", "post")


def test_visible_text_leaves_out_screen_reader_text() -> None:
    soup = html_soup(
        '<body><a href="/x">Continue reading<span class="screen-reader-text"> Title</span></a>'
    )
    assert soup.a is not None and visible_text(soup.a) == "Continue reading"


LIST = """<html><head><base href="https://example.org/reports/"></head><body>
<nav><ul>{nav}</ul></nav>
<main><h1>Reports</h1><ul class="reports">{items}</ul>
<div class="pagination"><a href="?page=2">Next page</a></div></main>
<footer><a href="/privacy">Privacy notice and cookie policy</a></footer></body></html>"""
ITEM = (
    '<li class="report"><h3><a href="{slug}/">{title}</a></h3><p class="date">{day} June 2024</p>'
    "<p>{title} looks at the evidence and sets out what should change next year.</p></li>"
)
TITLES = [
    "Children in care and the courts",
    "Adult social care workforce in 2024",
    "Youth custody and education: a review",
    "The cost of short prison sentences",
]


def _page(nav_links: int = 5) -> str:
    items = "".join(
        ITEM.format(slug=t.lower().replace(" ", "-").replace(":", ""), title=t, day=20 - i)
        for i, t in enumerate(TITLES)
    )
    nav = "".join(
        f'<li><a href="/section-{i}">Section number {i} of the site</a></li>'
        for i in range(nav_links)
    )
    return LIST.format(items=items, nav=nav)


def test_reads_a_simple_list_resolving_links_against_base_href() -> None:
    listing = read_listing(_page(), "https://example.org/reports")
    assert [i.title for i in listing.items] == TITLES
    assert listing.items[0].url == "https://example.org/reports/children-in-care-and-the-courts/"
    assert [i.published_at for i in listing.items] == [
        datetime(2024, 6, d, tzinfo=UTC) for d in (20, 19, 18, 17)
    ]
    assert listing.items[1].summary == (
        "Adult social care workforce in 2024 looks at the evidence and sets out what should "
        "change next year."
    )
    assert listing.where == "ul.reports > li.report > h3 > a"


def test_navigation_however_long_is_not_the_listing() -> None:
    listing = read_listing(_page(nav_links=60), "https://example.org/reports")
    assert [i.title for i in listing.items] == TITLES


def test_a_page_without_a_list_gives_nothing() -> None:
    page = "<html><body><main><h1>About us</h1><p>We are a charity.</p></main></body></html>"
    assert read_listing(page, "https://example.org/about").items == ()
    menu_only = _page().split("<main>")[0] + "</body></html>"
    assert read_listing(menu_only, "https://example.org/reports").items == ()


def test_first_items() -> None:
    found = first_items("https://example.org/reports", _page().encode(), limit=2)
    assert [i.title for i in found] == TITLES[:2]


def test_read_more_links_under_plain_headings_take_the_heading_as_title() -> None:
    cards = "".join(
        f'<div class="card"><h3>{t}</h3><p>{20 - i} June 2024</p>'
        f'<a class="more" href="/reports/{i}-{t.lower().replace(" ", "-")}">Read more</a></div>'
        for i, t in enumerate(TITLES)
    )
    page = f"<html><body><main>{cards}</main></body></html>"
    listing = read_listing(page, "https://example.org/reports")
    assert [i.title for i in listing.items] == TITLES
    assert listing.items[0].published_at == datetime(2024, 6, 20, tzinfo=UTC)


def test_a_date_line_above_each_heading_belongs_to_that_heading() -> None:
    flat = "".join(
        f'<p class="date">{20 - i} June 2024</p><h2><a href="/news/{i}">{t}</a></h2>'
        f"<p>{t} is summarised here in a sentence of more than eight words.</p>"
        for i, t in enumerate(TITLES)
    )
    page = f"<html><body><div class='content'>{flat}</div></body></html>"
    listing = read_listing(page, "https://example.org/news")
    assert [i.published_at for i in listing.items] == [
        datetime(2024, 6, d, tzinfo=UTC) for d in (20, 19, 18, 17)
    ]


def test_items_on_the_listings_own_path_with_an_id_are_publications() -> None:
    rows = "".join(
        f'<li><a href="News.aspx?id={100 + i}">{t}</a> <span>{20 - i}/06/2024</span></li>'
        for i, t in enumerate(TITLES)
    )
    pages = "".join(
        f'<li><a href="News.aspx?p={n}">Page {n} of the news</a></li>' for n in range(5)
    )
    page = f"<html><body><ul class='news'>{rows}</ul><ul class='pages'>{pages}</ul></body></html>"
    listing = read_listing(page, "https://example.org/News.aspx?p=0")
    assert [i.url for i in listing.items] == [
        f"https://example.org/News.aspx?id={100 + i}" for i in range(len(TITLES))
    ]
