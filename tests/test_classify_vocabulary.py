"""The compiled model's vocabularies as arrays (:class:`Vocabulary`) find a token's column
exactly as the ``dict`` of term → column they replace: a token with a term's hash but not its
text is not that term, and terms that share a hash are still told apart."""

from __future__ import annotations

import pickle
import subprocess
import sys
from itertools import repeat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.classify import vocabulary
from curator.classify.vocabulary import Vocabulary
from tests.conftest import REPO

TERMS = ["care", "social care", "prison", "café", "犯罪司法", "ﬁnance", "a", "😀 report", "prisons"]
TOKENS = [
    *TERMS,
    "car",  # a term's prefix
    "cares",  # a term with more after it
    "prison ",
    "Care",
    "cafe",
    "",
    "social",
    "zzqxv",
    "😀",
    "a",
]


def _dict_columns(terms: list[str], tokens: list[str]) -> list[int]:
    lookup = {t: i for i, t in enumerate(terms)}
    return list(map(lookup.get, tokens, repeat(-1)))


def test_columns_are_the_dicts() -> None:
    v = Vocabulary(TERMS)
    assert len(v) == len(TERMS)
    assert v.terms() == TERMS
    got = v.columns(TOKENS)
    assert got.dtype == np.int64
    assert got.tolist() == _dict_columns(TERMS, TOKENS)
    assert v.columns([]).tolist() == []
    assert Vocabulary([]).columns(["care", ""]).tolist() == [-1, -1]
    assert Vocabulary([]).terms() == []


@settings(max_examples=200, deadline=None)
@given(
    terms=st.lists(st.text(max_size=6), unique=True, max_size=40),
    others=st.lists(st.text(max_size=6), max_size=40),
)
def test_columns_are_the_dicts_for_any_terms(terms: list[str], others: list[str]) -> None:
    tokens = others + terms[::2] + others[::-1]
    v = Vocabulary(terms)
    assert v.terms() == terms
    assert v.columns(tokens).tolist() == _dict_columns(terms, tokens)


def _first_letter(s: str) -> int:
    """A weak hash: every string that starts with a term's letter has that term's hash."""
    return ord(s[0]) if s else 0


def test_a_token_with_a_terms_hash_but_not_its_text_is_not_that_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vocabulary, "_hash", _first_letter)
    terms = ["a", "bb", "ccc", "dddd"]  # end to end: "abbcccdddd"
    v = Vocabulary(terms)
    assert v._lookup is None  # the arrays, not the dict
    tokens = ["bb", "bx", "b", "ab", "ccc", "cc", "cca", "cccd", "dddd", "ddde", "a", ""]
    assert v.columns(tokens).tolist() == [1, -1, -1, -1, 2, -1, -1, -1, 3, -1, 0, -1]


def test_terms_that_share_a_hash_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "_hash", _first_letter)
    terms = ["ab", "cd", "a", "fgh", "c"]
    v = Vocabulary(terms)
    assert v._lookup is not None  # looked up through a dict
    tokens = ["cd", "ab", "a", "c", "ax", "e", "fgh", "f", ""]
    assert v.columns(tokens).tolist() == _dict_columns(terms, tokens)
    with pytest.raises(ValueError, match="a term twice"):
        Vocabulary(["ab", "cd", "ab"])


def test_a_repeated_term_is_refused() -> None:
    with pytest.raises(ValueError, match="a term twice"):
        Vocabulary(["care", "prison", "care"])


def test_equal_vocabularies_are_equal() -> None:
    # blocks with equal vocabularies share their counts: equal means the same terms in order
    assert Vocabulary(["a", "bc"]) == Vocabulary(["a", "bc"])
    assert hash(Vocabulary(["a", "bc"])) == hash(Vocabulary(["a", "bc"]))
    assert Vocabulary(["a", "bc"]) != Vocabulary(["ab", "c"])  # the same text, other terms
    assert Vocabulary(["a", "bc"]) != Vocabulary(["bc", "a"])
    assert Vocabulary(["a"]) != ["a"]


def test_a_pickled_vocabulary_finds_its_terms_in_another_process(tmp_path: Path) -> None:
    # str hashes are salted per process: the hashes must not travel with the terms
    path = tmp_path / "v.pickle"
    path.write_bytes(pickle.dumps(Vocabulary(TERMS)))
    code = (
        "import pickle, sys\n"
        f"v = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"print(v.columns({TOKENS!r}).tolist())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert out.stdout.strip() == str(_dict_columns(TERMS, TOKENS))
