"""Does the kind of publisher lower the card false-positive rate? (``PUBLISHER_WORDS.md``)

    .venv/bin/python -m benchmarks.experiments.publisher_words [--repeats 5]

BASE is ``benchmarks.lanes_oof`` as it is; PUB adds a ``pub_<word>`` keyword token for each word
of the publisher's name (parentheses removed) found in the names of at least 5 development
publishers. Development rows only; the test publishers are never read. Experiment only: the
product's ``prepare`` is patched in this process, nothing under ``curator/`` changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from benchmarks.common import ROOT
from curator.classify import select
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import _PARENS, Prepared, prepare, publisher_group
from curator.classify.metrics import roc_auc
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ClassifyInput, ModelConfig

MIN_PUBLISHERS = 5
_WORD = re.compile(r"[a-z]{2,}")


def name_words(publisher: str) -> set[str]:
    """Pure: the words of a publisher's name, parentheses removed, stop words dropped."""
    return {
        w for w in _WORD.findall(_PARENS.sub(" ", publisher).lower()) if w not in ENGLISH_STOP_WORDS
    }


def vocabulary(rows: Sequence[TrainingRow]) -> frozenset[str]:
    """Pure: the name words shared by at least ``MIN_PUBLISHERS`` publisher keys (no label read)."""
    keys: dict[str, set[str]] = {}
    for row in rows:
        for word in name_words(row.publisher):
            keys.setdefault(word, set()).add(publisher_group(row.publisher))
    return frozenset(w for w, k in keys.items() if len(k) >= MIN_PUBLISHERS)


def with_publisher(vocab: frozenset[str]) -> Callable[[ClassifyInput], Prepared]:
    def patched(item: ClassifyInput) -> Prepared:
        prepared = prepare(item)
        tokens = sorted(f"pub_{w}" for w in name_words(item.publisher) & vocab)
        if not tokens:
            return prepared
        keywords = " ".join(tokens if prepared.keywords == "none" else [prepared.keywords, *tokens])
        return dataclasses.replace(prepared, keywords=keywords)

    return patched


def run(dev: list[TrainingRow], repeats: int, label: str) -> list[tuple[float, float]]:
    y = np.array([r.relevant for r in dev])
    config = ModelConfig(folds=5, seed=0, c_relevance=30000.0, c_relevance_grid=())
    figures = []
    for k in range(repeats):
        s = search_relevance_c(dev, config, fold_seed=None if k == 0 else k).oof
        lanes = choose_lanes(y, s)
        figures.append((lanes.card_fpr, roc_auc(y, s) or 0.0))
        print(
            f"  {label} assignment {k}: card FPR {lanes.card_fpr:.4f}  ROC-AUC {figures[-1][1]:.4f}"
        )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    vocab = vocabulary(dev)
    print(f"{len(dev)} development rows; publisher vocabulary ({len(vocab)}): {sorted(vocab)}")
    base = run(dev, args.repeats, "BASE")
    setattr(select, "prepare", with_publisher(vocab))  # noqa: B010 (patched in this process only)
    pub = run(dev, args.repeats, "PUB ")
    b, p = np.array(base), np.array(pub)
    better = int((p[:, 0] < b[:, 0]).sum())
    print(
        f"BASE mean card FPR {b[:, 0].mean():.4f} ROC-AUC {b[:, 1].mean():.4f}\n"
        f"PUB  mean card FPR {p[:, 0].mean():.4f} ROC-AUC {p[:, 1].mean():.4f}\n"
        f"PUB lower on {better} of {len(b)}; difference {p[:, 0].mean() - b[:, 0].mean():+.4f}"
    )


if __name__ == "__main__":
    main()
