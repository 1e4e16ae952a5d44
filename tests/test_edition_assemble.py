"""The pure assembler: order, headings, placeholders (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.edition.assemble import (
    KEY_FINDINGS_LEAD,
    SUMMARY_TO_WRITE,
    UNSORTED_SECTOR,
    DraftItem,
    assemble,
    body_blocks,
    edition_title,
    item_heading,
    safe_link,
)


def item(n: int, **kw: object) -> DraftItem:
    values: dict[str, object] = {
        "item_id": n,
        "publisher": "NHS England",
        "title": f"Report {n}",
        "url": f"https://example.org/{n}",
        "summary": "A summary.",
        "key_findings": (),
        "sector": "adult_social_care_health",
        "category": "reports",
        "position": None,
        "accepted_at": datetime(2024, 6, 1, tzinfo=UTC),
    }
    values.update(kw)
    return DraftItem(**values)  # type: ignore[arg-type]


def titles(edition_items: list[DraftItem]) -> list[str]:
    return [i.title for i in edition_items]


def test_sectors_and_categories_follow_the_reference_order() -> None:
    edition = assemble(
        "2024-06",
        [
            item(1, sector="criminal_justice", category=None),
            item(2, sector="children_young_people", category="tools_guidance"),
            item(3, category="briefings"),
            item(4, sector="children_young_people", category="reports"),
            item(5, category="reports"),
        ],
    )
    assert edition.title == "June 2024"
    assert [s.heading for s in edition.sections] == [
        "Adult Social Care and Health",
        "Children and Young People's Services",
        "Criminal Justice",
    ]
    assert [[b.heading for b in s.categories] for s in edition.sections] == [
        ["Reports", "Briefings"],
        ["Reports", "Tools and Guidance"],
        [None],
    ]
    assert edition.item_count == 5


def test_uncategorised_items_come_first_under_their_sector() -> None:
    # Printed straight under the sector heading, so they must come before any category heading.
    edition = assemble("2024-06", [item(1, category="reports"), item(2, category=None)])
    assert [b.category_id for b in edition.sections[0].categories] == [None, "reports"]


def test_position_wins_then_acceptance_time_then_id() -> None:
    t = datetime(2024, 6, 1, tzinfo=UTC)
    edition = assemble(
        "2024-06",
        [
            item(1, accepted_at=t.replace(day=3)),
            item(2, accepted_at=t.replace(day=2)),
            item(3, position=5, accepted_at=t.replace(day=9)),
            item(4, position=1, accepted_at=t.replace(day=9)),
            item(5, accepted_at=None),
            item(6, accepted_at=t.replace(day=2)),
        ],
    )
    block = edition.sections[0].categories[0]
    assert titles(block.items) == [
        "Report 4",
        "Report 3",
        "Report 2",
        "Report 6",
        "Report 1",
        "Report 5",
    ]
    assert [e.item for e in block.entries] == block.items


def test_items_without_sector_or_summary_are_kept_and_flagged() -> None:
    edition = assemble("2024-06", [item(1, sector="", summary="  \n "), item(2)])
    assert [s.sector_id for s in edition.sections] == ["adult_social_care_health", UNSORTED_SECTOR]
    entry = edition.sections[1].categories[0].entries[0]
    assert entry.summary_missing
    assert entry.body[0].lines == (SUMMARY_TO_WRITE,)
    assert edition.summaries_to_write == 1
    assert edition.warnings == ("item 1 has no known sector ('')",)


@pytest.mark.parametrize(
    ("publisher", "title", "heading"),
    [
        ("NHS England", "Care Act 2014: 10 Years On", "NHS England. Care Act 2014: 10 Years On."),
        (
            "NHS England",
            "Making prevention everyone's business.",
            "NHS England. Making prevention everyone's business.",
        ),
        (
            "The Health Foundation",
            "How would clinicians use time?",
            "The Health Foundation. How would clinicians use time?",
        ),
        ("Acme Ltd.", "A report", "Acme Ltd. A report."),
        ("", "A report", "A report."),
        ("NHS  England ", " Spaced\ttitle ", "NHS England. Spaced title."),
        # a separator left at the end is dropped, not followed by the full stop
        ("Ofsted", "Annual report:", "Ofsted. Annual report."),
        ("LGA", "Care Act 2014 \u2013 ", "LGA. Care Act 2014."),
        ("LGA", "Care Act 2014 - 10 years on -", "LGA. Care Act 2014 - 10 years on."),
        ("NSPCC,", "Reports;", "NSPCC. Reports."),
        ("Ministry of Justice |", "Prison education", "Ministry of Justice. Prison education."),
        ("NHS England", "COVID-19", "NHS England. COVID-19."),
        ("Ofsted", "\u2013", "Ofsted."),  # a title of a separator alone: no trailing space
    ],
)
def test_item_heading_never_doubles_the_full_stop(publisher: str, title: str, heading: str) -> None:
    assert item_heading(publisher, title) == heading


def test_summary_paragraphs_bullets_and_key_findings() -> None:
    blocks = body_blocks("First para\ncontinues.\n\nLead in:\n- one\n• two\nAfter.")
    assert [(b.kind, b.lines) for b in blocks] == [
        ("paragraph", ("First para continues.",)),
        ("paragraph", ("Lead in:",)),
        ("bullets", ("one", "two")),
        ("paragraph", ("After.",)),
    ]
    entry = assemble("2024-06", [item(1, key_findings=("Costs rose", " ", "Waits fell"))])
    body = entry.sections[0].categories[0].entries[0].body
    assert [(b.kind, b.lines) for b in body[-2:]] == [
        ("paragraph", (KEY_FINDINGS_LEAD,)),
        ("bullets", ("Costs rose", "Waits fell")),
    ]


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://www.gov.uk/a?b=1&c=2", "https://www.gov.uk/a?b=1&c=2"),
        ("HTTP://example.org/x", "HTTP://example.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>", None),
        ("/relative/path", None),
        ("//example.org/x", None),
        ('https://example.org/"onmouseover="x', None),
        ("", None),
    ],
)
def test_only_absolute_http_links_are_linked(url: str, link: str | None) -> None:
    assert safe_link(url) == link


def test_edition_title_and_bad_ids() -> None:
    assert edition_title("2024-12") == "December 2024"
    with pytest.raises(ValueError, match="is not a month"):
        assemble("2024-13", [])


def test_firm_name_is_configurable() -> None:
    edition = assemble("2024-07", [], publication="AcmePulse", firm_name="Acme")
    assert (edition.publication, edition.news_heading) == ("AcmePulse", "Acme News")
    assert "EDITORS TO WRITE" in edition.letter_placeholder
    assert "Acme" in edition.news_placeholder


def test_items_published_in_another_month_are_listed_to_check() -> None:
    """At month end an old report added by its link went into the edition silently."""
    edition = assemble(
        "2026-12",
        [
            item(1, published_in="2026-12", published_on="3 Dec 2026"),
            item(2, published_in="2026-11", published_on="28 Nov 2026"),  # after last edition
            item(3, published_in="2024-06", published_on="10 Jun 2024"),
            item(4, published_in="2027-01", published_on="2 Jan 2027"),
            item(5),  # undated: nothing to say
        ],
    )
    assert [v.item.item_id for v in edition.published_elsewhen] == [3, 4]
    # nothing marks them in the draft, so they are not among what is marked to finish there
    assert not any("not published" in line for line in edition.to_finish())
    assert [line.split(": published ")[1] for line in edition.out_of_month()] == [
        "10 Jun 2024, not in December 2026 or the month before",
        "2 Jan 2027, not in December 2026 or the month before",
    ]
    january = assemble("2027-01", [item(1, published_in="2026-12")])
    assert january.published_elsewhen == ()
