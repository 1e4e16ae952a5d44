"""Reading an item's page for its description, and the rules for when and which: pure parts.

The pages are tests/fixtures/enrich/pages/ (built pages around real published text, see that
folder's PROVENANCE.md); the poll path on loopback is in tests/test_poll_describe.py.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from curator.parse.describe import HEAD_BYTES, DescribeJob, page_description
from curator.pipeline.decide import Decider, Situation, usable_descriptions
from curator.records import Entry, SourceConfig
from tests.conftest import FIXTURES

PAGES = FIXTURES / "enrich" / "pages"
NOW = datetime(2024, 6, 12, 8, tzinfo=UTC)


def describe(content: bytes, **headers: str) -> str | None:
    return page_description(DescribeJob(content, headers))


@pytest.mark.parametrize(
    ("page", "starts"),
    [
        ("drupal-health-foundation-publics-views.html", "This report from the Health Foundation"),
        ("drupal-lga-care-act-10-years-on.html", "In March and April 2024, the LGA sent"),
        ("wordpress-childrens-commissioner-victims-of-crime.html", "This report explores child"),
        # og:description only
        ("wordpress-revolving-doors-building-bridges.html", "This report captures learning"),
    ],
)
def test_a_publication_page_gives_its_description(page: str, starts: str) -> None:
    text = describe((PAGES / page).read_bytes())
    assert text is not None and text.startswith(starts)
    assert "&#x27;" not in text and "<" not in text  # entities decoded, plain text


def test_an_empty_description_is_none_and_the_next_tag_is_read() -> None:
    page = FIXTURES / "enrich" / "govuk" / "start-for-life-html-publication.html"
    assert describe(page.read_bytes()) is None  # GOV.UK's HTML publications carry content=""
    both = (
        b'<head><meta name="description" content=" ">'
        b'<meta property="og:description" content="From OG"></head>'
    )
    assert describe(both) == "From OG"
    assert describe(b"<html><body><p>No head at all</p></body></html>") is None
    assert describe(b"") is None


def test_only_the_head_is_read() -> None:
    # a description in the body is not the page's; the head ends the read
    late = b'<head><title>x</title></head><body><meta name="description" content="Body"></body>'
    assert describe(late) is None
    # a page whose head is never closed is read up to HEAD_BYTES only
    padded = (
        b"<head>"
        + b"<!-- "
        + b"x" * HEAD_BYTES
        + b" -->"
        + b'<meta name="description" content="Far">'
    )
    assert describe(padded) is None


def test_the_http_charset_decodes_the_description() -> None:
    page = '<head><meta name="description" content="Café’s report"></head>'.encode("cp1252")
    assert describe(page, **{"Content-Type": "text/html; charset=windows-1252"}) == "Café’s report"


def test_usable_descriptions_are_the_publications_own() -> None:
    titles = {"a": "Care Act 10 years on", "b": "Kinship care", "c": "Board minutes", "d": "Data"}
    found = {
        "a": "An LGA survey of lead members for adult social care.",
        "b": "We are the UK's leading charity.",  # shared by two pages: the site's
        "c": "We are the UK's leading charity.",
        "d": "Data",  # says nothing the title does not
        "e": None,  # no description, or the page failed
    }
    assert usable_descriptions(found, titles) == {"a": found["a"]}
    # the listing page's own description is the site's too
    site = ["An LGA SURVEY of lead members for adult social care."]
    assert usable_descriptions(found, titles, site) == {}


def entry(**kw: object) -> Entry:
    base = Entry(
        source_id="lga",
        publisher="Local Government Association",
        url="https://example.org/a",
        original_url="https://example.org/a",
        title="Care Act 10 years on",
        published_at=NOW - timedelta(days=1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_only_new_items_whose_lane_is_the_models_are_described() -> None:
    decider = Decider(rng=random.Random(0))
    source = SourceConfig(id="lga", publisher="LGA", kind="page", url="https://example.org/")
    later = Situation(source, NOW)
    assert decider.wants_description(entry(), later)
    assert decider.wants_description(entry(summary="Care Act 10 years on"), later)  # repeats
    assert not decider.wants_description(entry(summary="A survey of councils."), later)
    # quiet whatever the model says: no page is read for them
    assert not decider.wants_description(entry(), Situation(source, NOW, flood=60))
    assert not decider.wants_description(
        entry(published_at=None), Situation(source, NOW, first=True)
    )
    assert decider.wants_description(entry(), Situation(source, NOW, first=True))  # dated
    assert not decider.wants_description(entry(published_at=NOW - timedelta(days=90)), later)
