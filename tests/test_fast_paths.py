"""The shortcuts a poll takes for common input give exactly what the general path gives.

Each fast path (plain links, simple HTML summaries, ASCII title keys, blocks that share their
tokens in the compiled model) is compared here with the path it skips: on generated input, on
hand-picked awkward cases, and on every captured feed of ``tests/fixtures/feeds``. Each also
checks that the shortcut is taken for the input it is meant for, so that losing it is noticed
too.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.classify import ClassifyInput
from curator.classify.compiled import CompiledModel
from curator.classify.compiled_io import read
from curator.classify.features import prepare
from curator.dedupe import _NON_WORD, title_key
from curator.normalise import (
    canonical_url,
    clean_text,
    govuk_path,
    is_http_url,
    is_plain_url,
)
from curator.normalise.simplehtml import simple_html_text as _simple_html_text
from curator.normalise.text import _INVISIBLE, _WS, _html_text
from curator.normalise.urls import _canonical_fixed_point
from tests.conftest import FIXTURES, REPO

FEEDS = sorted(
    p for p in (FIXTURES / "feeds").iterdir() if p.is_file() and not p.name.endswith(".json")
)
FEED_URL = "https://www.example.org/news/feed.xml"


@cache
def _fixture_entries() -> list[Any]:
    """Every entry of the feed fixtures, as feedparser reads it (HTML left in)."""
    out = []
    for path in FEEDS:
        parsed = feedparser.parse(
            path.read_bytes(),
            response_headers={"content-location": FEED_URL},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        out.extend(parsed.entries)
    return out


# --- plain links ------------------------------------------------------------------------------

_LABEL = st.from_regex(r"[a-z0-9]{1,5}(-[a-z0-9]{1,3})?|www|xn|xn--a1|[a-z]{62,66}", fullmatch=True)
_LAST = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?|www|uk|[a-z]{64}", fullmatch=True)
_SEGMENT = st.from_regex(r"[A-Za-z0-9_~.-]{1,6}", fullmatch=True)


@st.composite
def links(draw: st.DrawFn) -> str:
    """http(s) links, most of them plain, some just outside (dots, upper case, odd hosts)."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    www = draw(st.sampled_from(["", "www.", "www.www.", "WWW."]))
    host = ".".join([*draw(st.lists(_LABEL, max_size=3)), draw(_LAST)])
    path = "".join("/" + s for s in draw(st.lists(_SEGMENT, max_size=4)))
    end = draw(st.sampled_from(["", "/", "//", "?", "#", "?a=1"]))
    return f"{scheme}://{www}{host}{path}{end}"


def _govuk_path_in_full(canon: str) -> str | None:
    """``govuk_path(canon, canonical=True)`` without its shortcut."""
    parts = urlsplit(canon)
    if parts.scheme != "https" or parts.hostname != "gov.uk" or parts.port is not None:
        return None
    return parts.path or "/"


def _check_plain(link: str) -> None:
    assert canonical_url(link) == _canonical_fixed_point(link)
    assert is_http_url(link)
    for base in (FEED_URL, "http://127.0.0.1:9000/f0.atom", "https://www.gov.uk/a/b", ""):
        assert urljoin(base, link) == link
    canon = canonical_url(link)
    assert govuk_path(canon, canonical=True) == _govuk_path_in_full(canon)
    assert govuk_path(link) == _govuk_path_in_full(canon)


@settings(max_examples=300)
@given(links())
def test_plain_links_take_the_shortcut_to_the_same_canonical_url(link: str) -> None:
    if is_plain_url(link):
        _check_plain(link)


@pytest.mark.parametrize(
    "link",
    [
        "https://h0.example.org/f0/p0",
        "http://www.example.org",
        "http://www.example.org/a/",
        "https://www/x",
        "https://www.gov.uk/government/publications/x",
        "https://gov.uk",
        "https://gov.uk/",
        "https://a.gov.uk/x",
        "https://example.org/a/report.v2/file.pdf",
        "https://example.org/~user/a_b-c.d/",
        "https://a-1.b2.c-d/x",
        "https://" + "a" * 70 + ".example.org/x",
        "https://1.2.3.a/x",
    ],
)
def test_awkward_plain_links(link: str) -> None:
    assert is_plain_url(link)
    _check_plain(link)


@pytest.mark.parametrize(
    "link",
    [
        "HTTPS://example.org/x",
        "https://Example.org/x",
        "https://example.org:8080/x",
        "https://user@example.org/x",
        "https://example.org/a/../b",
        "https://example.org/a/./b",
        "https://example.org/a//b",
        "https://example.org/a%20b",
        "https://example.org/a;p",
        "https://example.org/x?utm_source=y",
        "https://example.org/x#top",
        "https://127.0.0.1/x",
        "https://0x7f.1/x",
        "https://a--b.example/x",
        "https://xn--bcher-kva.example/x",
        "https://example.org/a/.hidden/file.pdf",
        "https://www.www.example.org/x",
        " https://example.org/x",
        "/relative/link",
    ],
)
def test_links_outside_the_shortcut_are_left_to_the_full_path(link: str) -> None:
    assert not is_plain_url(link)


def test_feed_links_take_the_shortcut_with_the_same_result() -> None:
    links = [e.get("link") for e in _fixture_entries() if e.get("link")]
    plain = [link for link in links if is_plain_url(link)]
    assert len(plain) > len(links) / 2  # the shortcut is what most real links take
    for link in plain:
        _check_plain(link)


# --- simple HTML ------------------------------------------------------------------------------

_TAGS = [
    "p", "b", "i", "em", "strong", "span", "sub", "h2", "ul", "ol", "li", "div", "blockquote",
    "br", "P", "B", "LI", "a", "hr", "pre", "table", "td", "font", "dt",
]  # fmt: skip
_PIECES = [
    "a", "Report", "1", "é", "—", "\u00a0", " ", "\n", "\t", "\r\n", ">", "&", "& ", "&amp;",
    "&#39;", "&#x27;", "&nbsp;", "&lt;p&gt;", "&hellip;", "&apos;", "&copy;", "&#128;", "&#0;",
    "&#13;", "&#xfdd0;", "&#x1F600;", "&amp", "&foo;", "&notit;", "&#9;", "<", "a<b", "&AMP;",
    "\u200b", "\x01", "\ufeff", "&#x200b;", "<br>", "<br/>", "<br />", "</p>", "</div>", "</b>",
    "<p/>", "</br>", "<!-- c -->", "<b class='x'>", "<li>", "</li>",
]  # fmt: skip


@st.composite
def fragments(draw: st.DrawFn, depth: int = 0) -> str:
    """HTML fragments: mostly well nested, some with stray, unclosed or mismatched tags."""
    out = []
    for _ in range(draw(st.integers(0, 4))):
        if depth > 3 or draw(st.booleans()):
            out.append(draw(st.sampled_from(_PIECES)))
            continue
        tag = draw(st.sampled_from(_TAGS))
        space = draw(st.sampled_from(["", "", " ", "\n"]))
        inner = draw(fragments(depth + 1))
        close = draw(st.sampled_from([tag, tag, tag, tag, "", "p", "b", "li"]))
        out.append(f"<{tag}{space}>{inner}" + (f"</{close}{space}>" if close else ""))
    return "".join(out)


def _collapse(text: str) -> str:
    return _WS.sub(" ", _INVISIBLE.sub("", text)).strip()


def _check_html(markup: str) -> bool:
    """Whether ``markup`` took the shortcut; asserts that the shortcut agrees with lxml."""
    simple = _simple_html_text(_INVISIBLE.sub("", markup))
    if simple is None:
        return False
    assert _collapse(simple) == _collapse(_html_text(markup)), markup
    return True


@settings(max_examples=400)
@given(fragments())
def test_simple_html_reads_like_lxml(markup: str) -> None:
    _check_html(markup)


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Summary of report 3: adult social care, children&#39;s services.</p>",
        "<b>a</b> <i>b</i>",
        "x<i>y</i>z",
        "<p>a</p><p>b</p>",
        "<ul><li>one</li> <li>two <b>2</b></li></ul>after",
        "<div>a<p>b</p>c</div>d",
        "<ul><li>a<ul><li>b</li></ul></li></ul>",
        "a<br>b<BR/>c",
        "<P>Upper</P>case",
        "A &amp; B &lt;tag&gt; &quot;q&quot; &apos;s &nbsp;&hellip;&mdash;&ndash;&euro;&pound;",
        "caf&#233; &#x1F600; &#10;line",
        "Health & Care",
        " &nbsp; ",
        "<p> </p>",
    ],
)
def test_simple_html_that_takes_the_shortcut(markup: str) -> None:
    assert _check_html(markup)


@pytest.mark.parametrize(
    "markup",
    [
        "<h2><h1>x</h1>y</h2>z",  # lxml closes h2 at <h1>: "yz", not "y z"
        "<li>a<li>b</li></li>c",
        "<b><p>x</b>y</p>",
        "<p>a<div>b</div>c</p>",
        "a</div>b",
        '<a href="/x">link</a>',
        "<script>x()</script>text",
        "<!-- note -->text",
        "a < b",
        "&amp",
        "&ampx;",
        "&#128;",
        "&#1;",
        "&#xfdd0;",
        "<p/>x",
        "</br>",
        "<ul>text</ul>",
    ],
)
def test_html_outside_the_shortcut_is_left_to_lxml(markup: str) -> None:
    assert _simple_html_text(_INVISIBLE.sub("", markup)) is None
    # and clean_text still gives what lxml gives
    assert clean_text(markup) == _collapse(_html_text(markup))


def test_feed_summaries_and_titles_read_like_lxml() -> None:
    texts: list[str] = []
    for entry in _fixture_entries():
        texts += [entry.get("title") or "", entry.get("summary") or ""]
        texts += [c.get("value") or "" for c in entry.get("content") or []]
    marked = [t for t in texts if "<" in t or "&" in t]
    taken = sum(_check_html(t) for t in marked)
    assert taken > 0  # some real summaries do take the shortcut


def test_benchmark_summaries_take_the_shortcut() -> None:
    from benchmarks.farm import feed_document

    parsed = feedparser.parse(feed_document(1, 2), sanitize_html=False)
    for entry in parsed.entries:
        assert _check_html(entry.summary)


# --- title keys -------------------------------------------------------------------------------


def _title_key_in_full(title: str) -> str:
    decomposed = unicodedata.normalize("NFKD", title)
    ascii_ish = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", ascii_ish.casefold().replace("&", " and ")).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=40))
def test_ascii_title_keys_match_the_full_folding(title: str) -> None:
    assert title_key(title) == _title_key_in_full(title)


# --- compiled model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed_model() -> CompiledModel:
    name = (REPO / "models" / "current").read_text().strip()
    return read(REPO / "models" / f"{name}.npz")


def test_blocks_sharing_tokens_and_counts_give_each_block_its_own_values(
    committed_model: CompiledModel,
) -> None:
    m = committed_model
    inputs = [
        ClassifyInput(
            title=e.get("title") or "",
            summary=e.get("summary") or "",
            url=e.get("link") or "",
            sector_hint="criminal_justice" if i % 3 == 0 else None,
        )
        for i, e in enumerate(_fixture_entries()[:300])
    ]
    prepared = [prepare(i) for i in inputs]
    # keywords and keyword_flags read the same tokens: one is analysed for both
    assert m._tokens_of["keyword_flags"] == m._tokens_of["keywords"]
    names = sorted(m.blocks)
    shared = m._blocks(names, prepared)
    for name in names:
        field = m.blocks[name].field
        alone = m._block_rows(name, [getattr(p, field) for p in prepared])
        for got, want in zip(shared[name], alone, strict=True):
            assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), name
    # and the heads' probabilities are those of each head reading its own blocks
    proba = m.proba(inputs)
    for head_name, head in m.heads.items():
        if isinstance(head, str):
            continue
        decision = m._decision(head, m._stacked(head.fields, shared), len(inputs))
        assert np.array_equal(proba[head_name], m._proba(decision))
