"""A skip rule added to one source of sources.yaml (``curator.sources.edit.add_skip_rule``):
comments and layout kept, validated before anything is written, added once."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.records import Rule
from curator.sources import SourcesError, load_sources
from curator.sources.edit import add_skip_rule
from tests.test_sources import SMALL, _write


def _skip(path: Path, source_id: str) -> tuple[Rule, ...]:
    return next(s for s in load_sources(path) if s.id == source_id).skip


def test_a_rule_is_added_with_comments_kept_and_only_once(tmp_path: Path) -> None:
    path = _write(tmp_path)
    assert add_skip_rule(path, "dhsc", "type", "^Speech$")
    assert _skip(path, "dhsc") == (Rule("type", "^Speech$"),)
    text = path.read_text(encoding="utf-8")
    # only the two new lines; the comments, and the order of the other keys, as they were
    assert text.replace("    skip:\n      - type: ^Speech$\n", "", 1) == SMALL
    assert "  # --- charities ---\n  - id: sutton-trust" in text
    # a second rule joins the list; a pattern with YAML's own characters reads back as written
    assert add_skip_rule(path, "dhsc", "url", r"www\.gov\.uk/government/news/")
    assert add_skip_rule(path, "dhsc", "title", "^Board minutes: 'x' #1")
    assert _skip(path, "dhsc") == (
        Rule("type", "^Speech$"),
        Rule("url", r"www\.gov\.uk/government/news/"),
        Rule("title", "^Board minutes: 'x' #1"),
    )
    # the same rule again writes nothing
    stamp = path.stat().st_mtime_ns
    before = path.read_text(encoding="utf-8")
    assert not add_skip_rule(path, "dhsc", "type", "^Speech$")
    assert path.read_text(encoding="utf-8") == before and path.stat().st_mtime_ns == stamp
    assert _skip(path, "sutton-trust") == ()


def test_a_bad_pattern_or_an_unknown_source_changes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(SourcesError, match="not a regular expression RE2 can read"):
        add_skip_rule(path, "dhsc", "title", "(minutes")
    with pytest.raises(SourcesError, match="did you mean 'sutton-trust'"):
        add_skip_rule(path, "sutton-trst", "title", "minutes")
    assert path.read_text(encoding="utf-8") == SMALL


def test_the_comment_after_a_list_stays_after_it(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: dhsc\n    publisher: DHSC\n    kind: feed\n    url: https://example.org/d\n"
        "    skip:\n      - type: '^Speech$'\n"
        "  # --- charities ---\n"
        "  - id: nspcc\n    publisher: NSPCC\n    kind: feed\n    url: https://example.org/n\n"
        "    skip:\n      - 'board'\n"
        "# the end\n",
        encoding="utf-8",
    )
    add_skip_rule(path, "dhsc", "url", "/news/")
    add_skip_rule(path, "nspcc", "url", "/jobs/")
    text = path.read_text(encoding="utf-8")
    assert "      - url: /news/\n  # --- charities ---\n  - id: nspcc" in text
    assert text.endswith("      - 'board'\n      - url: /jobs/\n# the end\n")


def test_a_skip_list_shared_with_other_sources_is_left_to_the_admin(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    text = (
        "sources:\n"
        "  - &base\n    id: a\n    publisher: A\n    kind: feed\n    url: https://example.org/a\n"
        "    skip: &gov\n      - type: '^Speech$'\n"
        "  - id: b\n    publisher: B\n    kind: feed\n    url: https://example.org/b\n"
        "    skip: *gov\n"
        "  - <<: *base\n    id: c\n    url: https://example.org/c\n"
    )
    path.write_text(text, encoding="utf-8")
    for source_id in ("a", "b", "c"):
        with pytest.raises(SourcesError, match="its skip list is shared with other sources"):
            add_skip_rule(path, source_id, "url", "/news/")
    assert path.read_text(encoding="utf-8") == text
