"""sources.yaml: loading, validation messages, and saving that keeps comments."""

from __future__ import annotations

import os
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.errors import ConfigError
from curator.records import Rule
from curator.sources import (
    Problem,
    SourcesError,
    append_source,
    load_sources,
    parse_interval,
    parse_sources_text,
    set_source_enabled,
    suggest_id,
)
from tests.conftest import FIXTURES, REPO

BAD = sorted((FIXTURES / "sources").glob("*.yaml"))

SMALL = """\
# Admins' notes at the top survive every save.
defaults:
  every: 2h        # slower than the built-in default
  quiet_after: 30d

sources:
  # --- GOV.UK ---
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom
    sector_hint: adult_social_care_health   # prior only
  # --- charities ---
  - id: sutton-trust
    publisher: The Sutton Trust
    kind: feed
    url: "https://www.suttontrust.com/feed/"
    every: 6h
    jitter: 0.2
    verified: true
  - id: hmi-probation-inspections
    publisher: HM Inspectorate of Probation
    kind: page
    url: https://www.justiceinspectorates.gov.uk/hmiprobation/inspections/
    selectors:
      item: div.result.inspection
      title: h4 > a
      link: h4 > a[href]
    notes: Reports only.
# trailing comment
"""


def _problems(text: str, filename: str = "sources.yaml") -> list[str]:
    with pytest.raises(SourcesError) as info:
        parse_sources_text(text, filename)
    return [str(p) for p in info.value.problems]


# --- the bad examples: expected problems sit beside each fixture --------------------------------


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_reports_exactly_the_expected_problems(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = [ln[len("# expect: ") :] for ln in text.splitlines() if ln.startswith("# expect: ")]
    assert expected, f"{path.name} has no '# expect:' lines"
    problems = _problems(text, path.name)
    for line in expected:
        assert any(p.startswith(line) for p in problems), f"{line!r} not in {problems}"
    for p in problems:
        assert any(p.startswith(line) for line in expected), f"unexpected problem {p!r}"
    assert len(problems) == len(expected)


def test_bad_fixtures_cover_every_kind_of_problem() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in BAD)
    for needle in (
        "YAML syntax error",
        "did you mean",
        "missing",
        "duplicate id",
        "duplicate URL",
        "is not an interval",
        "is not a kind",
        "is not a sector",
        "invalid CSS selector",
        "is not an http(s) URL",
        "contains a space",
        "invalid host name",
        "/search/all",
        "duplicate key",
    ):
        assert needle in text, needle


# --- loading -----------------------------------------------------------------------------------


def test_valid_file_loads_with_defaults_and_lines() -> None:
    dhsc, sutton, hmip = parse_sources_text(SMALL)
    assert dhsc.every == timedelta(hours=2)  # from defaults:
    assert dhsc.quiet_after == timedelta(days=30)
    assert dhsc.jitter == 0.1  # built-in default
    assert dhsc.enabled and not dhsc.verified
    assert dhsc.sector_hint == "adult_social_care_health"
    assert dhsc.line == 8 and dhsc.selectors is None
    assert sutton.every == timedelta(hours=6) and sutton.jitter == 0.2 and sutton.verified
    assert sutton.url == "https://www.suttontrust.com/feed/"
    assert hmip.kind == "page" and hmip.selectors is not None
    assert hmip.selectors.link == "h4 > a[href]" and hmip.selectors.date is None
    assert hmip.notes == "Reports only."


def test_a_page_source_may_leave_out_its_selectors() -> None:
    text = SMALL + (
        "  - id: kings-fund\n"
        "    publisher: The King's Fund\n"
        "    kind: page\n"
        "    url: https://www.kingsfund.org.uk/insight-and-analysis\n"
    )
    *_, kings_fund = parse_sources_text(text)
    assert kings_fund.kind == "page" and kings_fund.selectors is None


def test_every_problem_is_reported_at_once() -> None:
    text = SMALL.replace("every: 6h", "every: 6 hours").replace("kind: page", "kind: html")
    text = text.replace("id: dhsc", "id: sutton-trust")
    problems = _problems(text)
    assert len(problems) == 3
    assert any("key 'every': '6 hours' is not an interval" in p for p in problems)
    assert any("key 'kind': 'html' is not a kind" in p for p in problems)
    assert any("duplicate id" in p for p in problems)
    assert [int(p.split(":")[1]) for p in problems] == sorted(
        int(p.split(":")[1]) for p in problems
    )


def test_problem_renders_file_line_source_and_key() -> None:
    p = Problem("sources.yaml", 42, "dhsc", "every", "'1 hour' is not an interval; use e.g. 1h")
    assert (
        str(p)
        == "sources.yaml:42: source 'dhsc', key 'every': '1 hour' is not an interval; use e.g. 1h"
    )
    assert str(Problem("s.yaml", None, None, None, "file not found")) == "s.yaml: file not found"
    err = SourcesError([p, Problem("sources.yaml", 43, "x", None, "bad")])
    assert isinstance(err, ConfigError)
    assert str(err).splitlines() == [str(p), "sources.yaml:43: source 'x': bad"]


def test_missing_file_is_a_sources_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(SourcesError) as info:
        load_sources(tmp_path / "nope.yaml")
    (problem,) = info.value.problems
    assert problem.line is None and "CURATOR_SOURCES_FILE" in problem.message


def test_non_utf8_file_is_a_sources_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(SMALL.replace("Department", "D\xe9partement").encode("latin-1"))
    with pytest.raises(SourcesError, match="not UTF-8"):
        load_sources(path)


def test_non_utf8_byte_is_named_by_line_and_column(tmp_path: Path) -> None:
    # An admin saved the file as Windows-1252: the byte's offset in the file said nothing an
    # editor can go to.
    path = tmp_path / "sources.yaml"
    path.write_bytes(SMALL.replace("Department", "D\xe9partement").encode("cp1252"))
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    (problem,) = info.value.problems
    assert problem.line == 9
    assert (
        "byte 0xe9 in column 17" in problem.message and "save the file as UTF-8" in problem.message
    )


def test_utf16_file_is_told_to_be_saved_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(SMALL.encode("utf-16"))
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert [p.message for p in info.value.problems] == [
        "is UTF-16 text, not UTF-8; save it as UTF-8"
    ]


def test_a_control_character_is_named_by_line_and_column() -> None:
    # YAML's reader refused it with "position 35 in '<unicode string>'" over two lines.
    text = "sources:\n  - id: a\n    publisher: A\x00\n"
    assert _problems(text) == [
        "sources.yaml:3: character U+0000 in column 17 is not allowed in YAML (a control "
        "character, often pasted with copied text); delete it"
    ]


def test_empty_file_is_told_it_is_empty() -> None:
    # An emptied file (or one left with only comments) was told it "must be a mapping".
    expected = ["sources.yaml:1: the file is empty; it needs a 'sources:' list (see the README)"]
    assert _problems("") == expected
    assert _problems("\n# every source removed for now\n") == expected


def test_a_source_that_is_not_a_mapping_is_named_by_its_line() -> None:
    # A text or empty item of the list had no line: the only problem without one.
    text = SMALL.replace("  # --- charities ---\n", "  # --- charities ---\n  - nuffield\n  -\n")
    assert _problems(text) == [
        "sources.yaml:14: source #2 is 'nuffield', not a mapping; a source is keys id, "
        "publisher, kind, url, each on its own line, indented under its '- '",
        "sources.yaml:15: source #3 is empty; a source is keys id, publisher, kind, url, each "
        "on its own line, indented under its '- '",
    ]


def test_quiet_after_shorter_than_every_is_a_problem() -> None:
    (problem,) = _problems(SMALL.replace("every: 6h", "every: 6h\n    quiet_after: 1h"))
    assert problem == (
        "sources.yaml:19: source 'sutton-trust', key 'quiet_after': quiet_after 1h is shorter "
        "than every 6h: a source cannot be overdue before it is checked; set quiet_after to 6h "
        "or more, or every shorter"
    )  # it said "1:00:00 is shorter than the check interval 6:00:00"


def test_quiet_after_from_defaults_is_said_on_the_line_of_every() -> None:
    # A source's long `every` against the defaults' `quiet_after`: the problem had no line.
    (problem,) = _problems(SMALL.replace("every: 6h", "every: 60d"))
    assert problem.startswith(
        "sources.yaml:18: source 'sutton-trust', key 'every': quiet_after 30d (from defaults) is "
        "shorter than every 60d"
    )


def test_defaults_that_clash_are_one_problem_not_one_a_source() -> None:
    (problem,) = _problems(SMALL.replace("every: 2h ", "every: 90d"))
    assert problem.startswith(
        "sources.yaml:4: key 'defaults.quiet_after': quiet_after 30d is shorter than every 90d"
    )


def test_search_all_is_refused_with_an_explanation() -> None:
    text = SMALL.replace(
        "https://www.suttontrust.com/feed/", "https://www.gov.uk/search/all.atom?keywords=care"
    )
    (problem,) = _problems(text)
    assert "robots.txt disallows /search/all" in problem
    assert "/government/organisations/<slug>.atom" in problem


# --- intervals and ids -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        (" 5m ", timedelta(minutes=5)),
    ],
)
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["1 hour", "1.5h", "h", "10", "-1h", "1y", ""])
def test_parse_interval_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape("is not an interval; use e.g. 30m, 1h, 1d")):
        parse_interval(text)


def test_parse_interval_minimum_is_one_minute() -> None:
    with pytest.raises(ValueError, match="minimum is 1m"):
        parse_interval("0m")


@given(st.integers(min_value=5, max_value=10**6), st.sampled_from(["m", "h", "d", "w"]))
def test_parse_interval_matches_its_unit(n: int, unit: str) -> None:
    minutes = {"m": 1, "h": 60, "d": 1440, "w": 10080}[unit]
    assert parse_interval(f"{n}{unit}") == timedelta(minutes=n * minutes)


def test_suggest_id() -> None:
    gov = "https://www.gov.uk/government/organisations/department-for-education.atom"
    assert suggest_id(gov, set()) == "department-for-education"
    assert suggest_id(gov, {"department-for-education"}) == "department-for-education-2"
    finder = (
        "https://www.gov.uk/search/research-and-statistics.atom?"
        "content_store_document_type=research&organisations%5B%5D=ofsted"
    )
    assert suggest_id(finder, set()) == "ofsted-research-and-statistics"
    assert suggest_id("https://www.suttontrust.com/feed/", set()) == "suttontrust"
    assert suggest_id("https://www.england.nhs.uk/news/feed/", set()) == "england-nhs-news"
    assert suggest_id("https://hmiprisons.justiceinspectorates.gov.uk/feed/", set()) == (
        "hmiprisons-justiceinspectorates"
    )


@settings(deadline=None)
@given(
    st.sampled_from(["https://a.org/feed/", "https://www.gov.uk/government/organisations/x.atom"]),
    st.sets(st.text("ab-", min_size=1, max_size=3)),
)
def test_suggest_id_is_new_and_valid(url: str, taken: set[str]) -> None:
    new = suggest_id(url, taken | {suggest_id(url, set())})
    assert new not in taken
    text = SMALL.replace("id: dhsc", f"id: {new}")
    assert parse_sources_text(text)[0].id == new


# --- saving ------------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str = SMALL) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NEW = {
    "id": "nspcc-learning",
    "publisher": "NSPCC Learning",
    "kind": "page",
    "url": "https://learning.nspcc.org.uk/research-resources",
    "selectors": {"item": "main article", "title": "h3", "link": "a[href]"},
    "verified": False,
}


def test_append_keeps_comments_order_and_layout(tmp_path: Path) -> None:
    path = _write(tmp_path)
    append_source(path, NEW)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(SMALL)  # every byte of the admin's file is still there
    added = text[len(SMALL) :]
    assert added.startswith("  - id: nspcc-learning\n    publisher: NSPCC Learning\n")
    assert "    selectors:\n      item: main article\n" in added
    last = load_sources(path)[-1]
    assert last.id == "nspcc-learning" and last.selectors is not None and not last.verified
    assert last.every == timedelta(hours=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "http://suttontrust.com/feed"}, "duplicate URL; source 'sutton-trust'"),
        ({"id": "dhsc"}, "duplicate id"),
        ({"every": "often"}, "'often' is not an interval"),
        ({"colour": "red"}, "unknown key"),
        ({"url": "https://www.gov.uk/search/all.atom"}, "robots.txt"),
    ],
)
def test_append_validates_before_writing(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = _write(tmp_path)
    with pytest.raises(SourcesError, match=message):
        append_source(path, {**NEW, **change})
    assert path.read_text(encoding="utf-8") == SMALL
    assert os.listdir(tmp_path) == ["sources.yaml"]  # no temp file left behind


def test_append_refuses_to_edit_an_invalid_file(tmp_path: Path) -> None:
    bad = SMALL.replace("every: 6h", "every: 6 hours")
    path = _write(tmp_path, bad)
    with pytest.raises(SourcesError, match="6 hours"):
        append_source(path, NEW)
    assert path.read_text(encoding="utf-8") == bad


def test_append_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="file not found"):
        append_source(tmp_path / "missing.yaml", NEW)


def test_concurrent_appends_all_land(tmp_path: Path) -> None:
    path = _write(tmp_path)
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            append_source(path, {**NEW, "id": f"extra-{i}", "url": f"https://e.org/{i}/feed/"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = {s.id for s in load_sources(path)}
    assert {f"extra-{i}" for i in range(8)} <= ids
    assert os.listdir(tmp_path) == ["sources.yaml"]


def test_append_keeps_file_mode(tmp_path: Path) -> None:
    path = _write(tmp_path)
    path.chmod(0o640)
    append_source(path, NEW)
    assert path.stat().st_mode & 0o777 == 0o640


def test_set_source_enabled_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path)
    set_source_enabled(path, "dhsc", False)
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == SMALL.count("\n") + 1
    assert text.replace("    enabled: false\n", "", 1) == SMALL
    # The comment after the entry still introduces the next group.
    assert "social-care.atom\n    enabled: false\n    sector_hint" in text
    assert "  # --- charities ---\n  - id: sutton-trust" in text
    assert not next(s for s in load_sources(path) if s.id == "dhsc").enabled
    set_source_enabled(path, "dhsc", True)
    assert next(s for s in load_sources(path) if s.id == "dhsc").enabled
    assert path.read_text(encoding="utf-8") == SMALL.replace(
        "department-of-health-and-social-care.atom\n",
        "department-of-health-and-social-care.atom\n    enabled: true\n",
    )


def test_set_source_enabled_unknown_id(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(SourcesError, match="no source with this id; did you mean 'sutton-trust'"):
        set_source_enabled(path, "sutton-trst", False)
    assert path.read_text(encoding="utf-8") == SMALL


# --- the shipped file ----------------------------------------------------------------------------


def test_shipped_sources_yaml_is_valid_and_large_enough() -> None:
    sources = load_sources(REPO / "sources.yaml")
    assert len(sources) >= 45
    assert not any(s.verified for s in sources), "nothing here was checked live"
    for s in sources:
        if "gov.uk" in s.url.split("/")[2] and s.url.startswith("https://www.gov.uk/"):
            assert s.url.startswith(
                ("https://www.gov.uk/government/organisations/", "https://www.gov.uk/search/")
            ), s.id
            assert "/search/all" not in s.url


def test_shipped_sources_yaml_survives_a_round_trip_byte_for_byte(tmp_path: Path) -> None:
    original = (REPO / "sources.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, original)
    set_source_enabled(path, "dhsc", True)  # no-op edit: load, dump, validate, write
    assert path.read_text(encoding="utf-8") == original


# --- robustness: any text gives sources or a SourcesError, never a traceback -------------------


@settings(deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_sources_or_a_sources_error(text: str) -> None:
    try:
        parse_sources_text(text)
    except SourcesError as exc:
        assert exc.problems and all(str(p).startswith("sources.yaml") for p in exc.problems)


@settings(deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=SMALL.count("\n") - 1), max_size=4),
    st.sampled_from(["", "  ", "- ", ": ", "{", "&a ", "*a", "'", "\t"]),
)
def test_damaged_file_is_sources_or_a_sources_error(lines: list[int], junk: str) -> None:
    damaged = SMALL.splitlines(keepends=True)
    for i in lines:
        damaged[i] = junk + damaged[i]
    try:
        parse_sources_text("".join(damaged))
    except SourcesError as exc:
        assert exc.problems


def test_the_id_of_items_added_by_link_is_reserved() -> None:
    problems = _problems(SMALL.replace("id: dhsc", "id: added-by-link"))
    assert len(problems) == 1
    assert "'added-by-link' is reserved for the items editors add by their link" in problems[0]
    assert "choose another id" in problems[0]


def test_rules_load_with_those_of_defaults_first() -> None:
    text = SMALL.replace(
        "  quiet_after: 30d\n", "  quiet_after: 30d\n  skip:\n    - 'job vacanc'\n", 1
    ).replace(
        "    sector_hint: adult_social_care_health   # prior only\n",
        "    sector_hint: adult_social_care_health   # prior only\n"
        "    skip:\n      - type: 'press release|speech'\n"
        "    keep:\n      - summary: report\n      - 'evaluation'\n",
        1,
    )
    dhsc, sutton, _ = parse_sources_text(text)
    assert dhsc.skip == (Rule("title", "job vacanc"), Rule("type", "press release|speech"))
    assert dhsc.keep == (Rule("summary", "report"), Rule("title", "evaluation"))
    assert sutton.skip == (Rule("title", "job vacanc"),) and sutton.keep == ()
