"""What a user types into a search becomes plain quoted words (curator.store.searchquery)."""

from __future__ import annotations

import re
import sqlite3

from hypothesis import given
from hypothesis import strategies as st

from curator.store.searchquery import MAX_WORDS, STOP_WORDS, SearchWords, parse_query


def test_words_are_lower_cased_runs_of_letters_and_digits() -> None:
    words = parse_query('Children\'s "social-care" NEAR gov.uk 2024/25 Café')
    assert words.words == ("children", "social", "care", "near", "gov", "uk", "2024", "25", "café")
    assert words.fts5() == '"children" "social" "care" "near" "gov" "uk" "2024" "25" "café"*'


def test_the_last_word_is_a_prefix_from_three_letters() -> None:
    assert parse_query("care hom") == SearchWords(("care", "hom"), prefix=True)
    assert parse_query("care hom").fts5() == '"care" "hom"*'
    assert parse_query("care hom").tsquery() == "'care' & 'hom':*"
    assert parse_query("care ho") == SearchWords(("care", "ho"), prefix=False)
    assert parse_query("care ho").tsquery() == "'care' & 'ho'"


def test_common_words_and_repeats_are_left_out() -> None:
    assert parse_query("The state of the prisons AND the jails").words == (
        "state",
        "prisons",
        "jails",
    )
    assert not parse_query("the of and OR not")
    assert not parse_query('"*" -- ()')
    assert "and" in STOP_WORDS and "near" not in STOP_WORDS


def test_operators_are_words_not_syntax() -> None:
    words = parse_query("NEAR(care* -homes) AND title:x OR ^y")
    assert words.words == ("near", "care", "homes", "title", "x", "y")


def test_a_pasted_paragraph_is_cut_to_the_first_words() -> None:
    text = " ".join(f"word{n}" for n in range(100))
    assert len(parse_query(text).words) == MAX_WORDS


def test_full_width_and_composed_letters_are_the_plain_ones() -> None:
    assert parse_query("ｃａｒｅ").words == ("care",)
    assert parse_query("cafe\u0301").words == ("café",)


@given(st.text())
def test_any_text_is_a_valid_fts5_query(text: str) -> None:
    words = parse_query(text)
    if not words:
        return
    # Each word quoted, nothing else: no operator can come from the input.
    assert re.fullmatch(r'"[^"\s]+"( "[^"\s]+")*\*?', words.fts5())
    assert re.fullmatch(r"'[^'\s]+'( & '[^'\s]+')*(:\*)?", words.tsquery())
    with sqlite3.connect(":memory:") as conn:
        conn.execute(  # as migration 0006 makes it
            "CREATE VIRTUAL TABLE t USING fts5(a, content='', "
            "tokenize='porter unicode61 remove_diacritics 2', prefix='3 4')"
        )
        conn.execute("SELECT * FROM t WHERE t MATCH ?", (words.fts5(),)).fetchall()
