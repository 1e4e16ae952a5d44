"""Held-out evaluation for ``curator eval`` and the model card.

Two splits, each compared with the keyword rules and the majority class on the same rows:

* **by publisher**: GroupKFold over publishers, so every row is scored by a model that never saw
  its publisher (cross-validated predictions: small data is all used). The relevance head's C
  and its threshold are chosen for each held-out fold on that fold's training part only (inner
  publisher-grouped CV, as ``curator train`` chooses them on all rows), so the held-out rows
  never take part in a choice and the figures are honest.
* **by date**: rows with a ``published`` date on or after the cut-off (the 75th percentile of
  dated rows) are held out; everything older or undated trains.

Both run on the development rows only; the rows of the untouched test publishers
(:mod:`curator.classify.split`) are scored once, by a model fitted on the development rows
(:func:`untouched_split`).

:func:`publisher_repeats` reruns the split by publisher with publishers dealt to folds at random
(seeds 0..N-1) to show how much the headline figures depend on one assignment of publishers to
folds (``curator eval --repeats N``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from curator.classify.baselines import (
    keyword_category,
    keyword_relevance,
    keyword_sector,
    majority,
)
from curator.classify.data import TrainingRow
from curator.classify.features import publisher_group, without_summary
from curator.classify.fit import fit_heads, group_folds, score
from curator.classify.metrics import (
    confusion,
    false_positive_rate,
    macro_f1,
    precision,
    recall,
    roc_auc,
    with_ci,
)
from curator.classify.select import choose_lanes, choose_thresholds, search_relevance_c
from curator.classify.split import SALT, TEST_PERCENT, split_indices
from curator.classify.targets import TARGETS, headline, meets
from curator.classify.types import (
    EvaluationReport,
    LaneFigures,
    LanePoints,
    ModelConfig,
    SplitReport,
)
from curator.errors import ModelError
from curator.records import CATEGORIES, SECTORS

SYSTEMS = ("model", "keyword rules", "majority class")
#: Publisher-grouped folds the nested splits choose C, threshold and lanes on inside each
#: training part (``curator eval --inner-folds``). ``curator train`` chooses on
#: ``ModelConfig.folds`` (5); 3 is cheaper, and a little pessimistic for the card lane
#: (``benchmarks/experiments/CROSSFIT.md``).
INNER_FOLDS = 3


class _Collected:
    """Held-out predictions of each system for the rows of one split."""

    def __init__(self, n: int) -> None:
        self.relevance = {s: np.zeros(n) for s in SYSTEMS}
        self.relevant = {s: np.zeros(n, dtype=bool) for s in SYSTEMS}
        self.sector: dict[str, list[str]] = {s: [""] * n for s in SYSTEMS}
        self.category: dict[str, list[str]] = {s: [""] * n for s in SYSTEMS}
        self.thresholds: list[float] = []
        self.c_relevance: list[float] = []
        #: the model's lanes: carded, and carded or listed in the digest
        self.card = np.zeros(n, dtype=bool)
        self.listed = np.zeros(n, dtype=bool)
        self.lane_points: list[LanePoints] = []
        #: the same for the rows scored without their summaries, at the points chosen for
        #: items without one
        self.bare_relevance = np.zeros(n)
        self.bare_card = np.zeros(n, dtype=bool)
        self.bare_listed = np.zeros(n, dtype=bool)
        self.bare_points: list[LanePoints] = []


def _predict_fold(
    rows: Sequence[TrainingRow],
    train_idx: Sequence[int],
    test_idx: Sequence[int],
    config: ModelConfig,
    out: _Collected,
    *,
    inner_folds: int = INNER_FOLDS,
    chosen: tuple[float, np.ndarray] | None = None,
    chosen_without_summary: np.ndarray | None = None,
) -> None:
    """Fit on ``train_idx`` and record every system's predictions for ``test_idx``. ``chosen``
    is a C with the out-of-fold scores of the training part it gave (from ``curator train``'s
    own search), so the search need not be run again; ``chosen_without_summary`` the same
    search's scores of the rows without their summaries (without it, an item without a summary
    is read at the points of the others, as a model without a pair of its own reads it)."""
    train = [rows[i] for i in train_idx]
    test_inputs = [rows[i].as_input() for i in test_idx]
    y_train = [r.relevant for r in train]
    test = np.asarray(test_idx)

    # The model: the relevance head's C and the threshold are chosen on grouped out-of-fold
    # scores of the training part only (nested: the held-out rows never take part in either).
    if chosen is not None:
        config = replace(config, c_relevance=chosen[0])
        oof = chosen[1]
        oof_bare = oof if chosen_without_summary is None else chosen_without_summary
    else:
        try:
            inner = search_relevance_c(train, replace(config, folds=inner_folds))
            config = replace(config, c_relevance=inner.c)
            oof, oof_bare = inner.oof, inner.oof_without_summary
        except ModelError:  # too few publishers in the training part for an inner split
            oof = oof_bare = np.full(len(train), 0.5)
    thresholds = choose_thresholds(y_train, oof, config.target_recall)
    lanes = choose_lanes(y_train, oof, config.card_recall, config.digest_recall)
    bare_lanes = choose_lanes(y_train, oof_bare, config.card_recall, config.digest_recall)
    out.thresholds.append(thresholds.relevant)
    out.c_relevance.append(config.c_relevance)
    out.lane_points.append(lanes)
    out.bare_points.append(bare_lanes)
    heads = fit_heads(train, config)
    s = score(heads, test_inputs)
    out.relevance["model"][test] = s.relevance
    out.relevant["model"][test] = s.relevance >= thresholds.relevant
    out.card[test] = s.relevance >= lanes.card
    out.listed[test] = s.relevance >= lanes.digest
    bare = score(heads, [without_summary(i) for i in test_inputs]).relevance
    out.bare_relevance[test] = bare
    out.bare_card[test] = bare >= bare_lanes.card
    out.bare_listed[test] = bare >= bare_lanes.digest

    # Keyword rules: fixed scores; their threshold is chosen the same way on the training part.
    kw_train = keyword_relevance([r.as_input() for r in train])
    kw_t = choose_thresholds(y_train, kw_train, config.target_recall).relevant
    kw_test = np.asarray(keyword_relevance(test_inputs))
    out.relevance["keyword rules"][test] = kw_test
    out.relevant["keyword rules"][test] = kw_test >= kw_t

    # Majority class: the training part's commoner answer for every row (a constant score, so
    # its ROC-AUC is 0.5 by construction).
    prevalence = float(np.mean(y_train)) if y_train else 0.0
    out.relevance["majority class"][test] = 0.5
    out.relevant["majority class"][test] = prevalence >= 0.5

    kw_sectors = keyword_sector(test_inputs)
    kw_categories = keyword_category(test_inputs)
    sector_major = majority([str(r.sector) for r in train if r.relevant and r.sector] or [""])
    category_major = majority([str(r.category) for r in train if r.category] or [""])
    for j, i in enumerate(test_idx):
        out.sector["model"][i] = s.sector_labels[j]
        out.category["model"][i] = s.category_labels[j]
        out.sector["keyword rules"][i] = kw_sectors[j]
        out.category["keyword rules"][i] = kw_categories[j]
        out.sector["majority class"][i] = sector_major
        out.category["majority class"][i] = category_major


def _lane_figures(
    y: np.ndarray,
    card: np.ndarray,
    listed: np.ndarray,
    points: Sequence[LanePoints],
    n_boot: int,
    seed: int,
) -> LaneFigures:
    """What the lanes did to held-out rows of truth ``y``: ``card`` those carded, ``listed``
    those carded or in the digest, at ``points`` (each fold's)."""
    return {
        "card_points": [p.card for p in points],
        "digest_points": [p.digest for p in points],
        "card_recall": with_ci(recall, y, card, n=n_boot, seed=seed),
        "card_fpr": with_ci(false_positive_rate, y, card, n=n_boot, seed=seed),
        "card_digest_recall": with_ci(recall, y, listed, n=n_boot, seed=seed),
        "card_digest_fpr": with_ci(false_positive_rate, y, listed, n=n_boot, seed=seed),
    }


def _summarise(
    rows: Sequence[TrainingRow], idx: Sequence[int], got: _Collected, n_boot: int, seed: int
) -> SplitReport:
    idx = list(idx)
    y = np.array([rows[i].relevant for i in idx])
    sec_idx = [i for i in idx if rows[i].relevant and rows[i].sector]
    cat_idx = [i for i in idx if rows[i].relevant and rows[i].category]
    y_sec = np.array([str(rows[i].sector) for i in sec_idx])
    y_cat = np.array([str(rows[i].category) for i in cat_idx])
    result: SplitReport = {
        "rows": len(idx),
        "relevant_rows": int(y.sum()),
        "sector_rows": len(sec_idx),
        "category_rows": len(cat_idx),
        "model_thresholds": [round(t, 4) for t in got.thresholds],
        "model_c_relevance": got.c_relevance,
        "relevance": {},
        "sector": {},
        "category": {},
        "lanes": _lane_figures(y, got.card[idx], got.listed[idx], got.lane_points, n_boot, seed),
        "lanes_without_summary": {
            **_lane_figures(
                y, got.bare_card[idx], got.bare_listed[idx], got.bare_points, n_boot, seed
            ),
            "roc_auc": with_ci(roc_auc, y, got.bare_relevance[idx], n=n_boot, seed=seed),
        },
    }
    for system in SYSTEMS:
        scores = got.relevance[system][idx]
        chosen = got.relevant[system][idx]
        result["relevance"][system] = {
            "roc_auc": with_ci(roc_auc, y, scores, n=n_boot, seed=seed),
            "recall": with_ci(recall, y, chosen, n=n_boot, seed=seed),
            "precision": with_ci(precision, y, chosen, n=n_boot, seed=seed),
            "confusion": confusion(
                ["relevant" if v else "not" for v in y],
                ["relevant" if v else "not" for v in chosen],
                ["relevant", "not"],
            ),
        }
        sec_pred = np.array([got.sector[system][i] for i in sec_idx])
        cat_pred = np.array([got.category[system][i] for i in cat_idx])
        result["sector"][system] = {
            "macro_f1": with_ci(macro_f1, y_sec, sec_pred, n=n_boot, seed=seed),
            "confusion": confusion(y_sec.tolist(), sec_pred.tolist(), list(SECTORS)),
        }
        result["category"][system] = {
            "macro_f1": with_ci(macro_f1, y_cat, cat_pred, n=n_boot, seed=seed),
            "confusion": confusion(y_cat.tolist(), cat_pred.tolist(), list(CATEGORIES)),
        }
    return result


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    parts = value[:10].split("-")
    try:
        nums = [int(p) for p in parts] + [1] * (3 - len(parts))
        return date(nums[0], nums[1], nums[2])
    except (ValueError, IndexError):
        return None


def publisher_split(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    folds: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
    inner_folds: int = INNER_FOLDS,
) -> SplitReport:
    """The split by publisher; ``folds`` defaults to :func:`group_folds` (deterministic)."""
    got = _Collected(len(rows))
    if folds is None:
        folds = group_folds(rows, config.folds)
    for train_idx, test_idx in folds:
        _predict_fold(rows, list(train_idx), list(test_idx), config, got, inner_folds=inner_folds)
    summary = _summarise(rows, range(len(rows)), got, n_boot, seed)
    summary["folds"] = len(folds)
    summary["inner_folds"] = inner_folds
    summary["publishers"] = len({r.publisher for r in rows})
    return summary


def date_split(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    inner_folds: int = INNER_FOLDS,
) -> SplitReport:
    dated = [(d, i) for i, r in enumerate(rows) if (d := _parse_date(r.published)) is not None]
    if len(dated) < 20:
        return {"skipped": f"only {len(dated)} rows have a publication date"}
    days = sorted(d for d, _ in dated)
    cutoff = days[int(len(days) * 0.75)]
    test_idx = [i for d, i in dated if d >= cutoff]
    train_idx = [i for i in range(len(rows)) if i not in set(test_idx)]
    if not test_idx or len({rows[i].relevant for i in train_idx}) < 2:
        return {"skipped": "the dated rows do not allow a train/test split by date"}
    got = _Collected(len(rows))
    _predict_fold(rows, train_idx, test_idx, config, got, inner_folds=inner_folds)
    summary = _summarise(rows, test_idx, got, n_boot, seed)
    summary["cutoff"] = cutoff.isoformat()
    summary["inner_folds"] = inner_folds
    summary["train_rows"] = len(train_idx)
    return summary


#: The figures ``curator eval --repeats N`` summarises: the targets plus precision.
STABILITY_METRICS = (
    "relevance ROC-AUC",
    "recall at threshold",
    "precision at threshold",
    "card recall",
    "card FPR",
    "card+digest recall",
    "sector macro-F1",
    "category macro-F1",
)


def _stability_figures(split: SplitReport) -> dict[str, float | None]:
    got = headline(split)
    return {
        name: (
            split["relevance"]["model"]["precision"]["value"]
            if name == "precision at threshold"
            else got[name]
        )
        for name in STABILITY_METRICS
    }


def publisher_repeats(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    repeats: int,
    *,
    on_repeat: Callable[[int], None] | None = None,
    inner_folds: int = INNER_FOLDS,
) -> dict[str, Any]:
    """The split by publisher ``repeats`` times, publishers dealt to ``config.folds`` folds at
    random with seeds 0..repeats-1 (:func:`group_folds` with a seed); everything else, including the
    inner threshold selection, is :func:`publisher_split`'s. Point values only (no bootstrap).

    Returns each repeat's figures and, per figure, the mean, min and max across repeats and how
    many repeats meet its target (``None`` for a figure without a target). ``on_repeat(i)`` is
    called after repeat ``i`` (0-based) finishes.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    per_repeat: list[dict[str, Any]] = []
    for seed in range(repeats):
        folds = group_folds(rows, config.folds, seed=seed)
        split = publisher_split(rows, config, n_boot=0, folds=folds, inner_folds=inner_folds)
        per_repeat.append(
            {
                "seed": seed,
                "folds": len(folds),
                "fold_rows": [len(te) for _, te in folds],
                "metrics": _stability_figures(split),
            }
        )
        if on_repeat is not None:
            on_repeat(seed)
    summary: dict[str, dict[str, Any]] = {}
    for name in STABILITY_METRICS:
        values = [v for r in per_repeat if (v := r["metrics"][name]) is not None]
        target = TARGETS.get(name)
        summary[name] = {
            "mean": float(np.mean(values)) if values else None,
            "min": min(values) if values else None,
            "max": max(values) if values else None,
            "computed": len(values),
            "target": target,
            "repeats_meeting_target": (
                None if target is None else sum(meets(name, v) for v in values)
            ),
        }
    return {
        "repeats": repeats,
        "inner_folds": inner_folds,
        "seeds": list(range(repeats)),
        "per_repeat": per_repeat,
        "summary": summary,
    }


def untouched_split(
    rows: Sequence[TrainingRow],
    config: ModelConfig,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    chosen: tuple[float, np.ndarray] | None = None,
    chosen_without_summary: np.ndarray | None = None,
) -> SplitReport:
    """The untouched test publishers (:mod:`curator.classify.split`): fit on the development
    rows, with C, threshold and lanes chosen on their publisher-grouped out-of-fold scores
    (``config.folds`` folds, as ``curator train`` does; ``chosen`` passes train's own), and
    score the test rows once."""
    dev_idx, test_idx = split_indices(rows)
    if not test_idx:
        return {"skipped": "the development rows alone cannot be cross-validated"}
    got = _Collected(len(rows))
    _predict_fold(
        rows,
        dev_idx,
        test_idx,
        config,
        got,
        inner_folds=config.folds,
        chosen=chosen,
        chosen_without_summary=chosen_without_summary,
    )
    summary = _summarise(rows, test_idx, got, n_boot, seed)
    summary["train_rows"] = len(dev_idx)
    summary["publishers"] = len({publisher_group(rows[i].publisher) for i in test_idx})
    summary["rule"] = f"sha256({SALT!r} + publisher key) % 100 < {TEST_PERCENT}"
    return summary


def evaluate(
    rows: Sequence[TrainingRow],
    config: ModelConfig | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    inner_folds: int = INNER_FOLDS,
) -> EvaluationReport:
    """Cross-validated splits on the development rows (their choices made on ``inner_folds``
    folds of each training part), and the untouched test split (chosen on ``config.folds`` folds
    of the development rows, as ``curator train`` chooses)."""
    config = config or ModelConfig()
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    return {
        "by_publisher": publisher_split(
            dev, config, n_boot=n_boot, seed=seed, inner_folds=inner_folds
        ),
        "by_date": date_split(dev, config, n_boot=n_boot, seed=seed, inner_folds=inner_folds),
        "test": untouched_split(rows, config, n_boot=n_boot, seed=seed),
        "bootstrap_resamples": n_boot,
        "targets": TARGETS,
    }
