"""`curator item add URL`: a publication added by its link, read through the real fetcher,
loopback server and parser process, stored once, classified, queued or accepted, and its
proposal carried into the draft (marked until an editor uses it)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from click.testing import Result
from sqlalchemy import Engine, select

from curator.items.match import match_source
from curator.records import ADDED_BY_LINK, SourceConfig
from curator.store.decisions import Actor, DecisionError, decide
from curator.store.expiry import expire_candidates
from curator.store.schema import decisions, item_proposals, items, outbox, predictions
from tests.conftest import REPO
from tests.support.cli import Run, in_process_cli
from tests.support.enrich import ENRICH, load_case, serve
from tests.support.factories import add_item
from tests.support.httpserver import LocalServer

pytestmark = pytest.mark.storage

KEYS = [
    "item_id",
    "existing",
    "url",
    "title",
    "publisher",
    "published_at",
    "document_type",
    "summary",
    "key_findings",
    "provenance",
    "sector",
    "category",
    "relevance",
    "lane",
]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Run:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - id: dhsc\n    publisher: Department of Health and Social Care\n"
        "    kind: feed\n    url: https://www.gov.uk/government/organisations/dhsc.atom\n",
        encoding="utf-8",
    )
    return in_process_cli(
        monkeypatch,
        tmp_path,
        CURATOR_DATABASE_URL=db_url,
        CURATOR_MODEL_DIR=str(REPO / "models"),
        CURATOR_SOURCES_FILE=str(sources),
        USER="alice",
    )


def case_url(server: LocalServer, name: str) -> str:
    return serve(server, load_case(ENRICH / "cases" / f"{name}.json"))


def added(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, lines  # exactly one object
    got: dict[str, object] = json.loads(lines[0])
    assert list(got) == KEYS
    return got


def recommendations() -> list[str]:
    page = lxml.html.fromstring(
        (ENRICH / "govuk" / "start-for-life-html-publication.html").read_bytes()
    )
    heading = next(h for h in page.iter("h2") if h.get("id") == "recommendations")
    points = next(s for s in heading.itersiblings() if s.tag in ("ol", "ul"))
    found = [" ".join(li.text_content().split()) for li in points.iter("li")]
    assert len(found) == 6
    return found


def test_a_govuk_html_publication_gives_its_title_publisher_and_recommendations(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    url = case_url(server, "govuk-html-publication-page-fallback")
    got = added(cli("item", "add", url, "--json"))
    assert got["existing"] is False and got["url"] == url
    assert got["title"] == "Start for Life services: thematic review"
    assert got["publisher"] == "Ofsted"  # the page's govuk: organisation meta tag
    points = recommendations()
    findings = got["key_findings"]
    assert isinstance(findings, list) and findings
    matched = [p for p in points if any(p.startswith(f) for f in findings)]
    assert len(matched) >= 0.9 * len(points)
    assert [next(f for f in findings if p.startswith(f)) for p in matched] == findings  # in order
    provenance = got["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["key_findings"] == f"{url} § 2. Recommendations"
    assert got["lane"] == "card" and got["published_at"] == "2024-06-13T08:30:00+00:00"
    assert got["sector"] in ("adult_social_care_health", "children_young_people")
    assert isinstance(got["relevance"], float)
    with engine.connect() as conn:
        row = conn.execute(select(items)).mappings().one()
        assert (row["id"], row["source_id"], row["status"]) == (
            got["item_id"],
            ADDED_BY_LINK,
            "queued",
        )
        assert conn.execute(select(item_proposals.c.key_findings)).scalar_one() == findings
        assert len(conn.execute(select(predictions)).all()) == 1


def test_adding_the_same_link_again_shows_the_existing_item(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    url = case_url(server, "govuk-html-publication-page-fallback")
    first = added(cli("item", "add", url, "--json"))
    fetched = len(server.requests)
    for again in (url, url + "?utm_source=newsletter#recommendations", url.upper()[:7] + url[7:]):
        got = added(cli("item", "add", again, "--json"))
        assert got["existing"] is True and got["item_id"] == first["item_id"]
        assert got["key_findings"] == first["key_findings"]
    assert len(server.requests) == fetched  # known links are not fetched again
    result = cli("item", "add", url)
    assert result.exit_code == 0 and f"Already stored as item {first['item_id']}" in result.stdout
    with engine.connect() as conn:
        assert len(conn.execute(select(items)).all()) == 1


def test_a_landing_page_gets_its_findings_from_the_report_pdf(
    cli: Run, server: LocalServer
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    got = added(cli("item", "add", url, "--json"))
    spec = json.loads((ENRICH / "pdf-text.json").read_text(encoding="utf-8"))
    lga = next(s for s in spec["pdfs"] if s["file"] == "lga-care-act-10-years-on.pdf")
    assert got["key_findings"] == [text for kind, text in lga["blocks"] if kind == "bullet"]
    provenance = got["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["key_findings"].endswith("care-act-2014-10-years-on.pdf § Key findings")
    assert got["publisher"] == "Local Government Association"


def test_a_govuk_path_already_stored_is_the_same_publication(cli: Run, engine: Engine) -> None:
    # stored by a poll but never shown (older than the backfill window, first seen in 2024):
    # not fetched again, but put in front of the editors now
    item_id = add_item(
        engine,
        url="https://www.gov.uk/government/publications/care-homes",
        canonical_url="https://gov.uk/government/publications/care-homes",
        govuk_path="/government/publications/care-homes",
        status="new",
        lane="quiet",
    )
    before = datetime.now(UTC)
    got = added(
        cli("item", "add", "http://www.gov.uk/government/publications/care-homes?page=2", "--json")
    )
    assert (got["existing"], got["item_id"], got["lane"]) == (True, item_id, "card")
    # its age as a candidate counts from now, so the nightly expiry (60 days undecided) leaves it
    with engine.begin() as conn:
        assert expire_candidates(conn, before - timedelta(days=60), now=before) == []
        row = conn.execute(select(items.c.status, items.c.lane, items.c.carded_at)).one()
    assert (row.status, row.lane) == ("queued", "card")
    assert row.carded_at is not None and row.carded_at >= before - timedelta(seconds=1)


def test_a_near_identical_title_from_the_same_publisher_is_the_same_publication(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    item_id = add_item(
        engine,
        source_id="ofsted",
        publisher="Ofsted",
        title="Start for Life services: thematic review",
        title_key="start for life services thematic review",
        url="https://example.org/start-for-life",
        canonical_url="https://example.org/start-for-life",
        published_at=datetime(2024, 6, 12, tzinfo=UTC),
    )
    url = case_url(server, "govuk-html-publication-page-fallback")
    got = added(cli("item", "add", url, "--json"))
    assert (got["existing"], got["item_id"]) == (True, item_id)
    assert got["key_findings"]  # the proposal read now is kept for the item found
    with engine.connect() as conn:
        assert len(conn.execute(select(items)).all()) == 1


def test_accept_goes_through_the_decision_code_into_the_open_edition(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    result = cli(
        "item", "add", url, "--accept", "--sector", "criminal_justice", "--category", "briefings"
    )
    assert result.exit_code == 0, result.output
    assert "accepted into" in result.stdout
    with engine.connect() as conn:
        item = conn.execute(select(items)).mappings().one()
        (decision,) = conn.execute(select(decisions)).mappings().all()
        assert conn.execute(select(outbox)).all() == []  # accepted: no card to triage
    assert (item["status"], item["sector"], item["category"]) == (
        "accepted",
        "criminal_justice",
        "briefings",
    )
    assert (decision["action"], decision["user_id"], decision["via"]) == ("accept", "alice", "cli")


def test_labels_without_accept_are_a_relabel_in_the_audit_trail(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    got = added(cli("item", "add", url, "--category", "tools_guidance", "--json"))
    assert got["category"] == "tools_guidance"
    with engine.connect() as conn:
        (decision,) = conn.execute(select(decisions)).mappings().all()
    assert (decision["action"], decision["category"]) == ("relabel", "tools_guidance")


def test_a_page_that_cannot_be_read_exits_1_and_stores_nothing(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    result = cli("item", "add", server.url("/gone"), "--json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "could not read the publication" in result.stderr and "HTTP 404" in result.stderr
    server.add("/locked.pdf", (ENRICH / "pdfs" / "hostile-encrypted.pdf").read_bytes())
    locked = cli("item", "add", server.url("/locked.pdf"))
    assert locked.exit_code == 1 and "password" in locked.stderr
    with engine.connect() as conn:
        assert conn.execute(select(items)).all() == []


def test_a_feed_link_is_refused_with_how_to_watch_it(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    # An editor pastes a publisher's feed instead of one publication: read as a page, it
    # became a card titled with the feed's URL.
    feed = (
        REPO / "tests" / "fixtures" / "feeds" / "govuk-organisation-dhsc-built-2026-11-24.atom"
    ).read_bytes()
    server.add("/feed", feed, headers={"Content-Type": "text/xml"})
    result = cli("item", "add", server.url("/feed"))
    assert result.exit_code == 1, result.output
    assert "is a feed" in result.stderr
    assert f"curator sources add {server.url('/feed')}" in result.stderr
    with engine.connect() as conn:
        assert conn.execute(select(items)).all() == []


@pytest.mark.parametrize(
    "args",
    [
        ("not a link",),
        ("ftp://example.org/report.pdf",),
        ("https://example.org/r", "--sector", "space"),
        ("https://example.org/r", "--category", "poems"),
    ],
)
def test_usage_errors_exit_2(cli: Run, args: tuple[str, ...], engine: Engine) -> None:
    result = cli("item", "add", *args)
    assert result.exit_code == 2, result.output
    with engine.connect() as conn:
        assert conn.execute(select(items)).all() == []


def test_a_watched_source_lends_its_publisher_and_keeps_its_health(
    cli: Run, server: LocalServer, engine: Engine, tmp_path: Path
) -> None:
    page = server.add(
        "/reports/what-works",
        "<html><head><title>What works in youth diversion</title></head><body><main>"
        "<h1>What works in youth diversion</h1><p>A review of the evidence on diverting "
        "children from the youth justice system, published with local partners.</p>"
        "</main></body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - id: trust\n    publisher: Example Trust\n    kind: page\n"
        f"    url: {server.url('/reports/')}\n",
        encoding="utf-8",
    )
    got = added(cli("item", "add", page, "--json"))
    assert got["publisher"] == "Example Trust"
    with engine.connect() as conn:
        assert conn.execute(select(items.c.source_id)).scalar_one() == ADDED_BY_LINK


def _page(title: str, head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body><main><h1>Prison education</h1>"
        "<p>A review of education in prisons in England, with what the inspectors found and "
        "what they recommend the service does next.</p></main></body></html>"
    )


def test_the_page_s_title_names_its_publisher_not_the_host(cli: Run, server: LocalServer) -> None:
    # "X | Ministry of Justice" was added with the host name as its publisher
    html = {"Content-Type": "text/html; charset=utf-8"}
    url = server.add(
        "/moj/prison-education", _page("Prison education | Ministry of Justice"), headers=html
    )
    got = added(cli("item", "add", url, "--json"))
    assert (got["title"], got["publisher"]) == ("Prison education", "Ministry of Justice")
    # the site's own name, where it gives one, still comes first
    named = server.add(
        "/named",
        _page("Prison education | MoJ", '<meta property="og:site_name" content="Justice UK">'),
        headers=html,
    )
    assert added(cli("item", "add", named, "--json"))["publisher"] == "Justice UK"


def test_a_page_that_names_no_publisher_is_shown_by_its_host_with_a_warning(
    cli: Run, server: LocalServer
) -> None:
    url = server.add(
        "/plain",
        _page("Prison education - annual review"),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    result = cli("item", "add", url, "--json")
    assert added(result)["publisher"] == "127.0.0.1"
    assert f"{url}: the page does not name its publisher; shown as 127.0.0.1" in result.stderr


def _source(id: str, url: str, publisher: str) -> SourceConfig:
    return SourceConfig(id=id, publisher=publisher, kind="feed", url=url)


def test_match_source_by_host_and_path() -> None:
    sources = [
        _source("nuffield", "https://www.nuffieldtrust.org.uk/rss.xml", "Nuffield Trust"),
        _source("ifg-reports", "https://ifg.org.uk/publications/feed", "Institute for Government"),
        _source("ifg-blog", "https://ifg.org.uk/blog/feed", "IfG blog"),
        _source("dhsc", "https://www.gov.uk/government/organisations/dhsc.atom", "DHSC"),
    ]
    found = match_source(sources, "http://nuffieldtrust.org.uk/research/x")
    assert found is not None and found.id == "nuffield"
    found = match_source(sources, "https://www.ifg.org.uk/publications/a-report")
    assert found is not None and found.id == "ifg-reports"
    assert match_source(sources, "https://ifg.org.uk/other/x") is None  # a tie: nobody's
    assert match_source(sources, "https://www.gov.uk/government/publications/x") is None
    assert match_source(sources, "https://elsewhere.example/x") is None


# --- into the draft ------------------------------------------------------------------------


def _draft(cli: Run, fmt: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"draft.{fmt}"
    result = cli("draft", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    return out.read_bytes()


def test_a_draft_with_proposed_items_renders_and_marks_them(
    cli: Run, server: LocalServer, engine: Engine, tmp_path: Path
) -> None:
    from docx import Document

    url = case_url(server, "govuk-html-publication-page-fallback")
    got = added(cli("item", "add", url, "--accept", "--json"))
    # a landing page whose report is a locked PDF fails only its own item: the page is read
    locked = added(cli("item", "add", case_url(server, "landing-page-to-encrypted-pdf"), "--json"))
    decide(engine, int(str(locked["item_id"])), "accept", Actor("alice"), sector="criminal_justice")
    first = str(got["key_findings"][0])  # type: ignore[index]

    ofsted = f"key findings from {url} § 2. Recommendations"
    md = _draft(cli, "md", tmp_path).decode()
    assert "Ofsted recommend:" in md and first[:60] in md
    assert md.count("[PROPOSED: ") == 2  # both items: neither is an editor's text yet
    assert "or curator edition edit, makes it the editors' own" in md and "\\`" not in md
    assert ofsted in md.replace("\\", "")

    html = _draft(cli, "html", tmp_path).decode()
    assert "Ofsted recommend:" in html and html.count("[PROPOSED: ") == 2 and ofsted in html

    document = Document(io.BytesIO(_draft(cli, "docx", tmp_path)))
    comments = {c.text: c for c in document.comments}
    assert len(comments) == 2
    (mine,) = [c for text, c in comments.items() if ofsted in text]
    assert mine.author == "Pulse Curator" and mine.initials == "PC"
    assert any(p.text == first for p in document.paragraphs)

    # an editor uses the proposal: it is theirs now, and no format marks it any more
    outcome = decide(engine, int(str(got["item_id"])), "use_proposal", Actor("bob", via="slack"))
    assert outcome.result == "recorded"
    html = _draft(cli, "html", tmp_path).decode()
    assert "Ofsted recommend:" in html and first[:60] in html
    assert html.count("[PROPOSED: ") == 1 and ofsted not in html  # the other item's only
    md = _draft(cli, "md", tmp_path).decode().replace("\\", "")
    assert md.count("[PROPOSED: ") == 1 and ofsted not in md
    document = Document(io.BytesIO(_draft(cli, "docx", tmp_path)))
    assert [ofsted in c.text for c in document.comments] == [False]


def test_use_proposal_is_in_the_audit_trail(cli: Run, server: LocalServer, engine: Engine) -> None:
    got = added(cli("item", "add", case_url(server, "drupal-landing-page-to-pdf"), "--json"))
    item_id = int(str(got["item_id"]))
    decide(engine, item_id, "use_proposal", Actor("U1", "alice", via="slack"))
    result = cli("decisions", "export", "--format", "jsonl")
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["action"] == "use_proposal" and row["user_name"] == "alice"
    assert row["edits"]["key_findings"] == got["key_findings"]
    assert row["edits"]["lead_in"] == "Key findings include:"
    with engine.connect() as conn:
        item = conn.execute(select(items)).mappings().one()
        used = conn.execute(select(item_proposals.c.used_by)).scalar_one()
    assert item["key_findings"] == got["key_findings"] and used == "alice"
    # used once: a second use is refused, so it neither records again nor writes over an edit
    with pytest.raises(DecisionError, match="already used by alice"):
        decide(engine, item_id, "use_proposal", Actor("U2", "bob", via="slack"))
    assert item["first_seen_at"] > datetime.now(UTC) - timedelta(minutes=5)


def test_item_propose_reads_the_accepted_items_never_read(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    url = case_url(server, "drupal-landing-page-to-pdf")
    polled = add_item(engine, url=url, canonical_url=url.replace("http://", "https://"))
    other = add_item(engine)  # queued, not accepted: not read
    outcome = decide(engine, polled, "accept", Actor("alice"), sector="criminal_justice")
    result = cli("item", "propose", "--edition", str(outcome.edition))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"item {polled}: proposed a summary and 6 key findings\n"
    with engine.connect() as conn:
        assert conn.execute(select(item_proposals.c.item_id)).scalars().all() == [polled]
    again = cli("item", "propose", "--edition", str(outcome.edition))
    assert "was read already" in again.stdout
    assert cli("item", "propose", "999999").exit_code == 2
    assert cli("item", "propose").exit_code == 2
    assert cli("item", "propose", "--edition", "2024-13").exit_code == 2
    assert other != polled


def test_reading_again_a_page_that_broke_keeps_the_proposal_read_before(
    cli: Run, server: LocalServer, engine: Engine
) -> None:
    # `curator item propose ID` after the publisher moved the page replaced a good proposal
    # with "nothing proposed": the editors lost the text they had not used yet.
    def report(finding: str) -> str:
        return (
            "<html><head><title>Care Act 10 years on</title></head><body><main>"
            "<h1>Care Act 10 years on</h1><p>The survey asked lead members for adult social "
            "care at English councils what the Care Act had changed in the decade since it "
            f"received royal assent. {finding} A total of 49 councils responded to the survey, "
            "a response rate of 32 per cent.</p></main></body></html>"
        )

    html = {"Content-Type": "text/html"}
    url = server.add("/report.html", report("Most said it improved carers' rights."), headers=html)
    item_id = add_item(engine, url=url)
    decide(engine, item_id, "accept", Actor("alice"), sector="adult_social_care_health")
    first = cli("item", "propose", str(item_id))
    assert first.stdout == f"item {item_id}: proposed a summary\n", first.output
    with engine.connect() as conn:
        before = conn.execute(select(item_proposals)).one()
    server.add("/report.html", "gone", status=404)
    again = cli("item", "propose", str(item_id))
    assert again.exit_code == 0
    assert again.stdout.startswith(f"item {item_id}: nothing proposed this time: ")
    assert "HTTP 404" in again.stdout
    assert again.stdout.endswith(
        f"the proposal read on {before.created_at:%d %b %Y}".replace(" 0", " ").lstrip("0")
        + " is kept\n"
    )
    with engine.connect() as conn:
        assert conn.execute(select(item_proposals)).one() == before
    # a reading that proposes text does replace it
    server.add("/report.html", report("Most said funding fell short of it."), headers=html)
    assert cli("item", "propose", str(item_id)).stdout == f"item {item_id}: proposed a summary\n"
    with engine.connect() as conn:
        assert "funding fell short" in conn.execute(select(item_proposals.c.summary)).scalar_one()


def test_without_a_model_a_page_with_no_facts_is_shown_plainly_and_said_once(
    cli: Run, server: LocalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from curator.config import get_settings

    monkeypatch.setenv("CURATOR_MODEL_DIR", str(tmp_path / "no-model"))
    get_settings.cache_clear()
    page = (
        "<html><head><title>Kinship care support: an evaluation</title>"
        '<meta name="description" content="An evaluation of kinship care support in England.">'
        "</head><body><h1>Kinship care support: an evaluation</h1><p>Text.</p></body></html>"
    )
    url = server.add("/kinship.html", page, headers={"Content-Type": "text/html"})
    result = cli("item", "add", url)
    assert result.exit_code == 0, result.output
    # no date, no document type, no prediction: no line of facts, not an empty one
    assert result.stdout.splitlines()[1:3] == [f"  {url}", "  queued: `curator review` shows it"]
    assert result.stderr.count("no model at") == 1


def test_the_date_shown_is_the_day_in_the_editors_time_zone(cli: Run, server: LocalServer) -> None:
    """Published "2024-06-11T00:01:00+01:00" (stored as 23:01 UTC on 10 June) is 11 June, as
    the page and the draft say; the terminal said "10 Jun 2024"."""
    page = (
        "<html><head><title>Public views on the NHS</title>"
        '<meta property="article:published_time" content="2024-06-11T00:01:00+01:00">'
        "</head><body><h1>Public views on the NHS</h1><p>Text.</p></body></html>"
    )
    url = server.add("/views.html", page, headers={"Content-Type": "text/html"})
    result = cli("item", "add", url)
    assert result.exit_code == 0, result.output
    assert "11 Jun 2024" in result.stdout and "10 Jun 2024" not in result.stdout
