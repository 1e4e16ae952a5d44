"""Temperature scaling of the label heads: it finds the temperature that made the data, keeps
every predicted label, and `curator train` fits it on the development rows' out-of-fold
decisions only."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from curator.classify.calibrate import fit_temperature, log_loss_at, temper
from curator.classify.data import load_files
from curator.classify.fit import decision_columns, fit_heads, score
from curator.classify.model import ModelConfig, train
from tests.conftest import REPO


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def test_it_recovers_the_temperature_that_made_the_labels() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 4.0, size=(6000, 3))
    for made_with in (0.5, 1.0, 2.5):
        p = _softmax(z / made_with)
        truth = np.array([rng.choice(3, p=row) for row in p])
        assert abs(fit_temperature(z, truth) - made_with) < 0.1 * made_with
        # the fitted temperature's log-loss is no worse than leaving it at 1
        t = fit_temperature(z, truth)
        assert log_loss_at(z, truth, t) <= log_loss_at(z, truth, 1.0) + 1e-12


def test_rows_whose_class_their_model_never_saw_are_left_out() -> None:
    z = np.array([[2.0, 0.0, -np.inf]] * 30 + [[0.0, 1.0, -np.inf]] * 30)
    truth = np.array([0] * 25 + [1] * 5 + [1] * 25 + [2] * 5)  # class 2: no model gave it
    assert np.isfinite(fit_temperature(z, truth))
    assert fit_temperature(z[:10], truth[:10]) == 1.0  # too few rows: no change
    assert fit_temperature(z, np.full(60, -1)) == 1.0  # no row with a class


def test_tempering_a_head_keeps_its_labels_and_softens_its_confidence() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 5))
    y = np.array(["a", "b", "c"])[np.argmax(x[:, :3] + rng.normal(size=(300, 3)), axis=1)]
    head = LogisticRegression(C=100.0).fit(x, y)
    before_labels, before_p = head.predict(x), head.predict_proba(x)
    z = decision_columns(head, x, ["a", "b", "c"])
    temper(head, 2.0)
    assert (head.predict(x) == before_labels).all()
    assert np.allclose(head.predict_proba(x), _softmax(z / 2.0))
    assert head.predict_proba(x).max(axis=1).mean() < before_p.max(axis=1).mean()
    # a class the head never saw is -inf in its column; a constant head is 0 in its own
    assert np.isneginf(decision_columns(head, x, ["a", "b", "c", "d"])[:, 3]).all()
    assert (decision_columns("b", x[:2], ["a", "b"]) == [[-np.inf, 0.0], [-np.inf, 0.0]]).all()


def test_train_tempers_the_label_heads_and_keeps_every_label() -> None:
    rows = load_files(REPO / "data" / "training")[::3]
    config = ModelConfig(folds=3, c_relevance_grid=())
    result = train(rows, config)
    t = result.extra["label_temperatures"]
    # the label heads are fitted sharp: out of fold they are softened, never sharpened here
    assert t["sector"] > 1.0 and t["category"] > 1.0
    untempered = fit_heads(rows, config)
    inputs = [r.as_input() for r in rows[:200]]
    a, b = score(result.heads, inputs), score(untempered, inputs)
    assert a.sector_labels == b.sector_labels and a.category_labels == b.category_labels
    assert (a.category_confidence <= b.category_confidence + 1e-12).all()
    assert a.category_confidence.mean() < b.category_confidence.mean()
    assert np.allclose(a.relevance, b.relevance)  # the relevance head is not touched
