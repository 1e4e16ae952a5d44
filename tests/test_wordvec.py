"""The word table the relevance head is trained with: shipped, checked, and read as the
``word_vectors`` block reads text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curator.classify import wordvec
from curator.errors import ModelError


def test_the_shipped_table_is_unit_vectors_of_distinct_words() -> None:
    vectors = wordvec.load()
    assert len(vectors.words) > 20_000 and vectors.dims == 384
    np.testing.assert_allclose(np.linalg.norm(vectors.table, axis=1), 1.0, atol=2e-3)
    # the table's words are what the analyzer makes of them, and the digest's words are there
    analyze = wordvec.analyzer()
    assert all(analyze(w) == [w] for w in vectors.words[::97])
    assert {"safeguarding", "probation", "reoffending", "kinship"} <= set(vectors.words)


def test_words_close_in_meaning_are_close_in_the_table() -> None:
    vectors = wordvec.load()
    at = {w: vectors.table[i] for i, w in enumerate(vectors.words)}
    assert at["prison"] @ at["jail"] > at["prison"] @ at["mosquito"] + 0.2


def test_the_block_is_each_texts_share_of_its_table_words() -> None:
    bag = wordvec.vectorizer(wordvec.load()).fit_transform(["Prison Safety in Prisons", "xqzv ±"])
    assert bag[0].sum() == pytest.approx(1.0) and bag[1].nnz == 0


def test_a_missing_or_broken_table_is_named_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing\.npz.*missing.*build_word_vectors"):
        wordvec.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a table")
    with pytest.raises(ModelError, match=r"bad\.npz: not a word-vector table"):
        wordvec.load(bad)
    odd = tmp_path / "odd.npz"
    np.savez(odd, words=np.array(["a", "b"]), table=np.zeros((3, 4), dtype=np.float16))
    with pytest.raises(ModelError, match="2 words but a table of shape"):
        wordvec.load(odd)


def test_a_model_saved_before_the_word_vectors_block_still_scores() -> None:
    """Heads saved by an earlier version have no ``word_vectors`` vectorizer and a relevance
    head over the sparse blocks only: the scikit-learn scorer still reads them."""
    from sklearn.linear_model import LogisticRegression

    from curator.classify.data import load_files
    from curator.classify.features import SPARSE_RELEVANCE_FIELDS, prepare, stack, transform
    from curator.classify.fit import fit_category_head, fit_heads, score
    from curator.classify.types import Heads, ModelConfig
    from tests.conftest import REPO

    rows = load_files(REPO / "data" / "training")[::8]
    heads = fit_heads(rows, ModelConfig())
    old = {k: v for k, v in heads.vectorizers.items() if k != "word_vectors"}
    x = stack(transform(old, [prepare(r.as_input()) for r in rows]), SPARSE_RELEVANCE_FIELDS)
    relevance = LogisticRegression(C=100.0, class_weight="balanced", max_iter=1000).fit(
        x, ["yes" if r.relevant else "no" for r in rows]
    )
    # and a category head over the label blocks only (no word_vectors block to fold in)
    old_blocks = transform(old, [prepare(r.as_input()) for r in rows])
    category = fit_category_head(old_blocks, rows, np.array([r.weight for r in rows]), 30.0, 0)
    scores = score(Heads(old, relevance, heads.sector, category), [r.as_input() for r in rows])
    yes = list(relevance.classes_).index("yes")
    np.testing.assert_allclose(scores.relevance, relevance.predict_proba(x)[:, yes])
