"""sources.yaml's messages for a new user's mistakes: a key at the wrong level is told where it
belongs, YAML syntax errors are explained in plain words beside the parser's own, and a duplicate
key is one problem among the rest (the fixtures under tests/fixtures/sources/ hold more)."""

from __future__ import annotations

import pytest

from curator.sources import SourcesError, parse_sources_text

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
