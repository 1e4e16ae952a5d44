"""The relevance and category heads' block weights: they change what is learned, and folding them
into the coefficients leaves every score as the weighted fit gave it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.sparse import diags

from curator.classify import wordvec
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import (
    CATEGORY_BLOCK_WEIGHTS,
    LABEL_FIELDS,
    RELEVANCE_BLOCK_WEIGHTS,
    RELEVANCE_FIELDS,
    SPARSE_RELEVANCE_FIELDS,
    build_vectorizers,
    column_weights,
    fit,
    prepare,
    stack,
    transform,
)
from curator.classify.fit import (
    _relevance_scores,
    class_weights,
    fit_category_head,
    fit_heads,
    fit_relevance_head,
    group_folds,
    label_stack,
    score,
)
from curator.classify.select import labels_out_of_fold
from curator.classify.types import ModelConfig
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


def _logreg(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=c, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=0
    )


def test_folded_head_scores_the_plain_stack_as_its_two_fits_scored_their_inputs() -> None:
    """The relevance head is the sparse head on the weighted stack plus the embedding head on
    the standardised word-vector embedding, folded into one logistic regression over the
    unweighted stack: the same probabilities, to rounding."""
    blocks, labels, weights = _blocks()
    x = stack(blocks, RELEVANCE_FIELDS)
    head = fit_relevance_head(blocks, labels, weights, 1000.0, 0)
    # the same two fits by hand, not folded
    sparse = stack(blocks, SPARSE_RELEVANCE_FIELDS) @ diags(
        column_weights(blocks, SPARSE_RELEVANCE_FIELDS, RELEVANCE_BLOCK_WEIGHTS)
    )
    e = np.asarray(blocks["word_vectors"] @ wordvec.load().table)
    z = (e - e.mean(axis=0)) / ((e.std(axis=0) + 1e-9) * np.sqrt(e.shape[1]))
    y = np.array(labels)
    decision = _logreg(1000.0).fit(sparse, y, sample_weight=weights).decision_function(
        sparse
    ) + _logreg(wordvec.EMBEDDING_C).fit(z, y, sample_weight=weights).decision_function(z)
    np.testing.assert_allclose(
        _relevance_scores(head, x), 1.0 / (1.0 + np.exp(-decision)), atol=1e-9
    )


def test_words_no_training_row_used_still_count_through_their_vectors() -> None:
    """The embedding head gives every word of the table a weight, the words of no training row
    too, and words close in meaning weigh alike: what the table adds over the sparse blocks."""
    blocks, labels, weights = _blocks()
    head = fit_relevance_head(blocks, labels, weights, 1000.0, 0)
    vectors = wordvec.load()
    beta = head.coef_[0, -len(vectors.words) :]
    used = np.asarray(blocks["word_vectors"].sum(axis=0)).ravel() > 0
    assert (~used).sum() > 1000 and np.abs(beta[~used]).max() > 0
    index = {w: i for i, w in enumerate(vectors.words)}
    near = abs(beta[index["prisons"]] - beta[index["prison"]])
    assert near < np.abs(beta[index["prison"]] - beta).mean()


def test_the_summary_weight_changes_what_is_learned() -> None:
    assert RELEVANCE_BLOCK_WEIGHTS.get("summary_words", 1.0) != 1.0
    blocks, labels, weights = _blocks()
    x = stack(blocks, RELEVANCE_FIELDS)
    weighted = fit_relevance_head(blocks, labels, weights, 1000.0, 0)
    plain = fit_relevance_head(blocks, labels, weights, 1000.0, 0, block_weights={})
    assert np.abs(_relevance_scores(weighted, x) - _relevance_scores(plain, x)).max() > 1e-3


# The category head: block weights folded the same way, its class weighting, and out-of-fold
# labels as the whole model gives them.


def _category_by_hand(
    x: Any, scale: np.ndarray, weights: np.ndarray, c: float, rows: list[TrainingRow] = ROWS
) -> Any:
    """The category head fitted by hand on the weighted stack, not folded."""
    from sklearn.linear_model import LogisticRegression

    idx = [i for i, r in enumerate(rows) if r.relevant and r.category]
    return LogisticRegression(
        C=c, class_weight="balanced", solver="newton-cg", max_iter=1000, random_state=0
    ).fit(
        x[idx] @ diags(scale),
        np.array([str(rows[i].category) for i in idx]),
        sample_weight=weights[idx],
    )


def test_folded_category_head_scores_the_plain_stack_as_the_weighted_fit_did() -> None:
    blocks, _, weights = _blocks()
    x = stack(blocks, LABEL_FIELDS)
    chosen = {"title_words": 2.0, "url_words": 0.5}
    head = fit_category_head(blocks, ROWS, weights, 30.0, 0, block_weights=chosen, embedding=False)
    scale = column_weights(blocks, LABEL_FIELDS, chosen)
    by_hand = _category_by_hand(x, scale, weights, 30.0)
    assert list(head.classes_) == list(by_hand.classes_)
    np.testing.assert_allclose(
        head.predict_proba(x), by_hand.predict_proba(x @ diags(scale)), atol=1e-9
    )


def test_category_block_weights_change_what_is_learned() -> None:
    blocks, _, weights = _blocks()
    x = stack(blocks, LABEL_FIELDS)
    shipped = fit_category_head(blocks, ROWS, weights, 30.0, 0, embedding=False)
    plain = fit_category_head(blocks, ROWS, weights, 30.0, 0, block_weights={}, embedding=False)
    other = fit_category_head(
        blocks, ROWS, weights, 30.0, 0, block_weights={"title_words": 3.0}, embedding=False
    )
    assert np.abs(other.predict_proba(x) - plain.predict_proba(x)).max() > 1e-3
    # the shipped weights are the ones fit_heads uses (none named: every block at 1)
    if not CATEGORY_BLOCK_WEIGHTS:
        np.testing.assert_array_equal(shipped.coef_, plain.coef_)
    else:
        assert np.abs(shipped.predict_proba(x) - plain.predict_proba(x)).max() > 1e-3


def test_class_weights_balanced_square_root_or_none() -> None:
    labels = ["reports"] * 6 + ["tools"] * 2 + ["briefings"]
    assert class_weights(labels, "balanced") == "balanced"
    assert class_weights(labels, "none") is None
    root = class_weights(labels, "sqrt")
    assert isinstance(root, dict)
    assert root["reports"] == pytest.approx((9 / (3 * 6)) ** 0.5)
    assert root["briefings"] == pytest.approx((9 / 3) ** 0.5)


def test_labels_out_of_fold_are_those_of_a_whole_model_fitted_without_the_fold() -> None:
    config = ModelConfig(folds=3)
    got = labels_out_of_fold(ROWS, config)
    for train_idx, test_idx in group_folds(ROWS, 3)[:1]:
        heads = fit_heads([ROWS[i] for i in train_idx], config)
        want = score(heads, [ROWS[i].as_input() for i in test_idx])
        assert [got.sector[i] for i in test_idx] == want.sector_labels
        assert [got.category[i] for i in test_idx] == want.category_labels


def test_the_compiled_scorer_reads_a_weighted_category_head_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from curator.classify.compiled_io import compile_heads

    monkeypatch.setitem(CATEGORY_BLOCK_WEIGHTS, "title_words", 2.0)
    rows = ROWS[::2]
    heads = fit_heads(rows, ModelConfig(c_relevance=100.0))
    inputs = [r.as_input() for r in rows]
    blocks = transform(heads.vectorizers, [prepare(i) for i in inputs])
    scale = column_weights(blocks, LABEL_FIELDS, {"title_words": 2.0})
    # fit_heads used the weights: its head is the weighted fit, folded
    by_hand = _category_by_hand(
        stack(blocks, LABEL_FIELDS), scale, np.array([r.weight for r in rows]), 30.0, rows
    )
    x = stack(blocks, LABEL_FIELDS)
    # its sparse part is the weighted fit, folded; the embedding head's part follows it
    np.testing.assert_allclose(
        heads.category.coef_[:, : x.shape[1]], by_hand.coef_ * scale, rtol=1e-6, atol=1e-9
    )
    want = heads.category.predict_proba(label_stack(heads.category, blocks, x))
    got = compile_heads(heads).proba(inputs)["category"]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_the_category_head_adds_the_embedding_heads_decision() -> None:
    from sklearn.linear_model import LogisticRegression

    blocks, _, weights = _blocks()
    x = stack(blocks, LABEL_FIELDS)
    sparse = fit_category_head(blocks, ROWS, weights, 30.0, 0, embedding=False)
    head = fit_category_head(blocks, ROWS, weights, 30.0, 0)
    assert head.coef_.shape[1] == x.shape[1] + blocks["word_vectors"].shape[1]
    # by hand: the embedding standardised on every row, a head fitted on the categorised rows
    e = np.asarray(blocks["word_vectors"] @ wordvec.load().table, dtype=float)
    z = (e - e.mean(axis=0)) / ((e.std(axis=0) + 1e-9) * np.sqrt(e.shape[1]))
    idx = [i for i, r in enumerate(ROWS) if r.relevant and r.category]
    by_hand = LogisticRegression(
        C=wordvec.EMBEDDING_C, class_weight="balanced", solver="newton-cg", max_iter=1000
    ).fit(z[idx], [str(ROWS[i].category) for i in idx], sample_weight=weights[idx])
    want = sparse.decision_function(x) + by_hand.decision_function(z)
    got = head.decision_function(label_stack(head, blocks, x))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert (got.argmax(axis=1) != sparse.decision_function(x).argmax(axis=1)).any()


def test_a_category_head_without_the_embedding_is_still_read_on_the_label_stack() -> None:
    from curator.classify.compiled_io import compile_heads

    rows = ROWS[::2]
    heads = fit_heads(rows, ModelConfig(c_relevance=100.0))
    inputs = [r.as_input() for r in rows]
    blocks = transform(heads.vectorizers, [prepare(i) for i in inputs])
    weights = np.array([r.weight for r in rows])
    old = fit_category_head(blocks, rows, weights, 30.0, 0, embedding=False)
    x = stack(blocks, LABEL_FIELDS)
    assert label_stack(old, blocks, x) is x
    # a model saved before the category head read the embedding scores as it did then
    older = type(heads)(heads.vectorizers, heads.relevance, heads.sector, old)
    want = old.predict_proba(x)
    assert score(older, inputs).category_labels == [
        str(old.classes_[i]) for i in want.argmax(axis=1)
    ]
    compiled = compile_heads(older).proba(inputs)["category"]
    np.testing.assert_allclose(compiled, want, rtol=0, atol=1e-9)
