"""Skip rules proposed from decisions (``curator/rules_suggest.py``), backtested on the labelled
development rows: what they spare and what they lose on rows they never saw.

    .venv/bin/python -m benchmarks.experiments.suggest_rules [--no-lanes]

Each publisher's development rows stand for one source's decisions (relevant = accepted, not
relevant = rejected), split in two halves by a hash of title and link; rules proposed from one
half (the shipped defaults) are applied to the other, both ways round. Then, for information,
the card lane at the pooled 95%-recall point of one out-of-fold scoring, with and without the
caught rows. The untouched test publishers are never read. Declared in ``SUGGEST_RULES.md``.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict

import numpy as np

from benchmarks.common import ROOT
from curator.classify.data import TrainingRow, load_files
from curator.classify.features import publisher_group
from curator.classify.split import split_indices
from curator.rules import matches, stored_entry
from curator.rules_suggest import Decided, suggest_for_source


def _half(row: TrainingRow) -> int:
    key = f"{row.title}\n{row.url or ''}".encode()
    return hashlib.sha256(key).digest()[0] % 2


def _decided(row: TrainingRow, source: str) -> Decided:
    return Decided(
        source_id=source,
        title=row.title,
        url=row.url or "",
        document_type=row.document_type,
        outcome="accepted" if row.relevant else "rejected",
        summary=row.summary,
    )


def caught_rows(dev: list[TrainingRow]) -> tuple[set[int], int, list[str]]:
    """Indices of the rows a rule proposed from the other half of their publisher's rows
    catches; how many publishers had a proposal; the proposals, for the record."""
    by_publisher: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(dev):
        by_publisher[publisher_group(row.publisher)].append(i)
    caught: set[int] = set()
    proposed: list[str] = []
    publishers = 0
    for key, idx in sorted(by_publisher.items()):
        halves = ([i for i in idx if _half(dev[i]) == 0], [i for i in idx if _half(dev[i]) == 1])
        any_rule = False
        for learn, judge in (halves, halves[::-1]):
            rules = suggest_for_source([_decided(dev[i], key) for i in learn])
            for s in rules:
                any_rule = True
                proposed.append(f"{key}: {s.rule} (from {s.rejected} rejected)")
                for i in judge:
                    row = dev[i]
                    entry = stored_entry(
                        key, row.title, row.url or "", row.summary, row.document_type
                    )
                    if matches(s.rule, entry):
                        caught.add(i)
        publishers += any_rule
    return caught, publishers, proposed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-lanes", action="store_true", help="skip the card-lane figure")
    args = parser.parse_args(argv)
    rows = load_files(ROOT / "data" / "training")
    dev_idx, _ = split_indices(rows)
    dev = [rows[i] for i in dev_idx]
    y = np.array([r.relevant for r in dev])
    caught, publishers, proposed = caught_rows(dev)
    spared = sum(1 for i in caught if not dev[i].relevant)
    lost = sum(1 for i in caught if dev[i].relevant)
    print(f"{len(dev)} development rows ({int(y.sum())} relevant)")
    for line in proposed:
        print("  proposed", line)
    print(
        f"publishers with a proposal: {publishers}; rows caught: {len(caught)}: "
        f"spared {spared} not relevant of {int((~y).sum())}, lost {lost} relevant of "
        f"{int(y.sum())}"
    )
    if args.no_lanes:
        return
    from curator.classify.select import choose_lanes, search_relevance_c
    from curator.classify.types import ModelConfig

    config = ModelConfig(folds=5, seed=0, c_relevance=1000.0, c_relevance_grid=())
    scores = search_relevance_c(dev, config).oof
    lanes = choose_lanes(y, scores)
    card = scores >= lanes.card
    kept = card & ~np.isin(np.arange(len(dev)), sorted(caught))
    for name, lane in (("as scored", card), ("with the proposed rules", kept)):
        fpr = float((lane & ~y).sum() / (~y).sum())
        recall = float((lane & y).sum() / y.sum())
        print(f"card lane {name}: false-positive rate {fpr:.4f}, recall {recall:.4f}")


if __name__ == "__main__":
    main()
