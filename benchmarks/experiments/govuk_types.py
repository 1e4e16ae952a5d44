"""Would a shipped skip rule for GOV.UK's announcement types lower the card false-positive rate?
(``GOVUK_TYPES.md``, where the rule and the bar were declared before this ran.)

    .venv/bin/python -m benchmarks.experiments.govuk_types [--repeats 5]

Development rows only: the out-of-fold scores of ``benchmarks.lanes_oof`` (the shipped relevance
head, C 30000), with and without the rule's rows kept out of the card lane. The rule is matched
as the product matches it (``curator.rules``) on each row's GOV.UK document type.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import RELEVANCE_BLOCK_WEIGHTS
from curator.classify.select import choose_lanes, search_relevance_c
from curator.classify.split import split_indices
from curator.classify.types import ModelConfig
from curator.records import Entry, Rule
from curator.rules import matches

#: The rule, exactly as GOVUK_TYPES.md declares it.
RULE = Rule(
    "type",
    "^(press release|speech|news story|oral statement to parliament|written statement to "
    "parliament|(accredited official |official |national )?statistics announcement|tender "
    "notice|contract award notice)$",
)


def caught(row: TrainingRow) -> bool:
    """Whether the rule keeps ``row`` quiet, read as the product reads a new item."""
    entry = Entry(
        source_id="-",
        publisher=row.publisher,
        url=row.url or "",
        original_url=row.url or "",
        title=row.title,
        summary=row.summary,
        document_type=row.document_type,
    )
    return matches(RULE, entry)


def card_fpr(y: np.ndarray, s: np.ndarray, threshold: float, quiet: np.ndarray) -> float:
    """Pure: the share of the not-relevant rows at or above ``threshold`` and not kept quiet."""
    negatives = ~y
    return float(((s >= threshold) & negatives & ~quiet).sum() / negatives.sum())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-dir", type=Path, default=ROOT / "data" / "training")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = load_files(args.training_dir)
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    quiet = np.array([caught(r) for r in dev])
    print(
        f"{len(dev)} development rows ({int(y.sum())} relevant); the rule matches "
        f"{int((quiet & y).sum())} relevant and {int((quiet & ~y).sum())} not relevant"
    )
    config = ModelConfig(folds=5, seed=0, c_relevance=30000.0, c_relevance_grid=())
    pairs = []
    for k in range(args.repeats):
        s = search_relevance_c(
            dev, config, fold_seed=None if k == 0 else k, block_weights=RELEVANCE_BLOCK_WEIGHTS
        ).oof
        lanes = choose_lanes(y, s)
        base = card_fpr(y, s, lanes.card, np.zeros_like(quiet))
        ruled = card_fpr(y, s, lanes.card, quiet)
        carded = int(((s >= lanes.card) & ~y & quiet).sum())
        pairs.append((base, ruled))
        print(
            f"  folds {'default' if k == 0 else f'seed {k}'}: card FPR BASE {base:.4f}  "
            f"RULE {ruled:.4f}  (the rule's not-relevant rows carded by the model: {carded})"
        )
    mean = np.mean(np.array(pairs), axis=0)
    lower = sum(r < b for b, r in pairs)
    print(f"mean over {args.repeats}: BASE {mean[0]:.4f}  RULE {mean[1]:.4f}; lower on {lower}")


if __name__ == "__main__":
    main()
