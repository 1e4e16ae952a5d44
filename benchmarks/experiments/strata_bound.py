"""How much could a card threshold of its own for one kind of item lower the card lane's
false-positive rate? An upper bound, on the development rows only (findings:
``benchmarks/experiments/STRATA.md``).

    .venv/bin/python -m benchmarks.experiments.strata_bound [--repeats 3]

The rows are ``data/training``'s less the untouched test publishers (``split_indices``): nothing
here reads them. For each assignment of publishers to 5 folds, every development row is scored
out of fold (``search_relevance_c`` with the shipped head and one C, as ``benchmarks.lanes_oof``
does). Two strata are tried, each splitting the rows in two: GOV.UK (the URL's host is
``www.gov.uk``) and the devolved nations (Scotland, Wales, Northern Ireland named in the title,
summary or URL). For each, the *best* pair of thresholds is found on the same pooled scores it
is read on (the fewest not-relevant rows carded while keeping 95% of the relevant rows, the two
strata's thresholds free): an oracle, so an upper bound on what any rule choosing the pair from
training data could reach. It is compared with one threshold for all (``choose_lanes``).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from urllib.parse import urlparse

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig

_DEVOLVED = re.compile(
    r"scotland|scottish|wales|welsh|northern ireland|\.scot\b|gov\.wales|nidirect|hscni", re.I
)


def govuk(row: TrainingRow) -> bool:
    return (urlparse(row.url or "").hostname or "") == "www.gov.uk"


def devolved(row: TrainingRow) -> bool:
    return bool(_DEVOLVED.search(" ".join([row.title or "", row.summary or "", row.url or ""])))


STRATA: dict[str, Callable[[TrainingRow], bool]] = {"GOV.UK": govuk, "devolved": devolved}


def false_positives_by_recall(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``out[j]``: the not-relevant rows at or above the score of the j-th best relevant row
    (``out[0] = 0``: nothing carded), i.e. the fewest false positives carding j relevant rows."""
    negatives = np.sort(scores[~y])
    positives = np.sort(scores[y])[::-1]
    above = len(negatives) - np.searchsorted(negatives, positives, side="left")
    return np.concatenate([[0], above])


def oracle_fpr(y: np.ndarray, scores: np.ndarray, inside: np.ndarray, recall: float) -> float:
    """The lowest pooled false-positive rate of two thresholds, one for ``inside`` and one for
    the rest, that together card at least ``recall`` of the relevant rows."""
    need = int(np.ceil(recall * y.sum()))
    a = false_positives_by_recall(y[inside], scores[inside])
    b = false_positives_by_recall(y[~inside], scores[~inside])
    best = min(int(a[j] + b[need - j]) for j in range(len(a)) if 0 <= need - j < len(b))
    return best / int((~y).sum())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--c", type=float, default=30000.0, help="the relevance head's C")
    args = parser.parse_args(argv)
    rows = load_files(ROOT / "data" / "training")
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    masks = {name: np.array([test(r) for r in dev]) for name, test in STRATA.items()}
    print(f"{len(dev)} development rows ({int(y.sum())} relevant)")
    for name, m in masks.items():
        print(f"  {name}: {int(m.sum())} rows ({int(y[m].sum())} relevant)")
    config = ModelConfig(folds=5, seed=0, c_relevance=args.c, c_relevance_grid=())
    for k in range(args.repeats):
        scores = search_relevance_c(dev, config, fold_seed=None if k == 0 else k).oof
        one = choose_lanes(y, scores)
        cells = [f"one threshold {one.card_fpr:.4f}"]
        for name, m in masks.items():
            inside = float((scores[m & ~y] >= one.card).mean())
            rest = float((scores[~m & ~y] >= one.card).mean())
            bound = oracle_fpr(y, scores, m, config.card_recall)
            cells.append(f"{name}: best pair {bound:.4f} (at one: {inside:.3f} in, {rest:.3f} out)")
        print(f"folds {'default' if k == 0 else f'seed {k}'}: " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
