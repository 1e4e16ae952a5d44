"""Feed parsing behaviour, beyond the fixture-by-fixture expectations: GOV.UK document
types and changing ids, encodings, hostile XML, errors, JSON Feed."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curator.dedupe import dedupe_keys
from curator.errors import ParseError
from curator.normalise import drop_feed_footer
from curator.parse import parse_document
from curator.parse.errors import EmptyDocument, FeedEnded, NotAFeed, UnparseableFeed
from curator.records import ParsedFeed, SourceConfig
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DHSC = SourceConfig(
    id="dhsc",
    publisher="Department of Health and Social Care",
    kind="feed",
    url="https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom",
)
BLOG = SourceConfig(id="blog", publisher="A Blog", kind="feed", url="https://blog.example/feed")


def parse(
    content: bytes,
    source: SourceConfig = BLOG,
    *,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    now: datetime = NOW,
) -> ParsedFeed:
    return parse_document(
        content, source=source, url=url or source.url, headers=headers or {}, now=now
    )


def fixture(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


# --- GOV.UK organisation feed -------------------------------------------------------------


def test_govuk_titles_lose_their_prefix_to_document_type() -> None:
    parsed = parse(fixture("govuk-organisation-dhsc-built-2026-11-24.atom"), DHSC)
    by_type = {e.document_type: e for e in parsed.entries}
    research = by_type["Research and analysis"]
    assert research.title == "Adult social care workforce pulse survey: wave 4"
    assert research.categories == ("Research and analysis",)
    assert research.govuk_path == (
        "/government/publications/adult-social-care-workforce-pulse-survey-wave-4"
    )
    assert research.publisher == "Department of Health and Social Care"
    assert research.source_id == "dhsc"
    assert {"Guidance", "Press release", "Official Statistics", "FOI release"} <= set(by_type)
    # "National Statistics" was renamed; both spellings are one type.
    assert "Accredited official statistics" in by_type
    # An ordinary colon title with no prefix and no category stays whole.
    care_act = next(e for e in parsed.entries if e.title.startswith("Care Act 2014"))
    assert care_act.title == "Care Act 2014: 10 Years On"
    assert care_act.document_type is None


def test_govuk_dates_are_utc_and_come_from_updated() -> None:
    parsed = parse(fixture("govuk-organisation-dhsc-built-2026-11-24.atom"), DHSC)
    last = parsed.entries[-1]  # <updated>2026-10-20T16:05:00+01:00</updated> (BST)
    assert last.published_at == datetime(2026, 10, 20, 15, 5, tzinfo=UTC)
    assert all(e.published_at and e.published_at.tzinfo is UTC for e in parsed.entries)


def test_govuk_updated_item_has_a_new_id_but_the_same_dedupe_keys() -> None:
    before = parse(fixture("govuk-organisation-dhsc-built-2026-11-24.atom"), DHSC)
    after = parse(fixture("govuk-organisation-dhsc-built-2026-11-26.atom"), DHSC)
    slug = "adult-social-care-workforce-pulse-survey-wave-4"
    old = next(e for e in before.entries if slug in e.url)
    new = next(e for e in after.entries if slug in e.url)
    assert old.guid != new.guid
    assert dedupe_keys(old) == dedupe_keys(new)
    old_keys = {dedupe_keys(e) for e in before.entries}
    fresh = [e.title for e in after.entries if dedupe_keys(e) not in old_keys]
    assert fresh == ["Carers' assessments: care and support statutory guidance"]


def test_prefix_is_not_split_off_outside_govuk() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Guidance: how we choose what to fund</title>"
        b"<link>https://charity.example/news/how-we-fund</link></item></channel></rss>"
    )
    entry = parse(feed).entries[0]
    assert entry.title == "Guidance: how we choose what to fund"
    assert entry.document_type is None


# --- links ------------------------------------------------------------------------------------


def test_relative_links_resolve_against_the_feed_url() -> None:
    parsed = parse(
        fixture("awkward-rss-relative-channel-and-item-links.xml"),
        url="https://www.arcgames.example/en/games/neverwinter/news/rss",
    )
    assert parsed.entries[0].original_url.startswith(
        "https://www.arcgames.example/en/games/neverwinter/news/detail/10743874"
    )
    assert parsed.entries[0].url.startswith("https://arcgames.example/en/games/")


def test_feedburner_origlink_is_preferred_over_the_feedproxy_link() -> None:
    parsed = parse(fixture("awkward-atom-feedburner-xml-base-xhtml.xml"))
    assert parsed.entries
    for entry in parsed.entries:
        assert "feedproxy" not in entry.original_url
        assert entry.original_url.startswith("http://www.rotoauthority.com/")
        assert entry.url.startswith("https://rotoauthority.com/")


def test_entries_without_title_or_link_are_skipped_with_a_warning_naming_them() -> None:
    parsed = parse(fixture("awkward-reader-relative-links.atom"), url="https://blog.example/a/")
    assert parsed.entries == []
    (warning,) = parsed.warnings
    assert warning.startswith("blog: entry 1")
    assert "has no title" in warning
    assert "https://blog.example/a/entries/entry.html" in warning


def test_same_link_twice_in_one_document_is_kept_once() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>https://x.example/a?utm_source=rss</link></item>"
        b"<item><title>One again</title><link>http://www.x.example/a/</link></item>"
        b"</channel></rss>"
    )
    parsed = parse(feed)
    assert [e.title for e in parsed.entries] == ["One"]
    assert any("repeats the link" in w for w in parsed.warnings)


# --- text and dates ---------------------------------------------------------------------------


def test_summary_is_plain_text_and_capped() -> None:
    body = "<p>First &amp; <b>bold</b></p><script>alert(1)</script>" + "<p>word</p>" * 3000
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>T</title><link>https://x.example/a</link>"
        f"<description><![CDATA[{body}]]></description></item></channel></rss>"
    ).encode()
    summary = parse(feed).entries[0].summary
    assert summary.startswith("First & bold word word")
    assert "alert" not in summary and "<" not in summary
    assert len(summary) <= 5000
    assert summary.endswith("…")


def test_the_line_wordpress_adds_to_every_item_is_not_its_summary() -> None:
    # Yoast SEO's default `rssafter` setting, "The post %%POSTLINK%% appeared first on
    # %%BLOGLINK%%.", as WordPress sites (many charities among them) put it in each item's
    # description and content, after the excerpt's own "[&#8230;]".
    def item(description: str) -> str:
        return (
            "<item><title>Tackling reoffending</title><link>https://x.example/a</link>"
            f"<description><![CDATA[{description}]]></description></item>"
        )

    footer = (
        '<p>The post <a rel="nofollow" href="https://x.example/a">Tackling reoffending</a> '
        'appeared first on <a rel="nofollow" href="https://x.example">Clinks</a>.</p>'
    )
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        + item(f"<p>Our new briefing sets out what works &#8230;</p>\n{footer}")
        + item(footer).replace("/a<", "/b<")
        + item("<p>The post of Chief Inspector appeared first on the list in 1837.</p>").replace(
            "/a<", "/c<"
        )
        + "</channel></rss>"
    ).encode()
    summaries = [e.summary for e in parse(feed).entries]
    assert summaries == [
        "Our new briefing sets out what works …",
        "",  # nothing but that line: no summary (its page's description is read instead)
        "The post of Chief Inspector appeared first on the list in 1837.",
    ]


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("Children's voices", "Children’s voices"),  # the post's link renders a curly quote
        ("Tackling reoffending", "Tackling Reoffending"),
        ("Care – a briefing", "Care - a briefing"),
    ],
)
def test_the_wordpress_line_naming_the_title_in_other_quotes_or_case_is_dropped(
    title: str, named: str
) -> None:
    text = f"Our new briefing sets out what works. The post {named} appeared first on Clinks."
    assert drop_feed_footer(text, title) == "Our new briefing sets out what works."


def test_a_line_naming_another_post_or_not_at_the_end_is_kept() -> None:
    other = "Our findings. The post Another briefing appeared first on Clinks."
    assert drop_feed_footer(other, "Tackling reoffending") == other
    inside = (
        "The post Tackling reoffending appeared first on Clinks, then on a long list of "
        + "sites " * 80
        + "everywhere."
    )
    assert drop_feed_footer(inside, "Tackling reoffending") == inside


def test_a_title_without_words_is_not_matched_by_another_post_without_words() -> None:
    # Compared as words, every title with none (only punctuation or emoji) would be equal: the
    # line naming another such post must stay, the one naming this post's title still goes.
    other = "Our findings. The post … appeared first on Clinks."
    assert drop_feed_footer(other, "📣") == other
    assert drop_feed_footer(other, "?!") == other
    own = "Our findings. The post 📣 appeared first on Clinks."
    assert drop_feed_footer(own, "📣") == "Our findings."


def test_the_valid_pubdate_wins_over_an_epoch_dc_date() -> None:
    parsed = parse(fixture("awkward-rss-invalid-dc-date-epoch.xml"))
    assert parsed.entries[0].published_at == datetime(2017, 10, 16, 15, 10, tzinfo=UTC)


def test_a_date_far_in_the_future_is_dropped_with_a_warning() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>T</title><link>https://x.example/a</link>"
        b"<pubDate>Mon, 01 Jan 2035 10:00:00 GMT</pubDate></item></channel></rss>"
    )
    parsed = parse(feed)
    assert parsed.entries[0].published_at is None
    assert any("in the future" in w for w in parsed.warnings)


# --- encodings --------------------------------------------------------------------------------


def _with_title_and_link(content: bytes) -> bytes:
    """The upstream encoding tests have a description only; give the item a title and link (same
    bytes otherwise) so it survives as an entry."""
    return content.replace(b"<item>", b"<item><title>t</title><link>https://x.example/a</link>", 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("awkward-feedparser-win1252-bytes-in-utf8-rss.xml", "don\u2019t"),
        ("awkward-feedparser-double-encoded-utf8.xml", "\u2026"),
        ("awkward-feedparser-encoding-mismatch-invalid-byte.xml", "\u00a4"),
    ],
)
def test_awkward_encodings_give_readable_summaries(name: str, expected: str) -> None:
    parsed = parse(_with_title_and_link(fixture(name)))
    assert parsed.entries[0].summary == expected


def test_declared_latin1_and_windows_1251_feeds_read_correctly() -> None:
    latin = parse(fixture("awkward-rss-iso-8859-1-declared.xml"))
    assert latin.title == "Jornal de Notícias - Últimas Notícias"
    assert latin.entries[0].title == "Mãe de utente é a nova presidente da Raríssimas"
    cyrillic = parse(fixture("awkward-rss-windows-1251-encoding.xml"))
    assert cyrillic.entries[0].title.startswith("В Бузулуке главные стройплощадки")


def test_bom_and_nbsp_do_not_break_parsing() -> None:
    assert parse(fixture("awkward-feedparser-utf8-bom.xml")).warnings == ()
    nbsp = parse(fixture("awkward-feedparser-undefined-html-entity-nbsp.xml"))
    assert nbsp.title == "testing entity"
    assert any("undefined entity" in w for w in nbsp.warnings)


def test_wrong_declared_encoding_is_reported() -> None:
    content = _with_title_and_link(fixture("awkward-feedparser-encoding-mismatch-invalid-byte.xml"))
    parsed = parse(content, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    assert parsed.warnings == ("blog: document declared as utf-8, but parsed as windows-1252",)


# --- not-well-formed and hostile documents ------------------------------------------------------


def test_bozo_feed_keeps_what_was_recovered_and_says_why() -> None:
    parsed = parse(fixture("awkward-rss-unescaped-ampersand-sax-error.xml"))
    assert [e.title for e in parsed.entries] == ["Good Item", "Bad Item", "Item After Error"]
    assert parsed.warnings == (
        "blog: the feed is not well-formed (line 15: not well-formed (invalid token)); "
        "kept what could be read",
    )


@pytest.mark.parametrize(
    "name",
    ["hostile-billion-laughs.xml", "hostile-quadratic-blowup.xml", "hostile-external-entity.xml"],
)
def test_entity_expansion_is_never_performed(name: str) -> None:
    content = fixture(name)
    started = time.perf_counter()
    parsed = parse(content)
    assert time.perf_counter() - started < 2.0
    text = json.dumps([(e.title, e.summary) for e in parsed.entries] + [parsed.title])
    assert "lollol" not in text
    assert "AAAAAAAAAA" not in text
    assert "root:" not in text  # /etc/passwd never read
    assert len(text) < 20_000  # unguarded, the quadratic file gave a 40 MB summary
    assert any("removed, not expanded" in w for w in parsed.warnings)


def test_character_reference_entities_still_work() -> None:
    feed = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY copy "&#169;">]>\n'
        b'<rss version="2.0"><channel><title>t</title><item><title>A &copy; B</title>'
        b"<link>https://x.example/a</link></item></channel></rss>"
    )
    parsed = parse(feed)
    assert parsed.entries[0].title == "A © B"
    assert parsed.warnings == ()


def test_utf16_document_declaring_entities_has_them_removed() -> None:
    # The declarations are found in the text feedparser reads (UTF-8 by then), whatever the
    # document's encoding: no longer refused, defused like any other.
    feed = (
        '<?xml version="1.0" encoding="utf-16"?>\n<!DOCTYPE rss [<!ENTITY a "AAAA">]>\n'
        '<rss version="2.0"><channel><title>&a;</title></channel></rss>'
    ).encode("utf-16")
    parsed = parse(feed)
    assert "AAAA" not in (parsed.title or "")
    assert "they were removed, not expanded" in parsed.warnings[0]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(EmptyDocument, match=r"^dhsc: the server sent an empty body$"):
        parse(body, DHSC)


def test_html_page_without_feed_links_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed) as info:
        parse(fixture("awkward-not-a-feed-html.html"), headers={"Content-Type": "text/html"})
    assert str(info.value) == "blog: not a feed; no feed link on the page"
    assert info.value.found == []


def test_html_page_with_feed_links_names_them() -> None:
    page = (FIXTURES / "pages" / "hmiprobation-inspections-listing-built.html").read_bytes()
    with pytest.raises(NotAFeed) as info:
        parse(page, url="https://www.justiceinspectorates.gov.uk/hmiprobation/inspections/")
    feed = "https://www.justiceinspectorates.gov.uk/hmiprobation/feed/"
    comments = "https://www.justiceinspectorates.gov.uk/hmiprobation/comments/feed/"
    assert info.value.found == [feed, comments]
    assert str(info.value) == f"blog: not a feed; found {feed}, {comments} on the page"
    assert isinstance(info.value, ParseError)


@pytest.mark.parametrize(
    "body",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"just some text, not markup", b"<sitemap></sitemap>"],
)
def test_nothing_recoverable_is_unparseable(body: bytes) -> None:
    with pytest.raises(UnparseableFeed, match=r"^blog: could not read the document as RSS or Atom"):
        parse(body)


def test_non_xml_content_type_is_a_warning_only_when_a_type_was_sent() -> None:
    feed = fixture("reader-full-atom-all-fields.atom")
    assert not any("media type" in w for w in parse(feed).warnings)
    served_as_html = parse(feed, headers={"Content-Type": "text/html"}).warnings
    assert "blog: served as 'text/html', not an XML media type" in served_as_html


# --- JSON Feed --------------------------------------------------------------------------------


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "A JSON feed",
        "items": [
            {
                "id": "1",
                "url": "/posts/one?utm_medium=feed",
                "title": "One",
                "content_html": "<p>Hello &amp; welcome</p>",
                "date_published": "2026-11-20T10:00:00+01:00",
                "tags": ["care"],
            },
            {"id": "2", "content_text": "no title, no url"},
        ],
    }
    parsed = parse(json.dumps(doc).encode(), url="https://blog.example/feed.json")
    (entry,) = parsed.entries
    assert entry.url == "https://blog.example/posts/one"
    assert entry.summary == "Hello & welcome"
    assert entry.published_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert entry.categories == ("care",)
    assert parsed.title == "A JSON feed"
    assert len(parsed.warnings) == 1


def test_json_that_is_not_a_feed() -> None:
    with pytest.raises(UnparseableFeed, match="not a JSON Feed"):
        parse(b'{"hello": "world"}')


def test_expected_files_sit_beside_every_feed_fixture() -> None:
    documents = [p for p in FEEDS.iterdir() if not p.name.endswith(".expected.json")]
    assert len(documents) >= 33
    assert all(Path(f"{p}.expected.json").exists() for p in documents)


def test_retired_govuk_feed_raises_feed_ended() -> None:
    with pytest.raises(FeedEnded) as info:
        parse(fixture("govuk-finder-feed-ended-built.atom"), DHSC)
    assert info.value.successor == (
        "https://www.gov.uk/search/research-and-statistics?content_store_document_type=research"
        "&organisations%5B%5D=department-of-health-and-social-care"
    )
    assert str(info.value).startswith("dhsc: GOV.UK says this feed has ended")
    assert isinstance(info.value, ParseError)


def test_bare_text_xml_content_type_is_not_an_encoding_problem() -> None:
    feed = fixture("awkward-rss-windows-1251-encoding.xml")
    parsed = parse(feed, headers={"Content-Type": "text/xml"})
    assert parsed.entries[0].title.startswith("В Бузулуке")
    assert parsed.warnings == ()
    lying = parse(feed, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert lying.entries[0].title.startswith("В Бузулуке")
    assert lying.warnings == ("blog: document declared as utf-8, but parsed as windows-1251",)


def test_relative_xml_base_resolves_against_the_feed_url() -> None:
    feed = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="/blog/">'
        b"<title>t</title><entry><title>One</title><link href='posts/one'/><id>1</id></entry>"
        b"<entry xml:base='../news/'><title>Two</title><link href='two'/><id>2</id></entry>"
        b"</feed>"
    )
    parsed = parse(feed, url="https://charity.example/feeds/atom.xml")
    assert [e.original_url for e in parsed.entries] == [
        "https://charity.example/blog/posts/one",
        "https://charity.example/news/two",
    ]


def test_relative_links_resolve_against_the_feed_url_not_a_served_content_location() -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>/news/one</link></item></channel></rss>"
    )
    parsed = parse(
        feed,
        url="https://charity.example/feed",
        headers={"Content-Location": "https://cdn.example/cache/feed"},
    )
    assert [e.original_url for e in parsed.entries] == ["https://charity.example/news/one"]
