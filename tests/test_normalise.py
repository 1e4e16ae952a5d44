"""Canonical URLs, GOV.UK paths and document types, plain text, dates."""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curator.normalise import (
    GOVUK_DOCUMENT_TYPE_LABELS,
    canonical_url,
    clean_text,
    document_type_from_govuk_api,
    govuk_path,
    parse_date,
    split_document_type,
)
from tests.conftest import FIXTURES

# --- canonical_url ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTP://WWW.Example.COM:80/a/b/?b=2&a=1&utm_source=x&UTM_Medium=y&fbclid=z#top",
            "https://example.com/a/b?a=1&b=2",
        ),
        ("https://example.com", "https://example.com/"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/x/", "https://example.com:8443/x"),
        (
            "https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&_hsenc=4&_hsmi=5&at_medium=6",
            "https://example.com/a",
        ),
        ("https://example.com/a?page=2&q=care+homes", "https://example.com/a?page=2&q=care+homes"),
        ("https://example.com/%7Euser/caf%C3%A9", "https://example.com/~user/caf%C3%A9"),
        ("https://example.com/café", "https://example.com/caf%C3%A9"),
        ("  https://example.com/x  ", "https://example.com/x"),
        (
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        ),
        ("mailto:editor@example.com", "mailto:editor@example.com"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_resolves_relative_to_base() -> None:
    base = "https://www.publisher.example/news/feed.xml"
    assert canonical_url("2026/report/", base) == "https://publisher.example/news/2026/report"
    assert canonical_url("/about", base) == "https://publisher.example/about"
    assert canonical_url("//cdn.example/x?utm_campaign=a", base) == "https://cdn.example/x"
    assert canonical_url("https://other.example/y", base) == "https://other.example/y"


hosts = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(
        st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(["uk", "org", "com", "gov.uk"]),
)
segments = st.lists(
    st.text(string.ascii_letters + string.digits + "-_.~%éü ", min_size=1, max_size=10), max_size=4
)
params = st.lists(
    st.tuples(
        st.text(string.ascii_lowercase + "_", min_size=1, max_size=6),
        st.text(string.ascii_letters + string.digits + " +/éü", max_size=6),
    ),
    max_size=4,
)
tracking = st.lists(
    st.tuples(
        st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "mc_cid", "at_medium"]),
        st.text(string.ascii_lowercase, max_size=5),
    ),
    max_size=3,
)


@st.composite
def urls(
    draw: st.DrawFn,
) -> tuple[str, str, str, list[tuple[str, str]], list[tuple[str, str]], bool]:
    host = draw(hosts)
    path = "/" + "/".join(quote(seg, safe="-_.~") for seg in draw(segments))
    query = draw(params)
    track = draw(tracking)
    slash = draw(st.booleans())
    fragment = draw(st.text(string.ascii_letters, max_size=6))
    return host, path, fragment, query, track, slash


def _build(scheme: str, host: str, path: str, query: list[tuple[str, str]], fragment: str) -> str:
    q = "&".join(f"{k}={quote(v, safe='+/')}" for k, v in query)
    return (
        f"{scheme}://{host}{path}" + (f"?{q}" if q else "") + (f"#{fragment}" if fragment else "")
    )


@given(urls())
def test_canonical_url_properties(
    parts: tuple[str, str, str, list[tuple[str, str]], list[tuple[str, str]], bool],
) -> None:
    host, path, fragment, query, track, slash = parts
    plain = _build("https", host, path, query, "")
    canon = canonical_url(plain)
    # idempotent
    assert canonical_url(canon) == canon
    # http/https, www., fragment, tracking parameters, trailing slash: all the same publication
    variant_path = path + ("/" if slash and not path.endswith("/") else "")
    variants = [
        _build("http", host, path, query, ""),
        _build("https", "www." + host, path, query, fragment),
        _build("HTTP", "WWW." + host.upper(), variant_path, query + track, fragment),
        _build("https", host, path, track + query, fragment),
    ]
    for variant in variants:
        assert canonical_url(variant) == canon
    assert "#" not in canon
    # no tracking parameter is left (read from the query: a host may well be "fbclid.uk")
    kept = [k for k, _ in parse_qsl(urlsplit(canon).query, keep_blank_values=True)]
    assert not [k for k in kept if k.startswith("utm_") or k == "fbclid"]
    assert canon.startswith("https://") and "://www." not in canon


def test_a_host_named_like_a_tracking_parameter_is_kept() -> None:
    assert (
        canonical_url("http://www.fbclid.uk/a?fbclid=1&utm_source=x#top") == "https://fbclid.uk/a"
    )


@given(st.text(max_size=60))
def test_canonical_url_is_total_and_idempotent_on_any_text(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once


@given(urls())
def test_query_order_does_not_matter(
    parts: tuple[str, str, str, list[tuple[str, str]], list[tuple[str, str]], bool],
) -> None:
    host, path, _, query, _, _ = parts
    forward = canonical_url(_build("https", host, path, query, ""))
    backward = canonical_url(_build("https", host, path, list(reversed(query)), ""))
    assert forward == backward


# --- govuk_path -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.uk/government/publications/x",
        "http://www.gov.uk/government/publications/x/",
        "https://gov.uk/government/publications/x?utm_source=feed#contents",
        "HTTPS://WWW.GOV.UK/government/publications/x",
    ],
)
def test_govuk_path_for_every_variant(url: str) -> None:
    assert govuk_path(url) == "/government/publications/x"


@pytest.mark.parametrize(
    "url",
    [
        "https://assets.publishing.service.gov.uk/media/x.pdf",
        "https://educationinspection.blog.gov.uk/2026/11/x/",
        "https://www.gov.uk.example.com/government/x",
        "https://notgov.uk/x",
        "urn:uuid:1",
        "",
    ],
)
def test_govuk_path_is_none_elsewhere(url: str) -> None:
    assert govuk_path(url) is None


# --- document types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Research and analysis: Foo", ("Research and analysis", "Foo")),
        (
            "Guidance: Working together to safeguard children",
            ("Guidance", "Working together to safeguard children"),
        ),
        (
            "Press release: Extra £300m for discharge",
            ("Press release", "Extra £300m for discharge"),
        ),
        (
            "Official Statistics: Fostering in England: 2025",
            ("Official Statistics", "Fostering in England: 2025"),
        ),
        ("FOI release: Agency spend", ("FOI release", "Agency spend")),
        (
            "National Statistics: Children in need",
            ("Accredited official statistics", "Children in need"),
        ),
        ("Independent report: CQC review", ("Independent report", "CQC review")),
        ("Care Act 2014: 10 Years On", (None, "Care Act 2014: 10 Years On")),
        (
            "Domperidone: risks of cardiac side effects",
            (None, "Domperidone: risks of cardiac side effects"),
        ),
        ("Guidance:", (None, "Guidance:")),
        ("Guidance", (None, "Guidance")),
        ("No colon at all", (None, "No colon at all")),
    ],
)
def test_split_document_type(title: str, expected: tuple[str | None, str]) -> None:
    assert split_document_type(title) == expected


def test_every_label_splits_and_roundtrips() -> None:
    for label in set(GOVUK_DOCUMENT_TYPE_LABELS.values()):
        assert split_document_type(f"{label}: Something") == (label, "Something")


API_EXPECTED = {
    "govuk-content-api-publication-best-practice-research.json": "Research and analysis",
    "govuk-content-api-publication-best-practice-independent-report.json": "Independent report",
    "govuk-content-api-publication-best-practice-official-statistics.json": "Official Statistics",
    "govuk-content-api-publication-best-practice-statutory-guidance.json": "Statutory guidance",
    "govuk-content-api-news-article-best-practice-press-release.json": "Press release",
    "govuk-content-api-consultation-open_consultation.json": "Open consultation",
}


@pytest.mark.parametrize(("name", "label"), sorted(API_EXPECTED.items()))
def test_document_type_from_govuk_content_api(name: str, label: str) -> None:
    data = json.loads((FIXTURES / "api" / name).read_text(encoding="utf-8"))
    assert document_type_from_govuk_api(data) == label
    # the same label the organisation feed puts in the title prefix
    assert split_document_type(f"{label}: {data['title']}") == (label, data["title"].strip())


def test_document_type_from_search_api_fields() -> None:
    assert (
        document_type_from_govuk_api({"content_store_document_type": "policy_paper"})
        == "Policy paper"
    )
    assert (
        document_type_from_govuk_api({"display_type": "Research and analysis"})
        == "Research and analysis"
    )
    assert document_type_from_govuk_api({"document_type": "unknown_thing"}) is None


# --- clean_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<p>One</p><p>Two &amp; <b>thr</b>ee</p>", "One Two & three"),
        ("<script>alert(1)</script><style>p{}</style>Visible", "Visible"),
        ("Caf&eacute; &#8216;quoted&#8217; &nbsp;here", "Café ‘quoted’ here"),
        ("  lots\n\n of\t space  ", "lots of space"),
        ("a < b and c > d", "a < b and c > d"),
        ("AT&T", "AT&T"),
        ("line<br>break", "line break"),
        ("zero\u200bwidth\x00and\x92control", "zerowidthandcontrol"),
        ("https://example.com/looks-like-a-url", "https://example.com/looks-like-a-url"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_cap_cuts_at_a_word() -> None:
    text = clean_text("alpha beta gamma delta epsilon", max_chars=20)
    assert text == "alpha beta gamma…"
    assert len(text) <= 20
    assert clean_text("short", max_chars=20) == "short"


@given(st.text(max_size=300), st.integers(min_value=1, max_value=200))
def test_clean_text_respects_the_cap(raw: str, cap: int) -> None:
    out = clean_text(raw, max_chars=cap)
    assert len(out) <= cap
    assert out == out.strip()
    assert "  " not in out


# --- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-24T09:30:00+00:00", datetime(2026, 11, 24, 9, 30, tzinfo=UTC)),
        ("2026-10-20T16:05:00+01:00", datetime(2026, 10, 20, 15, 5, tzinfo=UTC)),
        ("2026-11-24", datetime(2026, 11, 24, tzinfo=UTC)),
        ("20261124", datetime(2026, 11, 24, tzinfo=UTC)),
        ("Tue, 01 Oct 2019 14:30:00 PST", datetime(2019, 10, 1, 22, 30, tzinfo=UTC)),
        ("Wed, 17 Jan 2018 15:50:00 EST", datetime(2018, 1, 17, 20, 50, tzinfo=UTC)),
        ("Thu, 07 Dec 17 10:00:29 -0800", datetime(2017, 12, 7, 18, 0, 29, tzinfo=UTC)),
        ("Mon, 16 Oct 2017 15:10:00 GMT", datetime(2017, 10, 16, 15, 10, tzinfo=UTC)),
        ("01/02/2026", datetime(2026, 2, 1, tzinfo=UTC)),  # UK: day first
        ("3rd November 2026", datetime(2026, 11, 3, tzinfo=UTC)),
        ("24 November 2026 10:00", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_date(value: str, expected: datetime) -> None:
    got = parse_date(value)
    assert got == expected
    assert got is not None and got.tzinfo is UTC


@pytest.mark.parametrize(
    "value", [None, "", "   ", "not a date", "1518478934", "32/13/2026", "x" * 500]
)
def test_parse_date_gives_none_for_non_dates(value: str | None) -> None:
    assert parse_date(value) is None


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.just(timezone(timedelta(hours=-3))),
    )
)
def test_parse_date_roundtrips_iso(when: datetime) -> None:
    assert parse_date(when.isoformat()) == when.astimezone(UTC)


@given(st.text(max_size=40))
def test_parse_date_never_raises(value: str) -> None:
    got = parse_date(value)
    assert got is None or got.tzinfo is UTC
