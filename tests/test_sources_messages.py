"""sources.yaml's messages for a new user's mistakes: a key at the wrong level is told where it
belongs, YAML syntax errors are explained in plain words beside the parser's own, and a duplicate
key is one problem among the rest (the fixtures under tests/fixtures/sources/ hold more)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.cli import cli
from curator.sources import SourcesError, load_sources, parse_sources_text, set_source_enabled
from tests.conftest import FIXTURES

FEED = """\
sources:
  - id: dhsc
    publisher: Department of Health and Social Care
    kind: feed
    url: https://www.gov.uk/government/organisations/department-of-health-and-social-care.atom
"""

PAGE = """\
sources:
  - id: epi
    publisher: Education Policy Institute
    kind: page
    url: https://epi.org.uk/publications-and-research/
    selectors:
      item: article
      title: h2 a
      link: h2 a
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(SourcesError) as info:
        parse_sources_text(text)
    return [str(p) for p in info.value.problems]


# --- a key at the wrong level ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["item", "title", "link", "date", "summary"])
def test_a_selector_beside_the_source_keys_is_told_to_go_under_selectors(key: str) -> None:
    text = PAGE.replace("    selectors:\n", f"    {key}: h3\n    selectors:\n")
    (problem,) = _problems(text)
    assert problem.startswith(f"sources.yaml:6: source 'epi', key '{key}': a CSS selector:")
    assert "belongs under 'selectors:' (line 7)" in problem
    assert "indent it there" in problem
    assert "did you mean" not in problem and "valid keys" not in problem


def test_a_selector_without_a_selectors_block_is_told_to_add_one() -> None:
    text = PAGE.split("    selectors:\n")[0] + "    item: article\n"
    (problem,) = _problems(text)
    assert "key 'item': a CSS selector: it belongs under 'selectors:', not among" in problem
    assert "add a 'selectors:' line to the source" in problem
    assert "jitter" not in problem  # the old, misleading "did you mean 'jitter'?"


def test_a_selector_in_a_feed_source_says_only_page_sources_take_them() -> None:
    (problem,) = _problems(FEED + "    title: h2\n")
    assert "only a 'kind: page' source takes selectors" in problem
    assert "set kind: page" in problem


@pytest.mark.parametrize("key", ["every", "quiet_after", "jitter", "skip", "keep"])
def test_a_default_at_the_top_level_is_told_to_go_under_defaults(key: str) -> None:
    text = f"defaults:\n  every: 2h\n{key}: 1h\n" + FEED
    problems = _problems(text)
    (problem,) = [p for p in problems if f"key '{key}'" in p]
    assert problem.startswith(f"sources.yaml:3: key '{key}': a default for every source:")
    assert "belongs under 'defaults:' (line 1), not at the top level; indent it there" in problem
    assert "did you mean" not in problem


def test_a_default_without_a_defaults_block_is_told_to_add_one() -> None:
    (problem,) = _problems("every: 2h\n" + FEED)
    assert "add a 'defaults:' line and indent it under that" in problem


def test_an_empty_defaults_block_is_a_problem() -> None:
    problems = _problems("defaults:\nevery: 2h\n" + FEED)
    assert problems == [
        "sources.yaml:1: key 'defaults': is empty; indent the defaults under it (every, "
        "quiet_after, jitter, skip, keep), or remove the line to keep the built-in defaults",
        "sources.yaml:2: key 'every': a default for every source: it belongs under 'defaults:' "
        "(line 1), not at the top level; indent it there, or move it into a source to change "
        "only that source",
    ]


def test_an_explicitly_empty_defaults_mapping_is_accepted() -> None:
    (dhsc,) = parse_sources_text("defaults: {}\n" + FEED)
    assert dhsc.every.total_seconds() == 3600


# --- YAML syntax errors in plain words, beside the parser's own ---------------------------------

TWO = FEED + (
    "  - id: ofsted\n"
    "    publisher: Ofsted\n"
    "    kind: feed\n"
    "    url: https://www.gov.uk/government/organisations/ofsted.atom\n"
)
PARSER = "; the YAML parser says: "


def _syntax(text: str) -> str:
    (problem,) = _problems(text)
    assert "YAML syntax error at column" in problem
    return problem


def test_a_list_item_out_of_line_is_compared_with_its_list() -> None:
    problem = _syntax(TWO.replace("  - id: ofsted", "   - id: ofsted"))
    assert problem == (
        "sources.yaml:6: YAML syntax error at column 4: this line is indented differently from "
        "the lines around it (compare with line 2, whose '-' is in column 3); the keys of one "
        "mapping, and the '- ' items of one list, must each start in the same column"
        f"{PARSER}expected <block end>, but found '<block sequence start>' (while parsing a "
        "block collection started on line 2)"
    )


def test_a_key_between_two_columns_is_compared_with_the_line_above() -> None:
    problem = _syntax(
        TWO.replace(
            "    url: https://www.gov.uk/government/organisations/ofsted",
            "   url: https://www.gov.uk/government/organisations/ofsted",
        )
    )
    assert problem.startswith(
        "sources.yaml:9: YAML syntax error at column 4: this line is indented differently from "
        "the lines around it (compare with line 8, whose key starts in column 5);"
    )
    assert problem.endswith(
        f"{PARSER}expected <block end>, but found '<block mapping start>' "
        "(while parsing a block collection started on line 2)"
    )


def test_when_the_line_above_is_the_odd_one_both_are_named() -> None:
    # Line 2 is indented one space too far; the parser stops on line 3, which is right.
    text = "defaults:\n   every: 2h\n  quiet_after: 30d\n" + FEED
    problem = _syntax(text)
    assert problem.startswith(
        "sources.yaml:3: YAML syntax error at column 3: this line is "
        "indented differently from the lines around it (compare with line "
        "2, whose key starts in column 4)"
    )


def test_an_outdented_key_is_said_to_sit_in_the_column_of_the_lists_dash() -> None:
    problem = _syntax(
        TWO.replace(
            "    url: https://www.gov.uk/government/organisations/ofsted",
            "  url: https://www.gov.uk/government/organisations/ofsted",
        )
    )
    assert problem == (
        "sources.yaml:9: YAML syntax error at column 3: this key starts in the same column as "
        "the '-' of the list that begins on line 2, where YAML expects the next '- ' item "
        "(compare with line 8, whose key starts in column 5); indent it in line with the keys of "
        "its item, or start a new item with '- '"
        f"{PARSER}expected <block end>, but found '?' (while parsing a block collection started "
        "on line 2)"
    )


def test_a_list_item_in_the_column_of_keys_is_named() -> None:
    problem = _syntax(TWO.replace("  - id: ofsted", "    - id: ofsted"))
    assert (
        "this '- ' item starts in the same column as the keys of the mapping that begins "
        "on line 2, where YAML expects another key (compare with line 2, whose '-' is in "
        "column 3); line it up with the other items of its list" in problem
    )
    assert problem.endswith(
        f"{PARSER}expected <block end>, but found '-' (while parsing a "
        "block mapping started on line 2)"
    )


def test_a_line_indented_under_a_value_is_read_as_more_of_it() -> None:
    problem = _syntax(TWO.replace("    publisher: Ofsted", "     publisher: Ofsted"))
    assert problem == (
        "sources.yaml:7: YAML syntax error at column 15: this line starts in column 6, right of "
        "the key of line 6 above it (column 5), so YAML reads it as more of line 6's value and "
        "then cannot read its ': '; the keys of one mapping must start in the same column; if "
        "this line is text, put line 6's whole value in quotes"
        f"{PARSER}mapping values are not allowed here"
    )


def test_a_value_with_a_colon_and_space_is_told_to_be_quoted() -> None:
    problem = _syntax(FEED + "    notes: Feed: the old one\n")
    assert (
        "this line has ': ' (a colon and a space) after its key and again in its value; a "
        "value that holds ': ' must be in quotes, e.g. notes: 'Feed: the old one'" in problem
    )
    assert problem.endswith(f"{PARSER}mapping values are not allowed here")


def test_a_tab_is_named() -> None:
    problem = _syntax(FEED + "\tnotes: x\n")
    assert "this line has a tab character in column 1, where YAML allows only spaces" in problem
    assert f"{PARSER}found character '\\t' that cannot start any token" in problem


def test_a_quote_never_closed_is_named_with_its_line() -> None:
    problem = _syntax(FEED + "    notes: 'The King\n")
    assert problem.startswith(
        "sources.yaml:7: YAML syntax error at column 1: the quote that "
        "opens on line 6 (column 12) is never closed"
    )
    assert "'The King''s Fund'" in problem
    assert problem.endswith(
        f"{PARSER}found unexpected end of stream (while scanning a quoted scalar started on line 6)"
    )


def test_text_after_a_quoted_value_is_explained() -> None:
    problem = _syntax(TWO.replace("publisher: Ofsted", "publisher: 'The King's Fund'"))
    assert "the value starts with a quote ('), so YAML ends it at the next '" in problem
    assert f"{PARSER}expected <block end>, but found '<scalar>'" in problem


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("*important* feed", "a value that starts with '*' names an anchor"),
        ("& co", "a value that starts with '&' is an anchor"),
        ("[draft] first", "a value that starts with '[' is a YAML list"),
    ],
)
def test_values_yaml_reads_as_syntax_are_told_to_be_quoted(value: str, words: str) -> None:
    problem = _syntax(FEED + f"    notes: {value}\n")
    assert words in problem and "put it" in problem and "in quotes" in problem
    assert PARSER in problem


def test_a_missing_colon_names_the_line_of_the_key() -> None:
    problem = _syntax(
        TWO.replace(
            "    kind: feed\n    url: https://www.gov.uk/government/organisations/ofsted",
            "    kind feed\n    url: https://www.gov.uk/government/organisations/ofsted",
        )
    )
    assert "YAML expected a key and its ': ' on line 8 and found none" in problem
    assert (
        f"{PARSER}could not find expected ':' (while scanning a simple key started on line 8)"
        in problem
    )


def test_an_error_without_plain_words_keeps_the_general_advice() -> None:
    problem = _syntax(" defaults:\n  every: 1h\nsources: []\n")
    assert PARSER not in problem
    assert "check indentation, close brackets and quotes" in problem


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.integers(min_value=0, max_value=TWO.count("\n") - 1), min_size=1, max_size=3),
    st.sampled_from([" ", "  ", "<1", "<2", "- ", "\t", "'", "[", "x: "]),
)
def test_the_parsers_own_message_and_place_are_kept(lines: list[int], change: str) -> None:
    """Whatever the plain words say, the message still holds the parser's line, column and text."""
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import ComposerError
    from ruamel.yaml.parser import ParserError
    from ruamel.yaml.scanner import ScannerError

    damaged = TWO.splitlines(keepends=True)
    for i in lines:
        if change.startswith("<"):
            n = int(change[1:])
            damaged[i] = damaged[i][n:] if damaged[i].startswith(" " * n) else damaged[i]
        else:
            damaged[i] = change + damaged[i]
    text = "".join(damaged)
    try:
        YAML().load(text)
    except (ScannerError, ParserError, ComposerError) as exc:
        mark = exc.problem_mark or exc.context_mark
        assert mark is not None
        with pytest.raises(SourcesError) as info:
            parse_sources_text(text)
        (problem,) = [str(p) for p in info.value.problems]
        assert problem.startswith(
            f"sources.yaml:{mark.line + 1}: YAML syntax error at column {mark.column + 1}: "
        )
        assert str(exc.problem) in problem


# --- a duplicate key is one problem among the rest ----------------------------------------------


def test_a_duplicate_id_no_longer_hides_the_other_problems(tmp_path: Path) -> None:
    """The audit's case: two id lines in one source made `sources check --offline` report only
    the duplicate; the other problems appeared once it was removed."""
    bad = (FIXTURES / "sources" / "bad-values.yaml").read_text(encoding="utf-8")
    plain = tmp_path / "plain.yaml"
    plain.write_text(bad, encoding="utf-8")
    doubled = tmp_path / "doubled.yaml"
    doubled.write_text(bad.replace("  - id: dhsc\n", "  - id: dhsc\n    id: dhsc\n"), "utf-8")

    before = CliRunner().invoke(cli, ["sources", "check", str(plain), "--offline", "--json"])
    after = CliRunner().invoke(cli, ["sources", "check", str(doubled), "--offline", "--json"])
    assert before.exit_code == after.exit_code == 1
    was = json.loads(before.stdout)["problems"]
    now = json.loads(after.stdout)["problems"]
    assert len(was) == 11 and len(now) == 12
    (dup,) = [p for p in now if "duplicate key" in p["message"]]
    assert dup == {
        "file": str(doubled),
        "line": 12,
        "source_id": "dhsc",
        "key": "id",
        "message": "duplicate key: also set on line 11 in the same mapping; the rest of the file "
        "was checked with the value on line 11, and this one ignored: keep only one",
    }
    # The rest are the same problems, one line further down from line 12 on.
    shifted = [(p["line"] + (p["line"] >= 12), p["key"], p["message"]) for p in was]
    assert shifted == [(p["line"], p["key"], p["message"]) for p in now if p is not dup]


def test_the_first_value_of_a_duplicate_is_the_one_checked() -> None:
    text = FEED + "    every: 2h\n    every: often\n"
    (problem,) = _problems(text)
    assert "key 'every': duplicate key: also set on line 6" in problem  # 'often' never read
    text = FEED + "    every: often\n    every: 2h\n"
    first, second = _problems(text)
    assert "key 'every': 'often' is not an interval" in first
    assert "key 'every': duplicate key" in second


def test_a_duplicate_key_refuses_the_file_and_its_edits(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    text = FEED + "    url: https://www.gov.uk/government/organisations/ofsted.atom\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError, match="duplicate key"):
        load_sources(path)
    with pytest.raises(SourcesError, match="duplicate key"):
        set_source_enabled(path, "dhsc", False)
    assert path.read_text(encoding="utf-8") == text


def test_duplicates_in_every_block_name_their_source_and_key() -> None:
    text = (
        "defaults:\n  jitter: 0.1\n  jitter: 0.2\n"
        + PAGE.replace("      link: h2 a\n", "      link: h2 a\n      item: li\n")
        + "    skip:\n      - title: a\n        title: b\n"
        + "sources: []\n"
    )
    assert [p.split(": duplicate key")[0] for p in _problems(text)] == [
        "sources.yaml:3: key 'defaults.jitter'",
        "sources.yaml:13: source 'epi', key 'selectors.item'",
        "sources.yaml:16: source 'epi', key 'skip[1].title'",
        "sources.yaml:17: key 'sources'",
    ]


def test_a_list_as_a_key_is_a_problem_not_a_crash() -> None:
    # '? ' makes what follows a key: here a mapping holding a list, which cannot be a key.
    text = "? sources:\n  - id: x\n" + FEED
    problems = _problems(text)
    assert any(
        p.startswith("sources.yaml:1: a key here is a list or mapping, not text") for p in problems
    )


def test_a_duplicate_merge_key_is_still_a_problem() -> None:
    text = "base: &b {every: 1h}\nsources:\n  - <<: *b\n    <<: *b\n" + FEED.split(
        "sources:\n  - "
    )[1].replace("id: dhsc", "    id: dhsc", 1)
    assert _problems(text) == [
        "sources.yaml:4: key '<<': duplicate key in the same mapping; keep one"
    ]
