"""The shipped sources.yaml: enough enabled sources, every publisher an editor expects, the
statistics lane, and the fixes the public evidence called for (docs/sources-evidence.md)."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

from curator.records import SourceConfig
from curator.sources import load_sources
from tests.conftest import REPO

SOURCES = load_sources(REPO / "sources.yaml")
ENABLED = [s for s in SOURCES if s.enabled]
BY_ID = {s.id: s for s in SOURCES}

#: Publishers the editors asked for by name, as the digest prints them.
NAMED = [
    "National Audit Office",
    "House of Commons Library",
    "Healthwatch England",
    "National Institute for Health and Care Excellence",
    "National Institute for Health and Care Research",
    "HM Inspectorate of Constabulary and Fire & Rescue Services",
    "Cafcass",
    "Social Work England",
    "Resolution Foundation",
    "Institute for Government",
    "Joseph Rowntree Foundation",
    "Institute for Public Policy Research",
    "Clinks",
    "Centre for Justice Innovation",
    "Criminal Justice Alliance",
    "Crest Advisory",
    "Nacro",
    "Catch22",
]
#: Statistics lane: GOV.UK organisation slug -> publisher.
STATISTICS = {
    "ministry-of-justice": "Ministry of Justice",
    "youth-justice-board-for-england-and-wales": "Youth Justice Board for England and Wales",
    "hm-prison-and-probation-service": "HM Prison and Probation Service",
    "department-for-education": "Department for Education",
    "department-of-health-and-social-care": "Department of Health and Social Care",
}


def _publishers() -> dict[str, list[SourceConfig]]:
    out: defaultdict[str, list[SourceConfig]] = defaultdict(list)
    for s in ENABLED:
        out[s.publisher].append(s)
    return out


def test_at_least_85_enabled_sources() -> None:
    assert len(ENABLED) >= 85


def test_every_named_publisher_is_watched() -> None:
    watched = _publishers()
    missing = [name for name in NAMED if name not in watched]
    assert missing == []


def test_the_statistics_lane_uses_the_published_statistics_finder_feed() -> None:
    found: dict[str, str] = {}
    for s in ENABLED:
        parts = urlsplit(s.url)
        query = parse_qs(parts.query)
        if (
            parts.netloc == "www.gov.uk"
            and parts.path == "/search/research-and-statistics.atom"
            and query.get("content_store_document_type") == ["statistics_published"]
        ):
            (org,) = query["organisations[]"]
            found[org] = s.publisher
    assert found == STATISTICS


def test_every_source_says_what_evidence_it_rests_on() -> None:
    assert [s.id for s in SOURCES if not (s.notes and s.notes.strip())] == []


def test_evidence_fixes_are_applied() -> None:
    early_years = BY_ID["ofsted-early-years-blog"]
    assert early_years.publisher == "Ofsted" and "dfe-early-years-blog" not in BY_ID
    # HM Inspectorate of Probation moved to its own site in March 2025
    probation = [s for s in ENABLED if s.publisher == "HM Inspectorate of Probation"]
    assert not [s.url for s in probation if "www.justiceinspectorates.gov.uk/hmiprobation" in s.url]
    assert BY_ID["hmi-probation-reports"].url == (
        "https://hmiprobation.justiceinspectorates.gov.uk/feed/?post_type=document"
    )
    assert BY_ID["hmi-prisons-reports"].url == (
        "https://hmiprisons.justiceinspectorates.gov.uk/feed/?post_type=hmipris_reports"
    )
    # the EPI feed was empty: its listing page, with the selectors a public scraper uses
    epi = BY_ID["epi"]
    assert epi.kind == "page" and epi.url == "https://epi.org.uk/publications-and-research/"
    assert epi.selectors is not None and epi.selectors.title == "div.box-typ1-title a"
    # WordPress sites: the feed before selectors
    for source_id in ("centre-for-mental-health", "scie"):
        assert BY_ID[source_id].kind == "feed", source_id
    # the noisy case-reviews round-up is off, the national panel's feed is on
    assert not BY_ID["nspcc-case-reviews"].enabled and BY_ID["cspr-panel"].enabled


def test_sites_that_refuse_bots_stay_enabled_for_the_blocked_lane() -> None:
    # They become "blocked" (checked daily, listed to check by hand) rather than disappearing.
    for source_id in ("lga", "ncb", "kings-fund", "health-foundation"):
        assert BY_ID[source_id].enabled, source_id
