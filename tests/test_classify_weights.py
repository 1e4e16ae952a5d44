"""The relevance head's block weights: they change what is learned, and folding them into the
coefficients leaves every score as the weighted fit gave it."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import diags

from curator.classify.data import load_files
from curator.classify.features import (
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    build_vectorizers,
    column_weights,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import _relevance_scores, fit_relevance_head
from tests.conftest import REPO

ROWS = load_files(REPO / "data" / "training")[::4]


def _blocks() -> tuple[dict[str, Any], list[str], np.ndarray]:
    prepared = [prepare(r.as_input()) for r in ROWS]
    vectorizers = build_vectorizers()
    fit(vectorizers, prepared)
    labels = ["yes" if r.relevant else "no" for r in ROWS]
    return transform(vectorizers, prepared), labels, np.array([r.weight for r in ROWS])


def test_column_weights_give_each_block_its_weight() -> None:
    blocks, _, _ = _blocks()
    scale = column_weights(blocks, RELEVANCE_FIELDS, {"summary_words": 2.0})
    assert scale.shape == (stack(blocks, RELEVANCE_FIELDS).shape[1],)
    before = RELEVANCE_FIELDS[: RELEVANCE_FIELDS.index("summary_words")]
    start = sum(blocks[f].shape[1] for f in before)
    width = blocks["summary_words"].shape[1]
    assert set(scale[start : start + width]) == {2.0}
    assert set(np.delete(scale, np.arange(start, start + width))) == {1.0}


def test_folded_head_scores_the_plain_stack_as_the_weighted_fit_scored_the_weighted_one() -> None:
    blocks, labels, weights = _blocks()
    x = stack(blocks, RELEVANCE_FIELDS)
    scale = column_weights(blocks, RELEVANCE_FIELDS, RELEVANCE_BLOCK_WEIGHTS)
    head = fit_relevance_head(blocks, labels, weights, 1000.0, 0)
    # the same fit by hand on the weighted stack, not folded
    from sklearn.linear_model import LogisticRegression

    by_hand = LogisticRegression(
        C=1000.0, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=0
    ).fit(x @ diags(scale), np.array(labels), sample_weight=weights)
    np.testing.assert_allclose(
        _relevance_scores(head, x), by_hand.predict_proba(x @ diags(scale))[:, 1], atol=1e-9
    )


def test_the_summary_weight_changes_what_is_learned() -> None:
    assert RELEVANCE_BLOCK_WEIGHTS.get("summary_words", 1.0) != 1.0
    blocks, labels, weights = _blocks()
    x = stack(blocks, RELEVANCE_FIELDS)
    weighted = fit_relevance_head(blocks, labels, weights, 1000.0, 0)
    plain = fit_relevance_head(blocks, labels, weights, 1000.0, 0, block_weights={})
    assert np.abs(_relevance_scores(weighted, x) - _relevance_scores(plain, x)).max() > 1e-3
