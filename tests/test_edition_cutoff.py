"""The detector of summaries a feed cut off, checked on real feed text (fixtures and training
data, whose provenance is in tests/fixtures/PROVENANCE.md and data/training/README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from curator.edition.cutoff import cut_off_reason, is_cut_off
from tests.conftest import FIXTURES, REPO


def feed_summaries(path: Path) -> Iterator[str]:
    """The summaries the parser makes of a fixture document (its ``.expected.json``)."""
    expected = json.loads(path.read_text("utf-8")).get("expected")
    entries = expected.get("entries") if isinstance(expected, dict) else None
    for entry in entries or []:
        if entry.get("summary"):
            yield str(entry["summary"])


def jsonl_summaries(path: Path) -> Iterator[str]:
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and (summary := json.loads(line).get("summary")):
            yield str(summary)


#: Real text, and how many of its summaries are flagged: (flagged, of).
CORPUS: dict[str, tuple[int, int]] = {
    # Blogs behind FeedBurner and RSS 1.0: every excerpt ends "...".
    "feeds/awkward-atom-feedburner-xml-base-xhtml.xml": (10, 10),
    "feeds/awkward-rss10-rdf-avibryant.xml": (10, 10),
    # The Guardian: every item ends "Continue reading...".
    "feeds/uk-guardian-rss-media-rss.xml": (25, 25),
    # Cut at a field's size, mid-word: PCMag at 100 characters, Giant Bomb at 255.
    "feeds/awkward-rss-illegally-nested-elements.xml": (7, 10),
    "feeds/awkward-huge-podcast-rss-giantbomb-1.6mb.xml": (6, 25),
    # Whole posts: 3 stop where a code block or list was dropped ("…to a number of .htaccess
    # files"), one ends "...".
    "feeds/awkward-atom-xhtml-content-relative-links-intertwingly.xml": (3, 20),
    # One item's summary is a stylesheet (it ends on "}", long, unpunctuated).
    "feeds/awkward-rss-relative-channel-and-item-links.xml": (1, 2),
    # Built from GOV.UK's templates: the trial's "…the role of the care transfer hub…".
    "feeds/govuk-organisation-dhsc-built-2026-11-24.atom": (1, 9),
    "feeds/govuk-organisation-dhsc-built-2026-11-26.atom": (1, 9),
    "pages/howardleague-blog-listing-built.html": (1, 3),
    # Whole descriptions: news ledes and podcast notes, some without a final full stop (the
    # Russian headlines-as-summaries), none flagged.
    "feeds/awkward-atom-wrapped-in-xhtml-document.xml": (0, 10),
    "feeds/awkward-huge-podcast-rss-cre-614kb.xml": (0, 25),
    "feeds/awkward-rss-iso-8859-1-declared.xml": (0, 23),
    "feeds/awkward-rss-windows-1251-encoding.xml": (0, 10),
    "feeds/awkward-rss-unescaped-ampersand-sax-error.xml": (0, 3),
    "feeds/reader-full-atom-all-fields.atom": (0, 1),
    "pages/hmiprobation-inspections-listing-built.html": (0, 3),
}
TRAINING: dict[str, tuple[int, int]] = {
    # Search snippets of UK policy publications: most end " ..." (97), the rest whole.
    "data/training/hand-judged-public-items.jsonl": (97, 117),
    # 33 Guardian "Continue reading..." and 22 cut with "…" at 600 characters.
    "data/training/collected-public-items.jsonl": (55, 2024),
    # The reference edition cut at 1,500 characters with "…" for training (16 of them).
    "data/training/editor-reference-2024-06.jsonl": (16, 33),
    # The editors' own reference edition: only the item the file cut at 4,000 characters, in
    # the middle of a recommendation ("…identify appropriate interventions for"). Its lists that
    # end without a full stop are not flagged.
    "tests/fixtures/reference/pulse-2024-06-items.jsonl": (1, 36),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_real_feed_summaries(name: str) -> None:
    summaries = list(feed_summaries(FIXTURES / f"{name}.expected.json"))
    flagged = [s for s in summaries if is_cut_off(s)]
    assert (len(flagged), len(summaries)) == CORPUS[name]


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_real_summaries_in_the_training_data(name: str) -> None:
    summaries = list(jsonl_summaries(REPO / name))
    flagged = [s for s in summaries if is_cut_off(s)]
    assert (len(flagged), len(summaries)) == TRAINING[name]


@pytest.mark.parametrize(
    ("summary", "reason"),
    [
        # GOV.UK organisation feed (built fixture, the trial's example)
        (
            "Guidance for NHS trusts and local authorities on supporting unpaid carers' "
            "involvement in discharge decisions and the role of the care transfer hub…",
            "it ends with an ellipsis",
        ),
        # FeedBurner
        ("In an effort to keep owners interested...", "it ends with an ellipsis"),
        # hand-judged: a search snippet, and one ending in a quote
        (
            "...on the protective power of family life on our children and society. ...",
            "it ends with an ellipsis",
        ),
        ('schools and partnerships with schools ..."', "it ends with an ellipsis"),
        # WordPress excerpts
        ("The report looks at how councils commission care […]", "it ends with an ellipsis"),
        ("The report looks at how councils commission care [...]", "it ends with an ellipsis"),
        # The Guardian; NHS Digital via a newsletter
        (
            "The cause of death has not yet been verified. Continue reading...",
            "it ends with a read-more link",
        ),
        (
            "covering from 2015-16 up to the latest available figures. ... Read more – NHS "
            "Digital (25/3/21)",
            "it ends with a read-more link",
        ),
        (
            "The inspection found services require improvement. Read more »",
            "it ends with a read-more link",
        ),
        # PCMag (100 characters) and Giant Bomb (255), mid-word
        (
            "Let history-and advertising-be your guide into seeing just how iOS is being poised "
            "to utterly replac",
            "it stops without a full stop at 100 characters, a feed's field size",
        ),
        (
            "The Switch Lite is the big story of the week, but we also touch on Dragon Quest "
            "Builders 2, SolSeraph, and FFXIV, get deep into the future of Capcom fighting, "
            "contemplate cinematic fatalities, argue about pigs in blankets, and get in the mud at "
            "the demoli",
            "it stops without a full stop at 255 characters, a feed's field size",
        ),
        (
            "...is Valve going to have to let you resell your games? Weird! The",
            "its last sentence stops at 'the'",
        ),
        ("Councils were asked about the role of the", "its last sentence stops at 'the'"),
        ("Providers, commissioners and", "its last sentence stops at 'and'"),
        ("The report recommends:", "it ends on ':'"),
        ("Findings include the number of referrals,", "it ends on ','"),
    ],
)
def test_cut_off_examples(summary: str, reason: str | None) -> None:
    assert cut_off_reason(summary) == reason


@pytest.mark.parametrize(
    "summary",
    [
        "",
        "   ",
        "Nite 1 is here!",  # Giant Bomb
        "Some text.",
        # GOV.UK descriptions: a sentence, or a headline without a full stop
        "Annual survey of care workers and registered managers on recruitment, retention, pay "
        "and wellbeing.",
        "Guidance for local authorities on the Care Act",
        # Russian news ledes without a full stop (windows-1251 feed)
        "Переполох был вызван обнаружением бесхозной коробки из-под обуви",
        # closing brackets (hand-judged; the reference edition)
        "Exploitation of both victims and offenders in 'county lines' drug offending. "
        "(HMICFRS - Jan 2020)",
        "What are the outcomes? (workforce, people and culture priority area)",
        "Some notes on the W3C standards. [via Patrick Mueller]",
        # the editors' own lists end without full stops (reference edition)
        "The report recommends:\n\n- Develop the pipeline for regulated professionals\n"
        "- Further interventions that healthcare professionals may be involved in",
        "Three asks:\n1. A national strategy to close the attainment gap\n"
        "3. A more progressive student finance system",
        "- Part 2: change ideas: this section outlines 8 strategic change areas. This section "
        "has been created following conversations with ICS, provider and Regional Chief AHPs to "
        "support AHP system leaders to ensure that consideration of health inequalities is "
        "embedded into the work they are already doing",
        # a list flattened into one line (training copy of the reference edition)
        "Respondents said: - Eight in ten said the Act is fit for purpose. - All respondents "
        "agreed that not enough emphasis is placed on preventing or reducing sickness before "
        "it occurs",
        # a snippet ending in a date or label after long text (hand-judged)
        "Aimed at young people aged 10 to 25 and their families, through local systems reform, "
        "this report sets out how youth services can be transformed by partnership working, in "
        "partnership with Nacro and Peer Power. ... Publish date 1 February 2017",
        # "read more" inside a sentence is not a link
        "The evaluation is published today; you can read more about the method in its annex.",
        "Ofsted says children deserve better and that leaders should read more of the research",
    ],
)
def test_whole_summaries_are_not_flagged(summary: str) -> None:
    assert cut_off_reason(summary) is None


def test_long_prose_whose_last_sentence_stops() -> None:
    text = (
        "The review looked at how 40 local authorities commission home care. It found that "
        "most commissioned by the hour, and that few paid for travel time. Providers told the "
        "review that the rates they were paid did not cover the cost of a visit and that staff "
        "were leaving for better paid work in retail and"
    )
    assert cut_off_reason(text) == "its last sentence stops at 'and'"
    assert cut_off_reason(text.rsplit(" ", 3)[0]) == "its last sentence has no full stop"
    assert cut_off_reason(text.rsplit(" ", 3)[0] + ".") is None


def test_a_cut_at_a_field_size_one_past_the_dropped_space() -> None:
    # PCMag: cut at 100 characters after a word; the space was dropped when the text was cleaned.
    text = "x" * 90 + " unless it"
    assert len(text) == 100
    assert is_cut_off(text[:99])
    assert not is_cut_off(text[:97])


def test_a_long_run_of_dots_is_an_ellipsis() -> None:
    # read from the summary's tail only (a run of dots matched from every start was quadratic)
    assert cut_off_reason("." * 20_000) == "it ends with an ellipsis"
    assert cut_off_reason("Findings " + "…" * 20_000) == "it ends with an ellipsis"
